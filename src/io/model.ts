// Saving and loading models in the TensorFlow.js Layers format: model.json (format 'layers-model',
// the Keras topology and a weights manifest) plus binary shards of little-endian float32 weights,
// at most 4 MB each. Weights are matched by name (conv2d_1/kernel), as tf.loadLayersModel does.
// Destinations: a directory in Node (or file://...), an http(s) URL (load with fetch, save with a
// multipart POST like tf.io.http), or an in-memory handler { save(artifacts), load() } shaped like
// TF.js's IOHandler, so tf.io.withSaveHandler / tf.io.fromMemory artifacts pass both ways.
import { Tensor, sizeOf } from '../tensor';
import { ModelFormatError, ValueError, ConvkitError, fmtShape } from '../errors';
import { isUrl, nodeImport } from '../platform';
import { Layer, registry } from '../layers';
import { Model, modelFromConfig } from '../models';
import type { KerasConfig } from '../models';
import { trainingConfig, compileFrom, type TrainingConfig } from '../models/training-config';
import { QuantizedModel, restoreQuantized } from '../quantize';
import { checkChannels, exactInt8, int8Kernels } from '../quantize/weights';

/** One tensor in a weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /**
   * Quantised storage: value = min + scale * q (uint8/uint16), or plain float16; or convkit's per-channel int8
   * (TF.js has none): `channels` float32 scales, then the int8 values, value i = scales[i % channels] * q[i].
   */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16' | 'int8'; scale?: number; min?: number; channels?: number };
}

/** A group of weights stored in consecutive shard files. */
export interface WeightsManifestEntry {
  paths: string[];
  weights: WeightSpec[];
}

/** What a handler saves and loads (TF.js's ModelArtifacts): topology, specs and the weight bytes. */
export interface ModelArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs?: WeightSpec[];
  /** All weights, concatenated in the order of weightSpecs (or a list of buffers to concatenate). */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  /** The compile settings (TF.js's trainingConfig); io.load compiles the model with them. */
  trainingConfig?: TrainingConfig;
}

/** A place to save to and load from, like TF.js's IOHandler. */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<unknown> | unknown;
  load?(): Promise<ModelArtifacts> | ModelArtifacts;
}

/** What io.save returns. */
export interface SaveResult {
  /** Files written (Node directories) or URLs posted to. */
  files: string[];
  weightBytes: number;
  /** The handler's own result, for handler destinations. */
  handlerResult?: unknown;
}

/** Largest shard written, as TF.js (4 MB). */
export const SHARD_BYTES = 4 * 1024 * 1024;
const GENERATED_BY = 'convkit 0.1.0';

const toPath = (s: string): string => (s.startsWith('file://') ? decodeURIComponent(s.slice('file://'.length)) : s);

/** The TF.js Layers artifacts of a model: Keras topology, weight specs in order, one weight buffer. */
export function toArtifacts(model: Model): ModelArtifacts {
  if (!(model instanceof Model))
    throw new ValueError(
      `io.save: expected a Sequential or functional model, got ${model === null ? 'null' : typeof model}`,
    );
  if (!model.built)
    throw new ValueError(
      `io.save: model '${model.name}' is not built yet; give its first layer inputShape or call it once`,
    );
  const weights = model.weights;
  const names = new Set<string>();
  for (const w of weights) {
    if (names.has(w.name))
      throw new ValueError(
        `io.save: two weights of model '${model.name}' are named '${w.name}'; layer names must be unique`,
      );
    names.add(w.name);
  }
  // a quantised model's int8 kernels go as int8: per tensor as TF.js's affine uint8 (q + 127, min -127·scale,
  // which TF.js decodes to the same floats), per channel as convkit's int8 with its scales
  const int8 = new Map<unknown, number>();
  if (model instanceof QuantizedModel)
    for (const { kernel, n } of int8Kernels(model, model.saved.int8)) int8.set(kernel, n);
  const perTensor = model instanceof QuantizedModel && model.saved.weights === 'perTensor';
  const specs: WeightSpec[] = [],
    parts: Uint8Array[] = [];
  for (const w of weights) {
    const spec: WeightSpec = { name: w.name, shape: [...w.shape], dtype: 'float32' };
    const k = int8.has(w) ? exactInt8(w.data, int8.get(w)!, perTensor) : null;
    if (k && perTensor) {
      spec.quantization = { dtype: 'uint8', scale: k.scales[0], min: -127 * k.scales[0] };
      parts.push(Uint8Array.from(k.q, (q) => q + 127));
    } else if (k) {
      spec.quantization = { dtype: 'int8', channels: k.scales.length };
      parts.push(new Uint8Array(k.scales.buffer), new Uint8Array(k.q.buffer));
    } else parts.push(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    specs.push(spec);
  }
  const data = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.byteLength;
  }
  return {
    modelTopology: {
      class_name: model.className,
      config: model.getConfig(),
      keras_version: GENERATED_BY,
      backend: 'tensor_flow.js',
      // int8 post-training quantisation: settings and calibrated ranges (TF.js ignores the key)
      ...(model instanceof QuantizedModel ? { convkit_quantization: model.saved } : {}),
    },
    weightSpecs: specs,
    // Float32Array is little-endian on every platform WebAssembly runs on.
    weightData: data.buffer,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    ...(trainingConfig(model) ? { trainingConfig: trainingConfig(model) } : {}),
  };
}

/** Splits the weight buffer into shards of at most SHARD_BYTES (a tensor may span two shards, as in TF.js). */
function shardsOf(data: ArrayBuffer): { paths: string[]; parts: Uint8Array[] } {
  const n = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
  const parts = Array.from(
    { length: n },
    (_, i) => new Uint8Array(data, i * SHARD_BYTES, Math.min(SHARD_BYTES, data.byteLength - i * SHARD_BYTES)),
  );
  return { paths: parts.map((_, i) => `group1-shard${i + 1}of${n}.bin`), parts };
}

/** model.json contents for artifacts whose weights go to the given shard paths. */
function modelJson(a: ModelArtifacts, paths: string[]): Record<string, unknown> {
  return {
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? GENERATED_BY,
    convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths, weights: a.weightSpecs ?? [] }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
  };
}

/**
 * Saves a model in the TF.js Layers format: to a directory in Node ('dir' or 'file://dir'),
 * to an http(s) URL (multipart POST of model.json and model.weights.bin, as tf.io.http), or
 * to a handler with save(artifacts).
 */
export async function save(model: Model, dest: string | IOHandler): Promise<SaveResult> {
  const a = toArtifacts(model);
  const data = a.weightData as ArrayBuffer;
  if (typeof dest === 'object' && dest !== null) {
    if (typeof dest.save !== 'function') throw new ValueError(`io.save: the handler has no save(artifacts) method`);
    return { files: [], weightBytes: data.byteLength, handlerResult: await dest.save(a) };
  }
  if (typeof dest !== 'string' || dest === '')
    throw new ValueError(`io.save: expected a directory, a URL or a handler, got ${JSON.stringify(dest)}`);
  if (isUrl(dest)) {
    const form = new FormData();
    form.append(
      'model.json',
      new Blob([JSON.stringify(modelJson(a, ['./model.weights.bin']))], { type: 'application/json' }),
      'model.json',
    );
    form.append('model.weights.bin', new Blob([data], { type: 'application/octet-stream' }), 'model.weights.bin');
    const res = await fetch(dest, { method: 'POST', body: form });
    if (!res.ok) throw new ModelFormatError(`io.save: POST ${dest} failed with HTTP ${res.status}`);
    return { files: [dest], weightBytes: data.byteLength };
  }
  const { mkdir, writeFile } = await nodeImport('node:fs/promises');
  const { join } = await nodeImport('node:path');
  const dir = toPath(dest);
  await mkdir(dir, { recursive: true });
  const { paths, parts } = shardsOf(data);
  const files = [join(dir, 'model.json'), ...paths.map((p) => join(dir, p))];
  for (let i = 0; i < parts.length; i++) await writeFile(files[i + 1], parts[i]);
  await writeFile(files[0], JSON.stringify(modelJson(a, paths)));
  return { files, weightBytes: data.byteLength };
}

/** A handler that keeps saved artifacts in memory (save then load, or hand them to TF.js). */
export function memory(): IOHandler & { artifacts: ModelArtifacts | null } {
  const h = {
    artifacts: null as ModelArtifacts | null,
    save(a: ModelArtifacts) {
      h.artifacts = a;
      return { modelArtifactsInfo: { modelTopologyType: 'JSON' } };
    },
    load(): ModelArtifacts {
      if (!h.artifacts) throw new ModelFormatError(`io.load: the memory handler holds no model (save one first)`);
      return h.artifacts;
    },
  };
  return h;
}

/** A handler serving given artifacts (like tf.io.fromMemory). */
export const fromMemory = (artifacts: ModelArtifacts): IOHandler => ({ load: () => artifacts });

/** Parses model.json text; anything that is not a Layers-format model.json is a ModelFormatError. */
export function parseModelJson(
  text: string,
  where: string,
): {
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsManifestEntry[];
  trainingConfig?: TrainingConfig;
} {
  let j: any;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`io.load: ${where} is not JSON (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object' || !j.modelTopology || typeof j.modelTopology !== 'object') {
    throw new ModelFormatError(`io.load: ${where} has no modelTopology; expected a TF.js Layers model.json`);
  }
  if (j.format !== undefined && j.format !== 'layers-model')
    throw new ModelFormatError(
      `io.load: ${where} has format '${j.format}'; only 'layers-model' is supported (not graph models)`,
    );
  const wm = j.weightsManifest ?? [];
  if (!Array.isArray(wm) || wm.some((g: any) => !g || !Array.isArray(g.paths) || !Array.isArray(g.weights))) {
    throw new ModelFormatError(
      `io.load: ${where} has a malformed weightsManifest; expected [{ paths: [...], weights: [...] }]`,
    );
  }
  return {
    modelTopology: j.modelTopology,
    weightsManifest: wm,
    ...(j.trainingConfig ? { trainingConfig: j.trainingConfig } : {}),
  };
}

/** Concatenates byte buffers. */
function concat(parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out.buffer;
}

/** Joins the manifest groups into one spec list and one buffer (each group's shards in order). */
export function artifactsFromManifest(
  modelTopology: Record<string, unknown>,
  manifest: WeightsManifestEntry[],
  groupBytes: Uint8Array[][],
): ModelArtifacts {
  return {
    modelTopology,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: concat(groupBytes.map((shards) => new Uint8Array(concat(shards)))),
  };
}

/** Reads artifacts from a directory / model.json path in Node. */
async function readFromDisk(src: string): Promise<ModelArtifacts> {
  const { readFile, stat } = await nodeImport('node:fs/promises');
  const { join, dirname, resolve, relative, isAbsolute } = await nodeImport('node:path');
  let file = toPath(src);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'model.json');
  } catch {
    throw new ModelFormatError(`io.load: ${src} does not exist`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ModelFormatError(`io.load: cannot read ${file} (${(e as Error).message})`);
  }
  const { modelTopology, weightsManifest, trainingConfig: tc } = parseModelJson(text, file);
  const groups: Uint8Array[][] = [];
  for (const g of weightsManifest) {
    const shards: Uint8Array[] = [];
    for (const p of g.paths) {
      // a manifest may only name files inside the model's directory (no '..', absolute paths or URLs)
      const dir = resolve(dirname(file)),
        target = typeof p === 'string' ? resolve(dir, p) : '';
      const rel = relative(dir, target);
      if (
        typeof p !== 'string' ||
        /^[a-z][a-z0-9+.-]*:/i.test(p) ||
        isAbsolute(p) ||
        rel === '' ||
        rel.startsWith('..') ||
        isAbsolute(rel)
      ) {
        throw new ModelFormatError(
          `io.load: weight path ${JSON.stringify(p)} in ${file} leaves the model's directory; refused`,
        );
      }
      try {
        shards.push(new Uint8Array(await readFile(target)));
      } catch {
        throw new ModelFormatError(`io.load: weight file ${p} listed in ${file} is missing`);
      }
    }
    groups.push(shards);
  }
  return { ...artifactsFromManifest(modelTopology, weightsManifest, groups), ...(tc ? { trainingConfig: tc } : {}) };
}

/** Reads artifacts over HTTP: the model.json URL (or a folder URL holding model.json) and its shards. */
async function readFromUrl(url: string): Promise<ModelArtifacts> {
  const jsonUrl = /\.json(\?|$)/.test(url) ? url : `${url.replace(/\/$/, '')}/model.json`;
  const get = async (u: string): Promise<Response> => {
    const r = await fetch(u);
    if (!r.ok) throw new ModelFormatError(`io.load: GET ${u} failed with HTTP ${r.status}`);
    return r;
  };
  const {
    modelTopology,
    weightsManifest,
    trainingConfig: tc,
  } = parseModelJson(await (await get(jsonUrl)).text(), jsonUrl);
  const groups: Uint8Array[][] = [];
  for (const g of weightsManifest) {
    groups.push(
      await Promise.all(
        g.paths.map(async (p) => {
          // shards come from the model.json's origin and folder only
          const u = new URL(String(p), jsonUrl),
            base = new URL('.', jsonUrl);
          if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname))
            throw new ModelFormatError(
              `io.load: weight path ${JSON.stringify(p)} in ${jsonUrl} leaves the model's folder; refused`,
            );
          return new Uint8Array(await (await get(u.href)).arrayBuffer());
        }),
      ),
    );
  }
  return { ...artifactsFromManifest(modelTopology, weightsManifest, groups), ...(tc ? { trainingConfig: tc } : {}) };
}

/** Gets artifacts from a path, URL or handler. */
async function readArtifacts(src: string | IOHandler | ModelArtifacts, where: string): Promise<ModelArtifacts> {
  let a: ModelArtifacts;
  if (typeof src === 'string') {
    if (src === '')
      throw new ValueError(`${where}: expected a directory, a model.json path, a URL or a handler, got ''`);
    a = isUrl(src) ? await readFromUrl(src) : await readFromDisk(src);
  } else if (src && typeof src === 'object' && typeof (src as IOHandler).load === 'function')
    a = await (src as IOHandler).load!();
  else if (src && typeof src === 'object' && 'modelTopology' in src) a = src as ModelArtifacts;
  else
    throw new ValueError(
      `${where}: expected a directory, a model.json path, a URL, a handler with load() or artifacts, got ${src === null ? 'null' : typeof src}`,
    );
  if (!a || typeof a !== 'object' || !a.modelTopology || typeof a.modelTopology !== 'object')
    throw new ModelFormatError(`${where}: the artifacts have no modelTopology`);
  return a;
}

/** Layer classes in a topology that convkit does not know, with the layers using them. */
function unknownClasses(c: any, out: Map<string, string[]>): void {
  if (!c || typeof c !== 'object') return;
  const cls = c.class_name;
  const cfg = c.config;
  if (cls === 'Sequential' || cls === 'Functional' || cls === 'Model') {
    const list = Array.isArray(cfg) ? cfg : cfg?.layers;
    if (Array.isArray(list)) for (const l of list) unknownClasses(l, out);
    return;
  }
  if (typeof cls === 'string' && !registry.has(cls)) {
    const names = out.get(cls) ?? [];
    names.push(String(c.name ?? cfg?.name ?? '?'));
    out.set(cls, names);
  }
}

/** Bytes a spec's tensor takes in the weight data. */
function storedBytes(s: WeightSpec, where: string): number {
  const q = s.quantization,
    n = sizeOf(s.shape);
  if (q?.dtype === 'int8') return 4 * checkChannels(s.name, s.shape, q.channels, where) + n;
  return n * valueBytes(s, where);
}

/** Bytes per stored value of a spec (not int8). */
function valueBytes(s: WeightSpec, where: string): number {
  const q = s.quantization;
  if (q) {
    if (q.dtype === 'uint8') return 1;
    if (q.dtype === 'uint16' || q.dtype === 'float16') return 2;
    throw new ModelFormatError(
      `${where}: weight '${s.name}' has unsupported quantization dtype '${q.dtype}' (expected uint8, uint16, float16 or int8)`,
    );
  }
  if (s.dtype === 'float32') return 4;
  throw new ModelFormatError(
    `${where}: weight '${s.name}' has dtype '${s.dtype}'; layers models store float32 weights`,
  );
}

/** IEEE half float to number. */
function halfToFloat(h: number): number {
  const e = (h >> 10) & 0x1f,
    m = h & 0x3ff,
    sign = h & 0x8000 ? -1 : 1;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes every weight of the artifacts into named tensors; truncated or malformed data throws. */
export function decodeWeights(a: ModelArtifacts, where = 'io.load'): Map<string, Tensor> {
  const specs = a.weightSpecs ?? [];
  if (!Array.isArray(specs)) throw new ModelFormatError(`${where}: weightSpecs must be a list`);
  const raw =
    a.weightData === undefined
      ? new ArrayBuffer(0)
      : Array.isArray(a.weightData)
        ? concat(a.weightData.map((b) => new Uint8Array(b)))
        : a.weightData;
  const bytes = ArrayBuffer.isView(raw)
    ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
    : new Uint8Array(raw);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needed = specs.reduce((t, s) => {
    if (
      !s ||
      typeof s.name !== 'string' ||
      !Array.isArray(s.shape) ||
      s.shape.some((d) => !Number.isInteger(d) || d < 0)
    ) {
      throw new ModelFormatError(`${where}: malformed weight spec ${JSON.stringify(s)?.slice(0, 120)}`);
    }
    return t + storedBytes(s, where);
  }, 0);
  if (bytes.byteLength < needed) {
    throw new ModelFormatError(
      `${where}: weight data is truncated: the manifest needs ${needed} bytes, the shards hold ${bytes.byteLength}`,
    );
  }
  const out = new Map<string, Tensor>();
  let off = 0;
  for (const s of specs) {
    if (out.has(s.name)) throw new ModelFormatError(`${where}: weight '${s.name}' appears twice in the manifest`);
    const n = sizeOf(s.shape);
    const v = new Float32Array(n);
    const q = s.quantization;
    if (!q) for (let i = 0; i < n; i++) v[i] = view.getFloat32(off + 4 * i, true);
    else if (q.dtype === 'int8') {
      const c = q.channels!,
        scales = Float32Array.from({ length: c }, (_, j) => view.getFloat32(off + 4 * j, true));
      for (let i = 0; i < n; i++) v[i] = scales[i % c] * view.getInt8(off + 4 * c + i);
    } else if (q.dtype === 'float16') for (let i = 0; i < n; i++) v[i] = halfToFloat(view.getUint16(off + 2 * i, true));
    else {
      const min = q.min ?? 0,
        scale = q.scale ?? 1;
      if (q.dtype === 'uint8') for (let i = 0; i < n; i++) v[i] = min + scale * bytes[off + i];
      else for (let i = 0; i < n; i++) v[i] = min + scale * view.getUint16(off + 2 * i, true);
    }
    off += storedBytes(s, where);
    out.set(s.name, new Tensor(v, [...s.shape]));
  }
  return out;
}

/**
 * Assigns named weights to a model by name, checking everything first: a missing, extra or
 * misshaped weight throws ModelFormatError and leaves every weight of the model untouched.
 */
export function assignWeights(model: Layer, named: Map<string, Tensor>, where = 'io.load'): void {
  const targets = model.weights;
  const missing = targets.filter((w) => !named.has(w.name)).map((w) => w.name);
  const known = new Set(targets.map((w) => w.name));
  const extra = [...named.keys()].filter((n) => !known.has(n));
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length)
      parts.push(
        `${missing.length} of ${targets.length} weights of the model are missing from the file: ${missing.join(', ')}`,
      );
    if (extra.length) parts.push(`the file has ${extra.length} weight(s) the model does not: ${extra.join(', ')}`);
    throw new ModelFormatError(`${where}: ${parts.join('; ')}`);
  }
  for (const w of targets) {
    const t = named.get(w.name)!;
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      throw new ModelFormatError(
        `${where}: weight '${w.name}' has shape ${fmtShape(t.shape)} in the file, the model expects ${fmtShape(w.shape)}`,
      );
    }
  }
  for (const w of targets) w.assign(named.get(w.name)!);
}

/** Builds a model from artifacts: topology first (unknown classes listed together), then weights. */
export function fromArtifacts(a: ModelArtifacts, where = 'io.load'): Model {
  const topo = a.modelTopology as Record<string, any>;
  const config: KerasConfig = topo.model_config ?? topo;
  if (!config || typeof config.class_name !== 'string')
    throw new ModelFormatError(`${where}: modelTopology has no class_name; expected a Keras model config`);
  const unknown = new Map<string, string[]>();
  unknownClasses(config, unknown);
  if (unknown.size) {
    const list = [...unknown].map(([cls, names]) => `${cls} (${names.join(', ')})`).join('; ');
    throw new ModelFormatError(`${where}: unknown layer class(es): ${list}. Known: ${[...registry.keys()].join(', ')}`);
  }
  // Weights are decoded before the graph is built so a corrupt file fails fast.
  const named = decodeWeights(a, where);
  let m: Layer;
  try {
    m = modelFromConfig(config);
  } catch (e) {
    if (e instanceof ConvkitError && !(e instanceof ModelFormatError))
      throw new ModelFormatError(`${where}: ${e.message}`);
    throw e;
  }
  if (!(m instanceof Model))
    throw new ModelFormatError(`${where}: the topology is a single ${m.className} layer, not a model`);
  if (!m.built)
    throw new ModelFormatError(`${where}: the topology has no input shape, so its weights cannot be created`);
  assignWeights(m, named, where);
  // a quantize()d model comes back quantised, for inference (uncompiled: quantised models do not train)
  if (topo.convkit_quantization !== undefined) return restoreQuantized(m, topo.convkit_quantization, where);
  // Compiled as saved (TF.js's trainingConfig, or Keras's training_config inside the topology), as TF.js
  // and Keras load models. Settings convkit cannot restore leave the model uncompiled, with a warning:
  // its topology and weights are still good.
  const tc = a.trainingConfig ?? topo.training_config;
  if (tc) {
    try {
      compileFrom(m, tc, where);
    } catch (e) {
      if (!(e instanceof ModelFormatError)) throw e;
      console.warn(`${e.message}; the model is loaded uncompiled`);
    }
  }
  return m;
}

/**
 * Loads a model saved in the TF.js Layers format (by convkit, TensorFlow.js or the Keras
 * converter) from a directory or model.json path (Node), an http(s) URL, a handler with load(),
 * or artifacts. Weights may be float32 or uint8/uint16/float16-quantised.
 */
export async function load(src: string | IOHandler | ModelArtifacts): Promise<Model> {
  return fromArtifacts(await readArtifacts(src, 'io.load'), 'io.load');
}

/** Loads only the weights of a saved model into an existing model (all or nothing). */
export async function loadWeights(model: Model, src: string | IOHandler | ModelArtifacts): Promise<void> {
  if (!(model instanceof Model))
    throw new ValueError(`io.loadWeights: expected a model, got ${model === null ? 'null' : typeof model}`);
  assignWeights(model, decodeWeights(await readArtifacts(src, 'io.loadWeights'), 'io.loadWeights'), 'io.loadWeights');
}
