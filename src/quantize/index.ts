// quantize(model, opts): int8 post-training quantisation. The float model's inference plan runs on the calibration
// images and records the range of every value its steps write; the quantised model's plans rewrite the same fused
// program into int8 steps (program.ts) over those ranges. Ranges are the plain min/max over the calibration set by
// default: calibration sets here are small (tens to hundreds of images), where a percentile is estimated from a
// handful of extreme values and moves with each added image, while ReLU6 (MobileNetV2) and batch-norm folding already
// bound most activations; min/max never clips, so no layer saturates on inputs like the calibration ones. ranges:
// 'mse' instead picks each range by the squared error over a histogram (ranges.ts).
import { Tensor } from '../tensor';
import { Model } from '../models/model';
import { summarize, type Summary, type SummaryOptions } from '../models/summary';
import { checkInputs } from '../models/data';
import { lower } from '../models/plan/lower';
import type { Program } from '../models/plan/steps';
import { fuse } from '../models/plan/fuse';
import { WasmPlan } from '../models/plan/run';
import { int8Rewrites } from '../models/plan';
import { backend, kernels } from '../backend';
import { noGrad } from '../autograd';
export type { QuantizeSettings, Ranges } from './program';
import { ModelFormatError, ValueError } from '../errors';
import { checkOptions, optionNames } from '../options';
import { Conv, Dense, DepthwiseConv2D, type Layer } from '../layers';
import { int8Layers, probeFloat, quantizeProgram, type QuantizeSettings, type Ranges } from './program';
import { modelFromConfig } from '../models/config';
import { encodeInt8, int8Kernels, snapInt8 } from './weights';
import {
  addPatchMoments,
  addRowMoments,
  MAX_ADAPTIVE_TAPS,
  MOMENT_POSITIONS,
  roundDepthwise,
  roundPointwise,
} from './rounding';
import { rootOf } from '../models/plan/fuse';
import { minMaxRanges, RangeHistograms } from './ranges';

/** Options of quantize(). */
export interface QuantizeOptions {
  /** Representative inputs, batch first (a few dozen images of the kind the model will see). */
  calibration: Tensor | Tensor[];
  /** Weight scales: one per output channel (default) or one per tensor. Weights are symmetric int8. */
  weights?: 'perChannel' | 'perTensor';
  /**
   * Activation type: asymmetric uint8 (default) or int8, each with a per-tensor scale and zero point; or 'int16'
   * (TensorFlow Lite's 16x8 mode: symmetric int16 activations, int8 weights) for nets whose answers need more than
   * 8-bit activations, such as box regressors. Int16 runs the same i16 kernels on Node (the relaxed int8 dot product
   * does not apply) and takes twice the activation memory.
   */
  activations?: 'uint8' | 'int8' | 'int16';
  /** Names of layers to keep float (conv, depthwise and dense layers, and residual Add layers). */
  skip?: string[];
  /**
   * Bias correction (default false): after quantising, add to each int8 layer's bias the mean per-channel difference
   * between its float and int8 outputs (before the activation) on the calibration inputs, layer by layer in order.
   */
  biasCorrection?: boolean;
  /**
   * How activation ranges follow from the calibration: 'minmax' (default) spans every value seen; 'mse' clips each
   * value's range where the expected squared quantisation error over a histogram of its values is smallest (a second
   * calibration pass), spending the 256 levels on the bulk of the values rather than on rare extremes.
   */
  ranges?: 'minmax' | 'mse';
  /**
   * How int8 weights round: 'nearest' (default) each to its nearest int8 value; 'adaptive' rounds each depthwise and
   * 1x1 conv output channel's weights up or down to reduce the squared error of its output over the calibration
   * inputs (AdaRound's objective: exhaustively over a 3x3 depthwise channel's 512 choices, by greedy descent over a
   * 1x1 channel's weights); other layers round nearest.
   */
  rounding?: 'nearest' | 'adaptive';
  /**
   * Called as quantising goes: after each calibration batch (and each histogram batch of ranges: 'mse'), and before
   * and after each layer's bias correction, which runs the calibration set once per int8 layer and can take minutes.
   */
  onProgress?: (p: QuantizeProgress) => void;
}

/** Where quantize() is: a stage and how much of it is done. */
export interface QuantizeProgress {
  stage: 'calibration' | 'histograms' | 'biasCorrection';
  done: number;
  total: number;
}

const OPTIONS = optionNames<QuantizeOptions>({
  calibration: true,
  weights: true,
  activations: true,
  skip: true,
  biasCorrection: true,
  ranges: true,
  rounding: true,
  onProgress: true,
});
/** Layers with weights an int8 kernel could take (the others hold no multiply-adds to quantise). */
const KERNEL_LAYERS = [Conv, DepthwiseConv2D, Dense];
const isModel = (l: Layer): l is Model => l instanceof Model;
/** Calibration images run through the float plan this many at a time. */
const CALIBRATION_BATCH = 16;

/**
 * What io.save keeps of a quantised model beside its weights (in model.json's modelTopology, which TF.js
 * ignores): the settings and the calibrated ranges, from which the int8 plan follows exactly. Ranges
 * are keyed by the plan's value numbers, so `values` (how many the lowered graph has) guards against a topology
 * that lowers differently.
 */
export interface SavedQuantization {
  weights: QuantizeSettings['weights'];
  activations: QuantizeSettings['activations'];
  skip: string[];
  values: number;
  ranges: Array<[number, number, number]>;
  int8: string[];
  /** Bias correction's per-channel additions to the folded biases, per layer (quantize's biasCorrection). */
  bias?: Array<[string, number[]]>;
}

/** A model whose predict runs int8 inference plans: a copy of the float model, its int8 kernels on their int8 grid. */
export class QuantizedModel extends Model {
  /** What was quantised and how. */
  readonly quantization: NonNullable<Summary['quantization']>;
  /** The settings and calibrated ranges io.save writes. */
  readonly saved: SavedQuantization;

  constructor(source: Model, settings: QuantizeSettings, ranges: Ranges, int8: string[], values: number, name: string) {
    super({ inputs: source.inputs, outputs: source.outputs, name });
    this.saved = {
      weights: settings.weights,
      activations: settings.activations,
      skip: [...settings.skip],
      values,
      ranges: [...ranges].map(([v, [lo, hi]]) => [v, lo, hi]),
      int8,
      ...(settings.bias?.size
        ? { bias: [...settings.bias].map(([l, b]): [string, number[]] => [l, Array.from(b)]) }
        : {}),
    };
    const names = new Set(int8);
    this.quantization = {
      weights: settings.weights,
      activations: settings.activations,
      int8,
      float: this.layers
        .filter((l) => KERNEL_LAYERS.some((c) => l instanceof c) && !names.has(l.name))
        .map((l) => l.name),
    };
    int8Rewrites.set(this, (p) => quantizeProgram(p, ranges, settings));
  }

  /** The float summary, marked as quantised: which layers run int8 and which stay float. */
  override summary(opts: SummaryOptions = {}): Summary {
    const q = this.quantization;
    const s = summarize(this, opts, [
      `Quantised: int8 post-training (weights int8 ${q.weights}, activations ${q.activations})`,
      `Int8 layers: ${q.int8.length}${q.float.length ? `; float: ${q.float.join(', ')}` : ''}`,
    ]);
    return { ...s, quantization: q };
  }
}

function settingsOf(opts: unknown): { cal: Tensor[]; settings: QuantizeSettings } {
  if (opts === undefined || opts === null)
    throw new ValueError('quantize: expected options with calibration data, e.g. quantize(m, { calibration: x })');
  checkOptions('quantize', opts, OPTIONS);
  const o = opts as QuantizeOptions;
  if (o.calibration === undefined)
    throw new ValueError('quantize: option calibration is required (a Tensor of inputs)');
  const weights = o.weights ?? 'perChannel',
    activations = o.activations ?? 'uint8';
  if (weights !== 'perChannel' && weights !== 'perTensor')
    throw new ValueError(`quantize: weights must be 'perChannel' or 'perTensor', got ${JSON.stringify(weights)}`);
  if (activations !== 'uint8' && activations !== 'int8' && activations !== 'int16')
    throw new ValueError(
      `quantize: activations must be 'uint8', 'int8' or 'int16', got ${JSON.stringify(activations)}`,
    );
  if (o.biasCorrection !== undefined && typeof o.biasCorrection !== 'boolean')
    throw new ValueError(`quantize: biasCorrection must be true or false, got ${JSON.stringify(o.biasCorrection)}`);
  if (o.ranges !== undefined && o.ranges !== 'minmax' && o.ranges !== 'mse')
    throw new ValueError(`quantize: ranges must be 'minmax' or 'mse', got ${JSON.stringify(o.ranges)}`);
  // the histogram search weighs clipping against 256 levels; at 65,535 levels clipping never pays
  if (o.ranges === 'mse' && activations === 'int16')
    throw new ValueError("quantize: ranges 'mse' is for 8-bit activations; int16 activations use 'minmax'");
  if (o.rounding !== undefined && o.rounding !== 'nearest' && o.rounding !== 'adaptive')
    throw new ValueError(`quantize: rounding must be 'nearest' or 'adaptive', got ${JSON.stringify(o.rounding)}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new ValueError('quantize: onProgress must be a function');
  const skip = o.skip ?? [];
  if (!Array.isArray(skip) || skip.some((s) => typeof s !== 'string'))
    throw new ValueError('quantize: skip must be an array of layer names');
  const cal = Array.isArray(o.calibration) ? o.calibration : [o.calibration];
  return { cal, settings: { weights, activations, skip: new Set(skip) } };
}

/**
 * Int8 post-training quantisation: calibrates activation ranges on `calibration`, quantises conv, depthwise and
 * dense weights per output channel after batch-norm folding, and returns a model whose predict runs int8 kernels
 * (other layers, and those named in `skip`, stay float). Its plans run on WebAssembly, the scalar build when the
 * 'js' backend is active; with plans turned off (CONVKIT_PLAN=0) it runs the float layers. The ranges are fixed at
 * quantisation: after the float model's weights change, quantize it again.
 */
export function quantize(model: Model, opts: QuantizeOptions): QuantizedModel {
  if (!(model instanceof Model)) throw new ValueError('quantize: expected a Model (Sequential or functional)');
  const { cal, settings } = settingsOf(opts);
  (model as unknown as { ensureBuilt(x: unknown): void }).ensureBuilt(cal.length === 1 ? cal[0] : cal);
  const { xs, n } = checkInputs('quantize', model.name, model.inputs, cal.length === 1 ? cal[0] : cal, true);
  if (n === 0) throw new ValueError(`quantize: calibration for model '${model.name}' holds no samples`);
  const names = new Set(model.layers.map((l) => l.name));
  for (const s of settings.skip)
    if (!names.has(s)) throw new ValueError(`quantize: skip names '${s}', which is no layer of model '${model.name}'`);
  const k = kernels();
  const mod = backend.module(k.name === 'js' ? 'wasm' : k.name)!;
  let program: Program | null = null;
  const progress = opts.onProgress ?? (() => {});
  // cut once: the calibration passes and bias correction all run over these
  const batches = batchesOf(xs, n);
  const calibrate = (stage: QuantizeProgress['stage'], see: (v: number, d: Float32Array) => void) =>
    noGrad(() => {
      for (const [i, batch] of batches.entries()) {
        const p = fuse(
          lower(
            model,
            batch.map((t) => t.shape),
            isModel,
          ),
          { residuals: false },
        );
        program ??= p;
        const plan = new WasmPlan(mod, p);
        try {
          p.inputs.forEach((v, q) => see(v, batch[q].data));
          plan.run(
            batch.map((t) => t.data),
            (step, y) => see(p.steps[step].y, y),
          );
        } finally {
          plan.release();
        }
        progress({ stage, done: i + 1, total: batches.length });
      }
    });
  const minMax = minMaxRanges();
  // adaptive rounding: the second moments of the inputs of each depthwise and 1x1 layer, from the same pass
  const moments = new Map<string, InputMoments>();
  let adaptive: Array<Extract<Program['steps'][number], { kind: 'depthwise' | 'conv' }>> | null = null;
  calibrate('calibration', (v, d) => {
    minMax.see(v, d);
    if (opts.rounding !== 'adaptive') return;
    const p = program!;
    adaptive ??= p.steps.filter((s): s is NonNullable<typeof adaptive>[number] => roundsAdaptively(s));
    for (const s of adaptive) {
      if (rootOf(p, s.x) !== rootOf(p, v)) continue;
      const g = s.g,
        K = s.kind === 'depthwise' ? g.fH * g.fW : g.inC,
        batch = d.length / (g.inH * g.inW * g.inC),
        rows = batch * g.outH * g.outW,
        every = Math.max(1, Math.floor(rows / MOMENT_POSITIONS));
      let m = moments.get(s.layer!);
      if (!m)
        moments.set(
          s.layer!,
          (m = { kind: s.kind, h: new Float64Array((s.kind === 'depthwise' ? g.inC : 1) * K * K), rows: 0 }),
        );
      if (s.kind === 'depthwise') addPatchMoments({ ...s.g, batch }, d, m.h, every);
      else addRowMoments(d, K, m.h, every);
      m.rows += Math.ceil(rows / every);
    }
  });
  let ranges: Ranges = minMax.ranges;
  if (opts.ranges === 'mse') {
    const h = new RangeHistograms(ranges);
    calibrate('histograms', (v, d) => h.see(v, d));
    ranges = h.ranges();
  }
  const p = program!;
  const int8 = int8Layers(p, ranges, settings);
  const copy = snapped(model, int8, settings, moments);
  if (opts.biasCorrection) settings.bias = correctBiases(mod, model, copy, batches, ranges, settings, int8, progress);
  return new QuantizedModel(copy, settings, ranges, int8, p.values.length, `${model.name}_int8`);
}

/** A layer's input moments for adaptive rounding: per channel patch moments (depthwise) or row moments (1x1). */
interface InputMoments {
  kind: 'depthwise' | 'conv';
  h: Float64Array;
  rows: number;
}

/** Whether rounding: 'adaptive' takes a step: depthwise (multiplier 1) up to MAX_ADAPTIVE_TAPS, 2D 1x1 at stride 1. */
function roundsAdaptively(s: Program['steps'][number]): boolean {
  if ((s.kind !== 'depthwise' && s.kind !== 'conv') || !s.layer) return false;
  if (s.kind === 'depthwise') return s.g.multiplier === 1 && s.g.fD === 1 && s.g.fH * s.g.fW <= MAX_ADAPTIVE_TAPS;
  const g = s.g;
  return (
    s.residual === undefined &&
    g.fD === 1 &&
    g.fH === 1 &&
    g.fW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.inD === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0
  );
}

/** The inputs cut into calibration batches. */
function batchesOf(xs: Tensor[], n: number): Tensor[][] {
  const out: Tensor[][] = [];
  for (let i = 0; i < n; i += CALIBRATION_BATCH) {
    const j = Math.min(n, i + CALIBRATION_BATCH);
    out.push(
      xs.map((t) => {
        const row = t.size / t.shape[0];
        return new Tensor(t.data.slice(i * row, j * row), [j - i, ...t.shape.slice(1)]);
      }),
    );
  }
  return out;
}

/** Per layer, the mean of each output channel before the activation over the batches, probed as rewrite says. */
function probedMeans(
  mod: NonNullable<ReturnType<typeof backend.module>>,
  m: Model,
  batches: Tensor[][],
  rewrite: (p: Program, probe: Map<number, string>) => void,
): Map<string, Float64Array> {
  const sums = new Map<string, { s: Float64Array; rows: number }>();
  noGrad(() => {
    for (const batch of batches) {
      const probe = new Map<number, string>();
      const p = fuse(
        lower(
          m,
          batch.map((t) => t.shape),
          isModel,
        ),
        { residuals: false, rewrite: (q) => rewrite(q, probe) },
      );
      const plan = new WasmPlan(mod, p);
      try {
        plan.run(
          batch.map((t) => t.data),
          (step, y) => {
            const v = p.steps[step].y,
              layer = probe.get(v);
            if (layer === undefined) return;
            const shape = p.values[v].shape,
              n = shape[shape.length - 1];
            let e = sums.get(layer);
            if (!e) sums.set(layer, (e = { s: new Float64Array(n), rows: 0 }));
            for (let i = 0; i < y.length; i++) e.s[i % n] += y[i];
            e.rows += y.length / n;
          },
        );
      } finally {
        plan.release();
      }
    }
  });
  return new Map([...sums].map(([l, { s, rows }]) => [l, s.map((x) => x / rows)]));
}

/**
 * Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization and Bias
 * Correction", section 4.2's empirical form): each int8 layer's folded bias gains the mean per-channel difference
 * between the float model's output and the int8 model's, before the activation, on the calibration batches. Layers
 * are corrected in program order, each measured with the layers before it corrected.
 */
function correctBiases(
  mod: NonNullable<ReturnType<typeof backend.module>>,
  float: Model,
  copy: Model,
  batches: Tensor[][],
  ranges: Ranges,
  settings: QuantizeSettings,
  int8: string[],
  progress: (p: QuantizeProgress) => void,
): Map<string, Float64Array> {
  const want = probedMeans(mod, float, batches, (p, probe) => probeFloat(p, new Set(int8), probe));
  const bias = new Map<string, Float64Array>();
  // one run per layer: a layer's error depends on the corrections before it (correcting all at once overshoots)
  for (const [i, l] of int8.entries()) {
    progress({ stage: 'biasCorrection', done: i, total: int8.length });
    const g = probedMeans(mod, copy, batches, (p, probe) => {
      quantizeProgram(p, ranges, { ...settings, bias }, probe);
      for (const [v, name] of probe) if (name !== l) probe.delete(v);
      if (!probe.size) return;
      // nothing after the layer's last call matters here: the program ends there
      let last = p.steps.length - 1;
      while (!probe.has(p.steps[last].y)) last--;
      p.steps.length = last + 1;
      p.outputs = [p.steps[last].y];
    }).get(l);
    const w = want.get(l);
    if (!g || !w || w.length !== g.length) continue;
    bias.set(
      l,
      g.map((x, j) => w[j] - x),
    );
  }
  progress({ stage: 'biasCorrection', done: int8.length, total: int8.length });
  return bias;
}

/**
 * A copy of the model whose int8 layers' kernels lie on their int8 grid (weights.ts): the quantised model runs and
 * saves these, so io.save can store them as int8 exactly; the float model keeps its own weights. Depthwise and 1x1
 * kernels with input moments (rounding: 'adaptive') round by rounding.ts, the rest to nearest.
 */
function snapped(
  model: Model,
  int8: string[],
  settings: QuantizeSettings,
  moments: ReadonlyMap<string, InputMoments>,
): Model {
  const copy = modelFromConfig({ class_name: model.className, config: model.getConfig() }) as Model;
  const from = model.weights,
    to = copy.weights;
  if (!(copy instanceof Model) || !copy.built || to.length !== from.length)
    throw new ValueError(`quantize: model '${model.name}' does not rebuild from its config with the same weights`);
  to.forEach((w, i) => w.assign(new Tensor(from[i].data.slice(), [...from[i].shape])));
  const perTensor = settings.weights === 'perTensor';
  for (const { layer, kernel, n } of int8Kernels(copy, int8)) {
    const m = moments.get(layer),
      scales = () => encodeInt8(kernel.data, n, perTensor).scales;
    // a 1x1 layer's moments need at least as many rows as inputs, or the descent fits the calibration set's noise
    const w = !m
      ? kernel.data
      : m.kind === 'depthwise'
        ? roundDepthwise(kernel.data, n, scales(), m.h)
        : m.rows >= kernel.data.length / n
          ? roundPointwise(kernel.data, n, scales(), m.h)
          : kernel.data;
    kernel.assign(new Tensor(snapInt8(w, n, perTensor), [...kernel.shape]));
  }
  return copy;
}

/** The lowered graph's value count at batch 1 (the key space of saved ranges). */
function valueCount(m: Model): number {
  return lower(
    m,
    m.inputs.map((s) => [1, ...s.shape.slice(1).map((d) => d ?? 1)]),
    isModel,
  ).values.length;
}

/** A quantised model again from a loaded float model and what io.save wrote; ModelFormatError when it does not fit. */
export function restoreQuantized(m: Model, saved: unknown, where: string): QuantizedModel {
  const s = saved as SavedQuantization;
  const ok =
    !!s &&
    typeof s === 'object' &&
    (s.weights === 'perChannel' || s.weights === 'perTensor') &&
    (s.activations === 'uint8' || s.activations === 'int8' || s.activations === 'int16') &&
    Array.isArray(s.skip) &&
    s.skip.every((x) => typeof x === 'string') &&
    Array.isArray(s.int8) &&
    s.int8.every((x) => typeof x === 'string') &&
    Number.isInteger(s.values) &&
    Array.isArray(s.ranges) &&
    s.ranges.every(
      (r) =>
        Array.isArray(r) &&
        r.length === 3 &&
        Number.isInteger(r[0]) &&
        r[0] >= 0 &&
        r[0] < s.values &&
        Number.isFinite(r[1]) &&
        Number.isFinite(r[2]) &&
        r[1] <= r[2],
    ) &&
    (s.bias === undefined ||
      (Array.isArray(s.bias) &&
        s.bias.every(
          (e) =>
            Array.isArray(e) &&
            e.length === 2 &&
            typeof e[0] === 'string' &&
            Array.isArray(e[1]) &&
            e[1].every((x) => Number.isFinite(x)),
        )));
  if (!ok) throw new ModelFormatError(`${where}: convkit_quantization in the topology is malformed`);
  const have = valueCount(m);
  if (have !== s.values)
    throw new ModelFormatError(
      `${where}: the saved quantisation is for a graph of ${s.values} values, this topology lowers to ${have}`,
    );
  const ranges: Ranges = new Map(s.ranges.map(([v, lo, hi]) => [v, [lo, hi]]));
  const settings: QuantizeSettings = {
    weights: s.weights,
    activations: s.activations,
    skip: new Set(s.skip),
    ...(s.bias ? { bias: new Map(s.bias) } : {}),
  };
  return new QuantizedModel(m, settings, ranges, s.int8, s.values, m.name);
}
