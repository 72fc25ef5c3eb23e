// `npm run bench`: convkit's js / wasm / wasm-simd kernels against TensorFlow.js 4.22 ('cpu' and 'wasm')
// on the shapes of LeNet-5, VGG-16, GoogLeNet and MobileNet layers, in one process, single thread, then ONNX
// Runtime Web and convkit on 1 and 2 threads (wall clock there). Each case is warmed up first (V8 tiers
// WebAssembly up late; TF.js wasm needs >= 1.5 s), then timed; the median goes in bench/RESULTS.md.
// Times are this process's CPU time (user + system) per call, so the other work that shares the cores
// does not inflate them; --wall uses elapsed time instead.
// Flags: --quick (short warm-up and timing, for development), --only <substring> (cases whose name
// contains it; prints the table and leaves RESULTS.md alone), --out <file> (write the table there), --wall,
// --slow (also time TF.js cpu's backprop-filter kernel on the big conv shapes: minutes), --repeat <n> (run
// every section n times, back to back; the tables show the last run and a section lists each headline
// figure of every run, the run-to-run variation on this machine).
import { writeFileSync } from 'node:fs';
import { cpus, platform, arch } from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, backend } from '../src';
import type { BackendName, Kernels } from '../src/backend/kernels';
import { benchGemm } from './gemm';
import { CONV_CASES } from './conv';
import { POOL_CASES, ELTWISE_CASES, type SimpleCase } from './pool';
import { threadsBench, threadsTable } from './threads';
import { seeded } from './util';
import {
  loadTf,
  useTf,
  tfConv,
  tfMatmul,
  tfGram,
  tfLenet5,
  tfBatch,
  type TfBackend,
  type Runner,
  type ConvOp,
} from './tfjs';
import { benchOrt, ORT_VERSION, type OrtCase, type OrtRow } from './ort';

type Impl = BackendName | 'tfjs-cpu' | 'tfjs-wasm';
/** One timing: median ms of one call; ops is the work per call (FLOPs unless the section says otherwise). */
interface Result {
  section: string;
  name: string;
  impl: Impl;
  ms: number;
  ops: number;
  note?: string;
}

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick'),
  clock: 'cpu' | 'wall' = args.includes('--wall') ? 'wall' : 'cpu';
const only = flag('--only')?.toLowerCase();
const outFile = flag('--out') ?? (only ? undefined : fileURLToPath(new URL('./RESULTS.md', import.meta.url)));
// TF.js wasm needs >= 1.5 s of warm-up before V8 has tiered its code up (NOTES); the rest settle sooner.
const WARM = quick ? 300 : 500,
  WARM_TF_WASM = quick ? 300 : 1500,
  RUN = quick ? 300 : 1000;
const SLOW = args.includes('--slow');
const REPEAT = Number(flag('--repeat') ?? 1);
if (!Number.isInteger(REPEAT) || REPEAT < 1)
  throw new Error(`--repeat: expected a positive integer, got ${flag('--repeat')}`);
const CONVKIT: BackendName[] = ['js', 'wasm', 'wasm-simd'];
const TF: TfBackend[] = ['cpu', 'wasm'];
const IMPLS: Impl[] = [...CONVKIT, 'tfjs-cpu', 'tfjs-wasm'];
const wanted = (name: string) => !only || name.toLowerCase().includes(only);

const results: Result[] = [];
const log = (r: Result) => {
  results.push(r);
  const rate = isFinite(r.ms) ? `${r.ms.toFixed(2)} ms, ${(r.ops / r.ms / 1e6).toFixed(2)} G/s` : r.note;
  console.error(`${r.section} | ${r.name} | ${r.impl}: ${rate}`);
};

const now = () => {
  if (clock === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// Median of timed runs after warmMs of untimed ones (at least one warm-up call unless warmMs < 0); stops
// early when one run takes over 2 s (unless minRuns asks for more), so the 'js' baseline stays affordable.
async function measure(f: () => unknown, warmMs: number, runMs: number, maxRuns = 25, minRuns = 1): Promise<number> {
  let t = performance.now();
  if (warmMs >= 0)
    do await f();
    while (performance.now() - t < warmMs);
  const times: number[] = [];
  t = performance.now();
  do {
    const s = now();
    await f();
    times.push(now() - s);
  } while (
    (performance.now() - t < runMs || times.length < 3) &&
    times.length < maxRuns &&
    (times[0] < 2000 || times.length < minRuns)
  );
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// Times a TF.js case on one backend, recording a kernel that backend lacks as a note instead of a time.
async function timeTf(
  section: string,
  name: string,
  tfb: TfBackend,
  ops: number,
  make: () => Runner & { dispose(): void },
  minRuns = 1,
) {
  const impl: Impl = `tfjs-${tfb}`;
  let run: (Runner & { dispose(): void }) | undefined;
  try {
    run = make();
    log({ section, name, impl, ms: await measure(run, tfb === 'wasm' ? WARM_TF_WASM : WARM, RUN, 25, minRuns), ops });
  } catch (e) {
    log({ section, name, impl, ms: NaN, ops, note: shortError(e) });
  } finally {
    run?.dispose();
  }
}
const shortError = (e: unknown) =>
  String((e as Error)?.message ?? e)
    .split('\n')[0]
    .slice(0, 80);

/** GFLOP/s of the register-bound SIMD loop per build (bench/gemm.ts's peak probe). */
const peaks = new Map<string, number>();

async function gemmSection(): Promise<string[]> {
  const section = 'GEMM';
  const keys = ['matmul 256³', 'matmul 512³', 'matmul 1024³', 'gram 56x56x64', 'gram 28x28x256'];
  if (!keys.some(wanted) && !wanted('peak')) return [];
  const lines: string[] = [];
  for (const r of await benchGemm({ warmMs: WARM, runMs: RUN, clock })) {
    const name = `${r.op} ${r.shape}`;
    if (r.op.startsWith('peak')) {
      peaks.set(r.backend, r.gflops);
      lines.push(
        `- ${r.backend}: register-bound mul+add loop (${r.shape}) ${r.gflops.toFixed(2)} GFLOP/s; ${r.note ?? ''}`,
      );
      continue;
    }
    if (wanted(name)) log({ section, name, impl: r.backend as Impl, ms: r.ms, ops: r.gflops * r.ms * 1e6 });
  }
  for (const tfb of TF) {
    await useTf(tfb);
    for (const n of [256, 512, 1024])
      if (wanted(`matmul ${n}³`)) await timeTf(section, `matmul ${n}³`, tfb, 2 * n ** 3, () => tfMatmul(n, n, n));
    for (const [h, w, c] of [
      [56, 56, 64],
      [28, 28, 256],
    ]) {
      const name = `gram ${h}x${w}x${c}`;
      if (wanted(name)) await timeTf(section, name, tfb, 2 * h * w * c * c, () => tfGram(h * w, c));
    }
  }
  return lines;
}

// convkit's side of a conv case: the kernel named by op, on fixed seeded inputs.
function convkitConv(k: Kernels, c: (typeof CONV_CASES)[number], op: ConvOp): () => unknown {
  const g = c.g,
    rand = seeded;
  const x = rand(g.batch * g.inH * g.inW * g.inC, 1),
    dy = rand(g.batch * g.outH * g.outW * g.outC, 2);
  if (c.depthwise) {
    const dg = { ...g, multiplier: c.depthwise },
      w = rand(g.fH * g.fW * g.inC * c.depthwise, 3);
    if (op === 'forward') return () => k.depthwiseConv(x, w, dg);
    return op === 'backprop input'
      ? () => k.depthwiseConvBackpropInput(dy, w, dg)
      : () => k.depthwiseConvBackpropFilter(x, dy, dg);
  }
  const w = rand(g.fH * g.fW * g.inC * g.outC, 3),
    bias = rand(g.outC, 4);
  if (op === 'forward') return () => k.conv(x, w, g, bias, 'relu');
  return op === 'backprop input' ? () => k.convBackpropInput(dy, w, g) : () => k.convBackpropFilter(x, dy, g);
}

async function convSection(): Promise<string[]> {
  const section = 'Convolution',
    OPS: ConvOp[] = ['forward', 'backprop input', 'backprop filter'];
  const cases = CONV_CASES.filter((c) => wanted(c.name));
  if (!cases.length) return [];
  const flops = (c: (typeof CONV_CASES)[number]) =>
    2 * c.g.batch * c.g.outH * c.g.outW * c.g.outC * c.g.fH * c.g.fW * (c.depthwise ? 1 : c.g.inC);
  for (const name of CONVKIT)
    for (const c of cases)
      for (const op of OPS) {
        const ms = await measure(convkitConv(backend.kernels(name), c, op), name === 'js' ? 0 : WARM, RUN);
        log({ section, name: `${c.name} · ${op}`, impl: name, ms, ops: flops(c) });
      }
  for (const tfb of TF) {
    if (cases.length) await useTf(tfb);
    for (const c of cases)
      for (const op of OPS) {
        // TF.js cpu's Conv2DBackpropFilter runs at about 0.003-0.008 GFLOP/s here: 30-120 s per call on the big shapes.
        if (tfb === 'cpu' && op === 'backprop filter' && flops(c) > 2e7 && !SLOW) {
          log({
            section,
            name: `${c.name} · ${op}`,
            impl: 'tfjs-cpu',
            ms: NaN,
            ops: flops(c),
            note: 'skipped (over 30 s per call; --slow times it)',
          });
          continue;
        }
        await timeTf(section, `${c.name} · ${op}`, tfb, flops(c), () => tfConv(c.g, op, c.depthwise));
      }
  }
  return [
    ...(SLOW
      ? []
      : ['- TF.js cpu backprop filter on the big shapes is skipped: over 30 s per call (`--slow` times them).']),
    "- TF.js wasm has no Conv2DBackpropFilter kernel, so it cannot train convolutions (the 'fails' cells).",
    '',
  ];
}

async function simpleSection(section: string, cases: SimpleCase[]): Promise<string[]> {
  const todo = cases.filter((c) => wanted(c.name));
  for (const c of todo)
    for (const name of CONVKIT) {
      log({
        section,
        name: c.name,
        impl: name,
        ms: await measure(c.convkit(backend.kernels(name)), name === 'js' ? 0 : WARM, RUN),
        ops: c.ops,
      });
    }
  for (const tfb of TF) {
    if (todo.length) await useTf(tfb);
    for (const c of todo) await timeTf(section, c.name, tfb, c.ops, c.tf);
  }
  if (!todo.length) return [];
  return [
    `- G/s counts ${todo[0].unit} per second.`,
    '- These ops are memory-bound: a convkit call copies its input into WebAssembly memory and its result out, while a',
    "  TF.js wasm tensor already lives in its heap (only dataSync copies out), so the copies are a large share of convkit's time.",
  ];
}

// LeNet-5 (batch 64, Adam): one training step and one batch of inference; ops = images.
async function lenetSection(): Promise<string[]> {
  const section = 'LeNet-5';
  const names = ['training step, batch 64, Adam', 'inference, batch 64'];
  if (!names.some(wanted) && !wanted('lenet')) return [];
  const ck: any = await import('../src');
  const lines: string[] = [];
  if (typeof ck.zoo?.lenet5 !== 'function' || typeof ck.optimizers?.adam !== 'function') {
    lines.push('- convkit: skipped, `zoo.lenet5` / `optimizers.adam` are not available yet.');
  } else {
    const x = Float32Array.from({ length: 64 * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
    const y = new Float32Array(64 * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
    for (const name of CONVKIT) {
      try {
        ck.backend.use(name);
        const m = ck.zoo.lenet5();
        m.compile({ optimizer: ck.optimizers.adam({ learningRate: 0.001 }), loss: ck.losses.categoricalCrossentropy });
        const xt = ck.tensor(x, [64, 28, 28, 1]),
          yt = ck.tensor(y, [64, 10]);
        const step =
          typeof m.trainOnBatch === 'function'
            ? () => m.trainOnBatch(xt, yt)
            : () => m.fit(xt, yt, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
        log({
          section,
          name: names[0],
          impl: name,
          ms: await measure(step, name === 'js' ? 0 : WARM, RUN, 10),
          ops: 64,
        });
        log({
          section,
          name: names[1],
          impl: name,
          ms: await measure(() => m.predict(xt), name === 'js' ? 0 : WARM, RUN),
          ops: 64,
        });
      } catch (e) {
        log({ section, name: names[0], impl: name, ms: NaN, ops: 64, note: shortError(e) });
      }
    }
    ck.backend.use('wasm-simd');
  }
  for (const tfb of TF) {
    await useTf(tfb);
    const { x, y } = tfBatch(64),
      m = tfLenet5();
    // TF.js cpu takes seconds per step: one step of warm-up, three timed.
    await timeTf(
      section,
      names[0],
      tfb,
      64,
      () => Object.assign(() => m.trainOnBatch(x, y), { dispose() {} }) as any,
      3,
    );
    const inference = () => {
      const p = m.predict(x) as any;
      p.dataSync();
      p.dispose();
    };
    await timeTf(section, names[1], tfb, 64, () => Object.assign(inference, { dispose() {} }));
    x.dispose();
    y.dispose();
    m.dispose();
  }
  return lines;
}

/** ORT's 2-thread wall ms per case (names as bench/threads.ts spells them), for the threads section. */
const ort2Wall = new Map<string, number>();

// ---- ONNX Runtime Web ----
// ORT's wasm execution provider at 1 and 2 threads on the matmul and conv-forward shapes, beside convkit
// wasm-simd and TF.js wasm (reused from the GEMM / Convolution sections when they ran, else timed here).
// Returns the whole report part; selected by --only onnx or by a case name.
async function ortSection(): Promise<string[]> {
  const all: OrtCase[] = [
    ...[256, 512, 1024].map((n): OrtCase => ({ name: `matmul ${n}³`, matmul: [n, n, n] })),
    ...CONV_CASES.map((c): OrtCase => ({ name: `${c.name} · forward`, conv: c.g, depthwise: !!c.depthwise })),
  ];
  const cases = wanted('onnx') ? all : all.filter((c) => wanted(c.name));
  if (!cases.length) return [];
  const flops = (c: OrtCase) =>
    'matmul' in c
      ? 2 * c.matmul[0] * c.matmul[1] * c.matmul[2]
      : 2 *
        c.conv.batch *
        c.conv.outH *
        c.conv.outW *
        c.conv.outC *
        c.conv.fH *
        c.conv.fW *
        (c.depthwise ? 1 : c.conv.inC);
  const peer = new Map<string, number>(); // `${impl} ${case}` → median ms
  for (const c of cases) {
    const prior = results.find((r) => r.name === c.name && r.impl === 'wasm-simd');
    let ms = prior?.ms;
    if (ms === undefined) {
      const k = backend.kernels('wasm-simd');
      let run: () => unknown;
      if ('matmul' in c) {
        const [m, kk, n] = c.matmul,
          a = Float32Array.from({ length: m * kk }, (_, i) => Math.sin(i) * 0.5),
          b = Float32Array.from({ length: kk * n }, (_, i) => Math.cos(i) * 0.5);
        run = () => k.matmul(a, b, m, kk, n, false, false, null, 'linear');
      } else
        run = convkitConv(
          k,
          CONV_CASES.find((x) => `${x.name} · forward` === c.name)!,
          'forward',
        );
      ms = await measure(run, WARM, RUN);
    }
    peer.set(`wasm-simd ${c.name}`, ms);
    console.error(`ONNX Runtime Web | ${c.name} | wasm-simd: ${ms.toFixed(2)} ms`);
  }
  await useTf('wasm');
  for (const c of cases) {
    let ms = results.find((r) => r.name === c.name && r.impl === 'tfjs-wasm')?.ms;
    if (ms === undefined) {
      const cc = CONV_CASES.find((x) => `${x.name} · forward` === c.name);
      const run = 'matmul' in c ? tfMatmul(...c.matmul) : tfConv(cc!.g, 'forward', cc!.depthwise);
      try {
        ms = await measure(run, WARM_TF_WASM, RUN);
      } finally {
        run.dispose();
      }
    }
    peer.set(`tfjs-wasm ${c.name}`, ms);
    console.error(`ONNX Runtime Web | ${c.name} | tfjs-wasm: ${ms.toFixed(2)} ms`);
  }
  // ORT's thread count is fixed per process: each count runs in a child process, one after the other.
  const spec = { warmMs: WARM_TF_WASM, runMs: RUN, cases };
  const ort1 = await benchOrt({ ...spec, threads: 1 }),
    ort2 = await benchOrt({ ...spec, threads: 2 });
  for (const r of ort2) ort2Wall.set(r.name.replace(' · ', ' '), r.wallMs);
  const rate = (c: OrtCase, ms?: number) =>
    ms === undefined ? '' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} (${(flops(c) / ms / 1e6).toFixed(2)})`;
  const x = (num?: number, den?: number) => (num && den ? `${(num / den).toFixed(2)}x` : '');
  const row = (rows: OrtRow[], c: OrtCase) => rows.find((r) => r.name === c.name);
  const out = [
    '| case | convkit wasm-simd ms (GFLOP/s) | TF.js wasm | ORT 1 thread | ORT 2 threads (wall) | ORT 2 vs 1 thread (wall) | convkit vs ORT 1 thread | convkit vs ORT 2 threads | TF.js wasm vs ORT 1 thread |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cases) {
    const ck = peer.get(`wasm-simd ${c.name}`),
      tfw = peer.get(`tfjs-wasm ${c.name}`),
      o1 = row(ort1, c),
      o2 = row(ort2, c);
    const o1ms = o1 && (clock === 'cpu' ? o1.cpuMs : o1.wallMs),
      o2ms = o2?.wallMs;
    out.push(
      `| ${c.name} | ${rate(c, ck)} | ${rate(c, tfw)} | ${rate(c, o1ms)} | ${rate(c, o2ms)} | ${x(o1?.wallMs, o2ms)} | ${x(o1ms, ck)} | ${x(o2ms, ck)} | ${x(o1ms, tfw)} |`,
    );
  }
  return [
    `## ONNX Runtime Web ${ORT_VERSION} (wasm execution provider), 1 and 2 threads`,
    '',
    out.join('\n'),
    '',
    `- Median ms per call, GFLOP/s in brackets. convkit wasm-simd and TF.js wasm run one thread; "X vs ORT" is ORT's time divided by X's (above 1: X is faster).`,
    `- ORT runs in a child process per thread count (\`env.wasm.numThreads\` is fixed when its wasm initialises; \`intraOpNumThreads\``,
    "  is ignored on the web backend), loading its wasm files from the package's `dist/` folder (`env.wasm.wasmPaths`), warmed up",
    `  ${WARM_TF_WASM} ms per case. Threads work in Node 20 without flags: SharedArrayBuffer is available and the cross-origin-isolation`,
    '  check applies only in browsers; 2 threads start one extra pthread worker.',
    `- ORT 1 thread is timed by ${clock === 'cpu' ? 'CPU time, like the other columns' : 'wall time'}; ORT 2 threads by wall time (CPU time would add up both threads),`,
    '  so on a shared machine its column also counts other processes\' turns. "ORT 2 vs 1 thread" compares wall times.',
    '- Models are built at run time (protobufjs, a subset of onnx.proto): MatMul with both operands as inputs; Conv + Relu',
    '  (ORT fuses them) with weights and bias as initializers, which ORT pre-packs when the session is created, while convkit',
    '  copies its weights in on every call. ONNX wants NCHW: the NHWC input is transposed once, untimed, and only',
    '  `session.run` on the NCHW tensor is timed (it copies the input in and the output out). `node --import tsx bench/ort.ts',
    "  --check [threads]` compares these models' outputs with convkit's plain TypeScript reference on every shape.",
    '',
  ];
}

// ---- Threads ----
// wasm-simd on 1 thread and on 2 (bench/threads.ts: wall clock, the two interleaved in rounds), beside
// ORT's 2-thread wall time when the ONNX section ran. Selected by --only threads or by a case name.
let threadRows: Awaited<ReturnType<typeof threadsBench>> = [];
async function threadsSection(): Promise<string[]> {
  const only = wanted('threads') ? () => true : (name: string) => wanted(name);
  threadRows = await threadsBench({
    threads: 2,
    rounds: quick ? 1 : 3,
    warmMs: quick ? 150 : WARM,
    runMs: quick ? 200 : RUN / 2,
    only,
  });
  if (!threadRows.length) return [];
  const vsOrt = threadRows
    .filter((r) => ort2Wall.has(r.name))
    .map(
      (r) =>
        `- ${r.name}: convkit on 2 threads is ${(ort2Wall.get(r.name)! / r.msN).toFixed(2)}x ORT Web on 2 threads (wall ${r.msN.toFixed(2)} vs ${ort2Wall.get(r.name)!.toFixed(2)} ms)`,
    );
  return [
    '## Threads: wasm-simd on 1 and 2 threads',
    '',
    threadsTable(threadRows),
    '',
    "- Wall-clock medians (CPU time would add the workers' time up), the 1- and 2-thread runs interleaved over rounds so that",
    '  drift on a shared machine hits both alike; every call includes the copies in and out of WebAssembly memory,',
    '  which stay on the calling thread. 2 threads = the calling thread + one worker on the shared memory.',
    ...vsOrt,
    '',
  ];
}

// The goals against TF.js wasm, ONNX Runtime Web and one thread, checked from the measured rows.
function peerGoals(): string[] {
  const out: string[] = [];
  const ms = (name: string, impl: Impl) =>
    results.find((r) => r.name === name && r.impl === impl && isFinite(r.ms))?.ms;
  const vs = (name: string, impl: Impl) => {
    const a = ms(name, impl),
      b = ms(name, 'wasm-simd');
    return a && b ? a / b : NaN;
  };
  const verdict = (x: number, goal: number) => (isNaN(x) ? 'not measured' : x >= goal ? 'met' : 'NOT met');
  const fwd = [
    ...new Set(
      results
        .filter((r) => (r.section === 'Convolution' && r.name.endsWith('forward')) || r.name.startsWith('matmul'))
        .map((r) => r.name),
    ),
  ];
  for (const name of fwd) {
    const target = name.startsWith('depthwise') || /3x3 (56|28)x\d+x\d+ -> \d+ same · forward/.test(name) ? 1.5 : 1.0;
    const x = vs(name, 'tfjs-wasm');
    out.push(`- ${name}: wasm-simd is ${x.toFixed(2)}x TF.js wasm (goal ${target}x: ${verdict(x, target)})`);
  }
  for (const r of results.filter(
    (r) => r.section === 'Pooling' && r.name.endsWith('forward') && r.impl === 'wasm-simd',
  )) {
    const x = vs(r.name, 'tfjs-wasm');
    out.push(`- ${r.name}: wasm-simd is ${x.toFixed(2)}x TF.js wasm (goal 1.5x: ${verdict(x, 1.5)})`);
  }
  for (const name of ['gram 56x56x64', 'gram 28x28x256']) {
    const x = vs(name, 'tfjs-wasm');
    if (!isNaN(x))
      out.push(
        `- ${name}: wasm-simd is ${x.toFixed(1)}x TF.js wasm's matMul(A, A, true, false) (goal 10x: ${verdict(x, 10)})`,
      );
  }
  const g = results.find((r) => r.name === 'matmul 1024³' && r.impl === 'wasm-simd');
  if (g) {
    const gf = g.ops / g.ms / 1e6;
    out.push(
      `- matmul 1024³: ${gf.toFixed(1)} GFLOP/s on wasm-simd (goal 28: ${verdict(gf, 28)}); relaxed SIMD does not validate in Node 20 without --experimental-wasm-relaxed-simd`,
    );
  }
  for (const r of threadRows.filter((r) => r.flops))
    out.push(
      `- ${r.name}: 2 threads are ${(r.ms1 / r.msN).toFixed(2)}x 1 thread (goal 1.8x: ${verdict(r.ms1 / r.msN, 1.8)})${ort2Wall.has(r.name) ? `, ${(ort2Wall.get(r.name)! / r.msN).toFixed(2)}x ORT Web on 2 threads (goal 1.1x: ${verdict(ort2Wall.get(r.name)! / r.msN, 1.1)})` : ''}`,
    );
  const step = ms('training step, batch 64, Adam', 'wasm-simd'),
    tfStep = ms('training step, batch 64, Adam', 'tfjs-cpu');
  if (step)
    out.push(
      `- LeNet-5 training step: ${step.toFixed(1)} ms on one thread (goal 15 ms: ${step <= 15 ? 'met' : 'NOT met'})${tfStep ? `, ${(tfStep / step).toFixed(0)}x TF.js cpu (goal 250x: ${verdict(tfStep / step, 250)})` : ''}`,
    );
  return out;
}

/** A markdown table for one section: median ms and rate per implementation, then wasm-simd's speedups. */
function table(section: string, rateLabel: string, perSecond: (r: Result) => string): string {
  const rows = results.filter((r) => r.section === section);
  const names = [...new Set(rows.map((r) => r.name))];
  const head = `| case | ${IMPLS.map((i) => `${i} ms (${rateLabel})`).join(' | ')} | simd vs wasm | simd vs js | simd vs tfjs-cpu | simd vs tfjs-wasm |`;
  const out = [head, `|---|${IMPLS.map(() => '---:').join('|')}|---:|---:|---:|---:|`];
  for (const name of names) {
    const of = (i: Impl) => rows.find((r) => r.name === name && r.impl === i);
    const cell = (r?: Result) =>
      !r
        ? ''
        : isFinite(r.ms)
          ? `${r.ms < 10 ? r.ms.toFixed(2) : r.ms.toFixed(1)} (${perSecond(r)})`
          : r.note?.startsWith('skipped')
            ? r.note
            : `fails: ${r.note}`;
    const simd = of('wasm-simd');
    const ratio = (i: Impl) => {
      const r = of(i);
      return simd && r && isFinite(r.ms) && isFinite(simd.ms) ? `${(r.ms / simd.ms).toFixed(1)}x` : '';
    };
    out.push(
      `| ${name} | ${IMPLS.map((i) => cell(of(i))).join(' | ')} | ${ratio('wasm')} | ${ratio('js')} | ${ratio('tfjs-cpu')} | ${ratio('tfjs-wasm')} |`,
    );
  }
  return out.join('\n');
}
const gflops = (r: Result) => (r.ops / r.ms / 1e6).toFixed(2);
const perSec = (r: Result) => ((r.ops / r.ms) * 1000).toFixed(0);

// The goals against scalar WASM, plain JS, the SIMD peak and TF.js cpu, checked from the measured rows.
function kernelGoals(): string[] {
  const out: string[] = [];
  const ratio = (name: string, a: Impl, b: Impl) => {
    const x = results.find((r) => r.name === name && r.impl === a),
      y = results.find((r) => r.name === name && r.impl === b);
    return x && y && isFinite(x.ms) && isFinite(y.ms) ? x.ms / y.ms : NaN;
  };
  const heavy = [
    ...new Set(
      results
        .filter((r) => (r.section === 'Convolution' && r.name.endsWith('forward')) || r.name.startsWith('matmul'))
        .map((r) => r.name),
    ),
  ];
  for (const name of heavy) {
    const w = ratio(name, 'wasm', 'wasm-simd'),
      j = ratio(name, 'js', 'wasm-simd');
    out.push(
      `- ${name}: wasm-simd is ${w.toFixed(1)}x wasm (goal 3x: ${w >= 3 ? 'met' : 'NOT met'}), ${j.toFixed(1)}x js (goal 10x: ${j >= 10 ? 'met' : 'NOT met'})`,
    );
  }
  const peak = peaks.get('wasm-simd'),
    gemm = results.find((r) => r.name === 'matmul 512³' && r.impl === 'wasm-simd');
  if (peak && gemm) {
    const pct = (100 * gemm.ops) / gemm.ms / 1e6 / peak;
    out.push(
      `- matmul 512³ on wasm-simd: ${pct.toFixed(0)}% of the ${peak.toFixed(1)} GFLOP/s SIMD peak (goal 50%: ${pct >= 50 ? 'met' : 'NOT met'})`,
    );
  }
  const t = ratio('training step, batch 64, Adam', 'tfjs-cpu', 'wasm-simd');
  if (isFinite(t))
    out.push(
      `- LeNet-5 training step: wasm-simd is ${t.toFixed(1)}x TF.js cpu (goal 3x: ${t >= 3 ? 'met' : 'NOT met'})`,
    );
  return out;
}

await init();
// Every section but the threads one compares single-threaded kernels, timed by CPU time.
backend.setThreads(1);
const tf = await loadTf();
const started = performance.now();
/** Every run's rows and thread speedups, for the variation section (--repeat). */
const runs: { results: Result[]; threads: typeof threadRows }[] = [];
let peak: string[] = [],
  convNotes: string[] = [],
  poolNotes: string[] = [],
  eltNotes: string[] = [],
  lenetNotes: string[] = [];
let ortPart: string[] = [],
  threadsPart: string[] = [];
for (let run = 1; run <= REPEAT; run++) {
  if (REPEAT > 1) console.error(`---- run ${run} of ${REPEAT} ----`);
  results.length = 0;
  peaks.clear();
  ort2Wall.clear();
  peak = await gemmSection();
  convNotes = await convSection();
  poolNotes = await simpleSection('Pooling', POOL_CASES);
  eltNotes = await simpleSection('Elementwise', ELTWISE_CASES);
  lenetNotes = await lenetSection();
  ortPart = await ortSection();
  threadsPart = await threadsSection();
  runs.push({ results: [...results], threads: threadRows });
}
const minutes = ((performance.now() - started) / 60000).toFixed(1);

// The headline figures of each run side by side: wasm-simd's speed and its ratio to TF.js wasm per case,
// the thread speedups and the LeNet-5 step. Empty for a single run.
function variation(): string[] {
  if (runs.length < 2) return [];
  const head = `| figure | ${runs.map((_, i) => `run ${i + 1}`).join(' | ')} | max / min |`;
  const out = [
    `## Run-to-run variation (${runs.length} runs of this command, back to back)`,
    '',
    head,
    `|---|${runs.map(() => '---:').join('|')}|---:|`,
  ];
  const row = (label: string, vals: number[], fmt: (v: number) => string) => {
    const ok = vals.filter((v) => isFinite(v));
    if (ok.length === vals.length)
      out.push(`| ${label} | ${vals.map(fmt).join(' | ')} | ${(Math.max(...ok) / Math.min(...ok)).toFixed(2)} |`);
  };
  const ms = (rs: Result[], name: string, impl: Impl) => rs.find((r) => r.name === name && r.impl === impl)?.ms ?? NaN;
  const names = [...new Set(runs[0].results.filter((r) => r.impl === 'wasm-simd').map((r) => r.name))];
  for (const name of names) {
    const r0 = runs[0].results.find((r) => r.name === name && r.impl === 'wasm-simd')!;
    row(
      `${name}: wasm-simd ms`,
      runs.map((r) => ms(r.results, name, 'wasm-simd')),
      (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)),
    );
    if (r0.section !== 'LeNet-5' || name.startsWith('inference'))
      row(
        `${name}: simd vs tfjs-wasm`,
        runs.map((r) => ms(r.results, name, 'tfjs-wasm') / ms(r.results, name, 'wasm-simd')),
        (v) => `${v.toFixed(2)}x`,
      );
  }
  for (const t of runs[0].threads)
    row(
      `${t.name}: 2 threads vs 1`,
      runs.map((r) => {
        const x = r.threads.find((y) => y.name === t.name);
        return x ? x.ms1 / x.msN : NaN;
      }),
      (v) => `${v.toFixed(2)}x`,
    );
  return [...out, '', `- The tables above are run ${runs.length}'s.`, ''];
}

// One section of the report (nothing when --only left it empty).
function part(
  title: string,
  section: string,
  rateLabel: string,
  rate: (r: Result) => string,
  notes: string[],
): string[] {
  if (!results.some((r) => r.section === section) && !notes.length) return [];
  return [`## ${title}`, '', table(section, rateLabel, rate), '', ...notes, ''];
}

const cpu = cpus();
const md = [
  '# convkit benchmarks',
  '',
  `Command: \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` (took ${minutes} min).`,
  `Date: ${new Date().toISOString()}. Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${platform()} ${arch()}, Node ${process.version}, TensorFlow.js ${tf.version.tfjs}.`,
  '',
  `Every implementation runs single-threaded in this one process on the same shapes. Each case is warmed up for ${WARM} ms`,
  `(TF.js wasm for ${WARM_TF_WASM} ms; the 'js' reference gets one untimed call instead), then timed for about ${RUN} ms (at least 3 runs, at most 25, one run`,
  `when it takes over 2 s). Times are ${clock === 'cpu' ? "this process's CPU time per call (user + system, `process.cpuUsage()`), because other jobs shared the 2 cores; on an idle machine it matches wall time for single-threaded work" : 'wall-clock time per call'}.`,
  'The tables show the median in ms and, in brackets, GFLOP/s (2 FLOPs per multiply-add) unless the column says otherwise.',
  '"simd vs X" is X\'s time divided by wasm-simd\'s (above 1 means wasm-simd is faster). convkit kernels are called through',
  '`backend.kernels(name)` with precomputed geometry; each call includes copying its inputs into WebAssembly memory and its',
  'result out. TF.js closures read their result back with dataSync(); backward kernels go through `engine().runKernel`.',
  '',
  '## Goals: SIMD against scalar WASM, plain JS, the SIMD peak and TF.js cpu',
  '',
  ...kernelGoals(),
  '',
  '## Goals: against TF.js wasm and ONNX Runtime Web, and threads',
  '',
  ...peerGoals(),
  '',
  ...part('GEMM and Gram', 'GEMM', 'GFLOP/s', gflops, peak),
  ...part(
    'Convolution (forward with bias + ReLU fused; backprop input; backprop filter)',
    'Convolution',
    'GFLOP/s',
    gflops,
    convNotes,
  ),
  ...part('Pooling', 'Pooling', 'G/s', gflops, poolNotes),
  ...part('Elementwise', 'Elementwise', 'G/s', gflops, eltNotes),
  ...part('LeNet-5 (28x28x1, ReLU, max pooling, Adam 0.001), batch 64', 'LeNet-5', 'images/s', perSec, lenetNotes),
  ...ortPart,
  ...threadsPart,
  ...variation(),
].join('\n');

console.log(md);
if (outFile) {
  writeFileSync(outFile, md);
  console.error(`wrote ${outFile}`);
}
