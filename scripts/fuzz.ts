// Property-based fuzzing of the loaders with fast-check: io.load (model.json and weight shards on disk)
// and io.readImage (PNG / JPEG bytes). Each case must end in a correct load or a typed ConvkitError
// within two seconds of CPU time (wall time on a shared machine counts other processes' turns; a case that
// waits forever meets the test's timeout instead): no other exception, no hang, no partly loaded model, and no weight
// file read from
// outside the model's directory. `npm run fuzz` runs 10,000 cases per loader (--runs N, --seed S);
// the test suite runs a seeded few hundred through the same functions.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { io, layers, model, Sequential, ops, tensor, ConvkitError, ModelFormatError, Tensor } from '../src';
import { decodeModel, encodeModel } from '../src/io/onnx/proto';
import type { Model } from '../src/models';

/** What happened to each case. */
export interface FuzzSummary {
  loader: string;
  cases: number;
  loaded: number;
  typedErrors: number;
  /** Anything else: untyped exceptions, loads that fail afterwards, partial loads, escaped paths. */
  failures: { kind: string; detail: string }[];
  slowest: number;
  errorKinds: Record<string, number>;
}

/** CPU time (user + system) past which a case counts as a hang: the slowest of the seeded suite took 70 ms here. */
const HANG_CPU_MS = 2000;

function newSummary(loader: string): FuzzSummary {
  return { loader, cases: 0, loaded: 0, typedErrors: 0, failures: [], slowest: 0, errorKinds: {} };
}

/** Runs one case and files its outcome; `check` validates a successful result. */
async function outcome<T>(
  s: FuzzSummary,
  label: string,
  run: () => Promise<T>,
  check: (v: T) => string | null,
): Promise<void> {
  s.cases++;
  const cpu0 = process.cpuUsage();
  let result: T | undefined,
    err: unknown = null;
  try {
    result = await run();
  } catch (e) {
    err = e;
  }
  const cpu = process.cpuUsage(cpu0),
    ms = (cpu.user + cpu.system) / 1000;
  s.slowest = Math.max(s.slowest, ms);
  if (ms > HANG_CPU_MS) s.failures.push({ kind: 'slow', detail: `${label}: ${ms.toFixed(0)} ms of CPU` });
  if (err === null) {
    const bad = check(result as T);
    if (bad) s.failures.push({ kind: 'bad load', detail: `${label}: ${bad}` });
    else s.loaded++;
  } else if (err instanceof ConvkitError) {
    s.typedErrors++;
    s.errorKinds[err.name] = (s.errorKinds[err.name] ?? 0) + 1;
  } else {
    s.failures.push({
      kind: 'untyped error',
      detail:
        `${label}: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message ?? err}`.slice(0, 300) +
        (process.env.FUZZ_STACKS ? `\n${(err as Error)?.stack}` : ''),
    });
  }
}

// ---------- io.load ----------

/** Small models whose files get mutated: a Sequential CNN and a functional graph with Add/Concatenate. */
function baseModels(): Model[] {
  const seq = new Sequential(
    [
      layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [6, 6, 2], activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.batchNormalization(),
      layers.flatten(),
      layers.dense({ units: 4, activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  const inp = layers.input({ shape: [5, 5, 3] });
  const a = layers.conv2d({ filters: 4, kernelSize: 1, name: 'a' }).apply(inp);
  const b = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'b' }).apply(inp);
  const sum = layers.add({ name: 'sum' }).apply([a, b]);
  const cat = layers.concatenate({ name: 'cat' }).apply([sum, a]);
  const out = layers.dense({ units: 2, name: 'out' }).apply(layers.globalAveragePooling2d({ name: 'gap' }).apply(cat));
  return [seq, model({ inputs: inp, outputs: out, seed: 2 })];
}

interface SavedFiles {
  json: any;
  shards: Map<string, Uint8Array>;
  names: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Every path (list of keys) into a JSON value. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

/** A change to one place of model.json. */
type Edit = { at: number; op: 'delete' | 'set' | 'dup' | 'swap'; value: Json; other: number };

const ESCAPES = [
  '../secret.bin',
  '../../secret.bin',
  'sub/../../secret.bin',
  '/etc/hostname',
  'file:///etc/hostname',
  'http://127.0.0.1:9/x.bin',
];

/** Strings a mutation may write: layer names (dangling / cyclic links), unknown classes, escaping paths. */
function stringPool(f: SavedFiles, escapes: boolean): string[] {
  const pool = [
    ...f.names,
    'NoSuchLayer',
    'Lambda',
    'float64',
    'uint8',
    'float16',
    'int32',
    '',
    'layers-model',
    'graph-model',
    'Functional',
    'Sequential',
  ];
  if (escapes) pool.push(...ESCAPES);
  return pool;
}

function jsonValue(pool: string[]): fc.Arbitrary<Json> {
  return fc.oneof(
    fc.constantFrom<Json>(
      null,
      true,
      false,
      0,
      -1,
      1,
      1.5,
      2 ** 31,
      2 ** 53,
      1e308,
      -1e9,
      [],
      {},
      [0],
      [-1],
      [1e9, 1e9],
      [2 ** 31, 2 ** 31, 4],
      [3, -3],
    ),
    fc.constantFrom<Json>(...pool),
    fc.integer({ min: -5, max: 70000 }),
    fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  );
}

function applyEdit(root: Json, e: Edit): Json {
  const all = paths(root);
  const path = all[e.at % all.length];
  if (path.length === 0) return e.op === 'set' ? e.value : root;
  const parent: any = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
  const key = path[path.length - 1];
  if (e.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (e.op === 'set') parent[key] = e.value;
  else if (e.op === 'dup') {
    if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
    else parent[key] = [parent[key], parent[key]];
  } else {
    // copy another node's value here (links to other layers, shapes of other weights)
    const src = all[e.other % all.length];
    parent[key] = structuredClone(src.reduce<any>((o, k) => o?.[k], root) ?? null);
  }
  return root;
}

/** A mutation of a saved model: JSON edits, text damage, shard damage. */
interface ModelMutation {
  base: number;
  escape: string | null;
  edits: Edit[];
  text: { kind: 'none' | 'flip' | 'truncate'; pos: number; bit: number };
  shard: { kind: 'none' | 'flip' | 'truncate' | 'extend' | 'drop'; pos: number; bit: number; extra: number };
}

function modelMutation(bases: SavedFiles[], escapes: boolean): fc.Arbitrary<ModelMutation> {
  return fc.integer({ min: 0, max: bases.length - 1 }).chain((base) =>
    fc.record({
      base: fc.constant(base),
      // one case in ten points the first shard path outside the model directory
      escape: escapes ? fc.option(fc.constantFrom(...ESCAPES), { freq: 9 }) : fc.constant(null),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          op: fc.constantFrom<Edit['op']>('delete', 'set', 'set', 'dup', 'swap'),
          value: jsonValue(stringPool(bases[base], escapes)),
          other: fc.nat(),
        }),
        { minLength: 0, maxLength: 3 },
      ),
      text: fc.record({
        kind: fc.constantFrom<'none' | 'flip' | 'truncate'>('none', 'none', 'none', 'flip', 'truncate'),
        pos: fc.nat(),
        bit: fc.integer({ min: 0, max: 7 }),
      }),
      shard: fc.record({
        kind: fc.constantFrom<ModelMutation['shard']['kind']>('none', 'none', 'flip', 'truncate', 'extend', 'drop'),
        pos: fc.nat(),
        bit: fc.integer({ min: 0, max: 7 }),
        extra: fc.integer({ min: 1, max: 64 }),
      }),
    }),
  );
}

async function saveBase(m: Model, dir: string): Promise<SavedFiles> {
  await io.save(m, dir);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const shards = new Map<string, Uint8Array>();
  for (const f of await readdir(dir))
    if (f !== 'model.json') shards.set(f, new Uint8Array(await readFile(join(dir, f))));
  return { json, shards, names: m.layers.map((l) => l.name) };
}

/** A random input batch matching a model's input shape. */
const sampleInput = (m: Model): Tensor[] =>
  m.inputs.map((s, i) => ops.randomUniform([2, ...s.shape.slice(1).map((d) => d ?? 3)], { seed: i }));

/** Fuzzes io.load (and io.loadWeights' all-or-nothing promise) with `runs` cases. */
export async function fuzzModelLoader(
  runs: number,
  seed: number,
  opts: { escapes?: boolean } = {},
): Promise<FuzzSummary> {
  const s = newSummary('io.load');
  const root = await mkdtemp(join(tmpdir(), 'convkit-fuzz-'));
  try {
    const models = baseModels();
    const bases: SavedFiles[] = [];
    for (let i = 0; i < models.length; i++) bases.push(await saveBase(models[i], join(root, `base${i}`)));
    // A file outside the model directory, sized so a path escaping to it would decode cleanly.
    const secretSize = [...bases[0].shards.values()][0].length;
    await writeFile(join(root, 'secret.bin'), new Uint8Array(secretSize).fill(7));
    const dir = join(root, 'model');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(modelMutation(bases, opts.escapes ?? true), async (mu) => {
        const b = bases[mu.base];
        const start = structuredClone(b.json);
        if (mu.escape) start.weightsManifest[0].paths[0] = mu.escape;
        const json = mu.edits.reduce<Json>((j, e) => applyEdit(j, e), start);
        let text = JSON.stringify(json) ?? 'undefined';
        if (mu.text.kind === 'truncate') text = text.slice(0, mu.text.pos % (text.length + 1));
        let textBytes = new TextEncoder().encode(text);
        if (mu.text.kind === 'flip' && textBytes.length) {
          textBytes = textBytes.slice();
          textBytes[mu.text.pos % textBytes.length] ^= 1 << mu.text.bit;
        }
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir);
        await writeFile(join(dir, 'model.json'), textBytes);
        for (const [name, bytes] of b.shards) {
          let d = bytes;
          const sh = mu.shard;
          if (sh.kind === 'drop') continue;
          if (sh.kind === 'flip') {
            d = d.slice();
            d[sh.pos % d.length] ^= 1 << sh.bit;
          }
          if (sh.kind === 'truncate') d = d.slice(0, sh.pos % d.length);
          if (sh.kind === 'extend') {
            const e = new Uint8Array(d.length + sh.extra);
            e.set(d);
            d = e;
          }
          await writeFile(join(dir, name), d);
        }
        const label = `case ${n++} ${JSON.stringify(mu).slice(0, 200)}`;
        const escaped = opts.escapes !== false && /secret\.bin|\/etc\/hostname/.test(text);
        await outcome(
          s,
          label,
          () => io.load(dir),
          (m) => {
            if (escaped && [...text.matchAll(/"paths":\s*\[([^\]]*)\]/g)].some((p) => /secret|\/etc\//.test(p[1])))
              return 'a weight path leaving the model directory was accepted';
            try {
              const y = m.predict(sampleInput(m));
              if (!(y instanceof Tensor) || y.shape[0] !== 2) return `predict gave shape ${y?.shape}`;
            } catch (e) {
              if (!(e instanceof ConvkitError)) return `predict threw ${(e as Error).message}`;
            }
            return null;
          },
        );
        // loadWeights into an intact model: all or nothing
        const target = models[mu.base];
        const before = target.getWeights().map((w) => Float32Array.from(w.data));
        let ok = true;
        try {
          await io.loadWeights(target, dir);
        } catch (e) {
          ok = false;
          if (!(e instanceof ConvkitError))
            s.failures.push({ kind: 'untyped error', detail: `loadWeights ${label}: ${(e as Error).message}` });
        }
        if (!ok && target.getWeights().some((w, i) => w.data.some((v, j) => !Object.is(v, before[i][j])))) {
          s.failures.push({ kind: 'partial load', detail: `loadWeights changed weights before failing: ${label}` });
        }
        if (ok) target.setWeights(before.map((d, i) => tensor(d, target.getWeights()[i].shape)));
      }),
      { numRuns: runs, seed, endOnFailure: false },
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return s;
}

// ---------- io.readImage ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** PNG chunk CRC (so a changed header gets past the CRC check and reaches the decoder). */
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function baseImages(): Promise<Uint8Array[]> {
  const img = (h: number, w: number, c: number, seed: number): Tensor => {
    const t = ops.randomUniform([h, w, c], { min: 0, max: 255, seed });
    // smooth areas as well as noise, so the compressed streams are varied
    t.data.forEach((v, i) => {
      t.data[i] = i % 7 < 3 ? 128 : Math.round(v);
    });
    return t;
  };
  return [
    await io.encodeImage(img(12, 17, 3, 1), 'png'),
    await io.encodeImage(img(9, 8, 1, 2), 'png'),
    await io.encodeImage(img(10, 10, 4, 3), 'png'),
    await io.encodeImage(img(16, 16, 3, 4), 'jpeg'),
    await io.encodeImage(img(13, 21, 3, 5), 'jpeg', { quality: 40 }),
  ];
}

interface ImageMutation {
  base: number;
  kind: 'flip' | 'truncate' | 'dims' | 'junk' | 'splice';
  pos: number;
  bits: number[];
  w: number;
  h: number;
  junk: Uint8Array;
}

function setDims(b: Uint8Array, w: number, h: number): Uint8Array {
  const d = b.slice(),
    v = new DataView(d.buffer);
  if (d[0] === 0x89) {
    v.setUint32(16, w);
    v.setUint32(20, h);
    v.setUint32(29, crc32(d.subarray(12, 29)));
    return d;
  }
  // JPEG: the SOFn segment holds height then width (16 bits each) after the precision byte
  for (let i = 2; i + 9 < d.length; i++) {
    if (d[i] === 0xff && d[i + 1] >= 0xc0 && d[i + 1] <= 0xc2) {
      v.setUint16(i + 5, h & 0xffff);
      v.setUint16(i + 7, w & 0xffff);
      break;
    }
  }
  return d;
}

function mutateImage(bases: Uint8Array[], m: ImageMutation): Uint8Array {
  const b = bases[m.base];
  switch (m.kind) {
    case 'flip': {
      const d = b.slice();
      for (const x of m.bits) d[(m.pos + x * 131) % d.length] ^= 1 << (x & 7);
      return d;
    }
    case 'truncate':
      return b.slice(0, m.pos % b.length);
    case 'dims':
      return setDims(b, m.w, m.h);
    case 'junk': {
      // overwrite bytes past the signature with random ones
      const d = b.slice(),
        o = Math.min(8 + (m.pos % Math.max(1, d.length - 8)), d.length);
      d.set(m.junk.subarray(0, d.length - o), o);
      return d;
    }
    case 'splice': {
      const p = m.pos % b.length;
      const d = new Uint8Array(b.length + m.junk.length);
      d.set(b.subarray(0, p));
      d.set(m.junk, p);
      d.set(b.subarray(p), p + m.junk.length);
      return d;
    }
  }
}

const imageMutation = (n: number): fc.Arbitrary<ImageMutation> =>
  fc.record({
    base: fc.integer({ min: 0, max: n - 1 }),
    kind: fc.constantFrom<ImageMutation['kind']>('flip', 'flip', 'truncate', 'dims', 'dims', 'junk', 'splice'),
    pos: fc.nat(),
    bits: fc.array(fc.nat({ max: 4095 }), { minLength: 1, maxLength: 8 }),
    w: fc.oneof(fc.constantFrom(0, 1, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 100000, 7000), fc.nat({ max: 70000 })),
    h: fc.oneof(fc.constantFrom(0, 1, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 100000, 7000), fc.nat({ max: 70000 })),
    junk: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  });

/** Fuzzes io.readImage with `runs` mutated PNG and JPEG files. */
export async function fuzzImageLoader(runs: number, seed: number): Promise<FuzzSummary> {
  const s = newSummary('io.readImage');
  const bases = await baseImages();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(imageMutation(bases.length), async (mu) => {
      const bytes = mutateImage(bases, mu);
      await outcome(
        s,
        `case ${n++} ${mu.kind} base ${mu.base} pos ${mu.pos} ${mu.w}x${mu.h}`,
        () => io.readImage(bytes),
        (t) => {
          const [h, w, c] = t.shape;
          if (t.rank !== 3 || !(h > 0 && w > 0) || ![1, 3, 4].includes(c) || t.data.length !== h * w * c)
            return `bad tensor shape [${t.shape}]`;
          if (t.data.some((v) => !(v >= 0 && v <= 255))) return 'pixel values outside 0-255';
          return null;
        },
      );
    }),
    { numRuns: runs, seed, endOnFailure: false },
  );
  return s;
}

// ---------- io.loadOnnx ----------

const ONNX_OPS = [
  'Conv',
  'Relu',
  'Gemm',
  'Reshape',
  'Concat',
  'Slice',
  'Pad',
  'MaxPool',
  'Resize',
  'Softmax',
  'Gather',
  'Einsum',
  'LSTM',
  'Mul',
  'Transpose',
  'Split',
];
type OnnxMutation =
  | { kind: 'bytes'; base: number; at: number; cut: boolean; value: number }
  | { kind: 'op'; base: number; node: number; op: string }
  | { kind: 'attr'; base: number; node: number; value: number; float: boolean }
  | { kind: 'dims'; base: number; init: number; dims: number[] }
  | { kind: 'raw'; base: number; init: number; keep: number }
  | { kind: 'input'; base: number; node: number; slot: number; name: number }
  | { kind: 'opset'; base: number; version: number };

/** Truncated and byte-flipped files, and decoded graphs with nodes, attributes, initializers and opsets edited. */
function onnxMutation(bases: number): fc.Arbitrary<OnnxMutation> {
  const base = fc.nat(bases - 1),
    ix = fc.nat(200);
  const big = fc.oneof(
    fc.integer({ min: -3, max: 40 }),
    fc.constantFrom(2 ** 31 - 1, -(2 ** 31), 2 ** 40, 2 ** 53),
    fc.double({ noNaN: false }),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant('bytes' as const), base, at: fc.nat(20000), cut: fc.boolean(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('op' as const), base, node: ix, op: fc.constantFrom(...ONNX_OPS) }),
    fc.record({ kind: fc.constant('attr' as const), base, node: ix, value: big, float: fc.boolean() }),
    fc.record({
      kind: fc.constant('dims' as const),
      base,
      init: ix,
      dims: fc.array(fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(2 ** 20, 2 ** 40)), { maxLength: 5 }),
    }),
    fc.record({
      kind: fc.constant('raw' as const),
      base,
      init: ix,
      keep: fc.double({ min: 0, max: 1.2, noNaN: true }),
    }),
    fc.record({ kind: fc.constant('input' as const), base, node: ix, slot: fc.nat(3), name: ix }),
    fc.record({ kind: fc.constant('opset' as const), base, version: fc.integer({ min: 1, max: 25 }) }),
  );
}

function mutateOnnx(bases: Uint8Array[], m: OnnxMutation): Uint8Array {
  const bytes = bases[m.base];
  if (m.kind === 'bytes') {
    const at = m.at % bytes.length;
    if (m.cut) return bytes.subarray(0, at);
    const b = bytes.slice();
    b[at] = m.value;
    return b;
  }
  const model = decodeModel(bytes);
  const g = model.graph!,
    nodes = g.node!,
    inits = g.initializer!;
  const node = nodes[(m as { node?: number }).node! % nodes.length],
    init = inits[((m as { init?: number }).init ?? 0) % inits.length];
  if (m.kind === 'op') node.op_type = m.op;
  if (m.kind === 'attr' && node.attribute?.length) {
    const a = node.attribute[Math.abs(Math.trunc(m.value)) % node.attribute.length];
    if (m.float) a.f = m.value;
    else if (a.ints?.length) a.ints[0] = Math.trunc(m.value) || 0;
    else a.i = Number.isFinite(m.value) ? Math.trunc(m.value) : 0;
  }
  if (m.kind === 'dims') init.dims = m.dims;
  if (m.kind === 'raw' && init.raw_data)
    init.raw_data = init.raw_data.subarray(0, Math.floor(init.raw_data.length * Math.min(m.keep, 1)));
  if (m.kind === 'input') {
    const names = [...nodes.flatMap((n) => n.output ?? []), ...inits.map((t) => t.name!), 'nowhere', ''];
    if (node.input) node.input[m.slot % Math.max(node.input.length, 1)] = names[m.name % names.length];
  }
  if (m.kind === 'opset') model.opset_import = [{ domain: '', version: m.version }];
  return encodeModel(model);
}

/** Fuzzes io.loadOnnx: every case loads (and predicts) or throws a ModelFormatError; nothing else. */
export async function fuzzOnnxLoader(runs: number, seed: number): Promise<FuzzSummary> {
  const s = newSummary('io.loadOnnx');
  const dir = new URL('../test/fixtures/onnx/', import.meta.url);
  const bases = await Promise.all(
    ['custom-op13.onnx', 'extras-op11.onnx', 'custom-op9.onnx'].map(
      async (f) => new Uint8Array(await readFile(new URL(f, dir))),
    ),
  );
  await fc.assert(
    fc.asyncProperty(onnxMutation(bases.length), async (mut) => {
      let bytes: Uint8Array;
      try {
        bytes = mutateOnnx(bases, mut);
      } catch {
        return;
      } // an edit protobuf itself refuses to encode
      await outcome(
        s,
        JSON.stringify(mut).slice(0, 200),
        async () => {
          try {
            const m = await io.loadOnnx(bytes);
            const shape = m.inputs[0].shape.map((d, i) => (i === 0 ? 1 : (d ?? 8)));
            return m.predict(ops.randomUniform(shape as number[], { seed: 1 })) as Tensor;
          } catch (e) {
            // only ModelFormatError may come out of the loader; a ShapeError at predict time is a model the file made
            if (
              e instanceof ConvkitError &&
              !(e instanceof ModelFormatError) &&
              !String((e as Error).message).startsWith('predict')
            )
              throw new Error(`${e.name} from loadOnnx: ${e.message}`);
            throw e;
          }
        },
        (y) => (y instanceof Tensor ? null : 'predict returned no tensor'),
      );
    }),
    { numRuns: runs, seed, endOnFailure: false },
  );
  return s;
}

/** One line per loader for the console and the README. */
export function describeSummary(s: FuzzSummary): string {
  const kinds = Object.entries(s.errorKinds)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const fails: Record<string, number> = {};
  for (const f of s.failures) fails[f.kind] = (fails[f.kind] ?? 0) + 1;
  return (
    `${s.loader}: ${s.cases} cases, ${s.loaded} loaded correctly, ${s.typedErrors} typed errors (${kinds}), ` +
    `${s.failures.length} failures${
      s.failures.length
        ? ` (${Object.entries(fails)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }, slowest ${s.slowest.toFixed(0)} ms of CPU`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '12' },
      only: { type: 'string' },
    },
  });
  const runs = Number(values.runs),
    seed = Number(values.seed);
  let unhandled = 0;
  process.on('unhandledRejection', () => {
    unhandled++;
  });
  const results: FuzzSummary[] = [];
  const t0 = performance.now();
  if (!values.only || values.only === 'model') results.push(await fuzzModelLoader(runs, seed));
  if (!values.only || values.only === 'image') results.push(await fuzzImageLoader(runs, seed));
  if (!values.only || values.only === 'onnx') results.push(await fuzzOnnxLoader(runs, seed));
  for (const r of results) {
    console.log(describeSummary(r));
    // up to five examples of each kind of failure
    const shown: Record<string, number> = {};
    for (const f of r.failures)
      if ((shown[f.kind] = (shown[f.kind] ?? 0) + 1) <= 5) console.log(`  ${f.kind}: ${f.detail}`);
  }
  console.log(`unhandled rejections: ${unhandled}; seed ${seed}; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (unhandled || results.some((r) => r.failures.length)) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
