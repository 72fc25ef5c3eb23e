// Where int8's error comes from on the two real nets that miss #22's accuracy targets, and how it compares with the
// float nets' own sensitivity to a gray level of pixel noise.
// - face-api's tiny face detector (calibrated on demo photos 1-3, box IoU against float on all six): the float plan
//   with its weights on the int8 grid and/or its activations rounded in place after every step (fake quantisation at
//   8 to 16 bits, per tensor or per channel, over the calibrated min/max ranges), beside the real int8 plans.
// - nsfwjs's MobileNetV2 (top-1 agreement over square crops of the six photos, calibrated on 64 other crops): weights
//   alone on the int8 grid, each layer's weights alone, and int8 plans with the first depthwise conv kept float, bias
//   correction, and quantize's rounding: 'adaptive' (depthwise kernels rounded for their outputs' error).
// Run: node --import tsx bench/int8-sensitivity.ts [--crops 2000] [--no-detector] [--no-nsfw] [--per-value] [--mixed]
// (--per-value: the detector's activations one value at a time, at 8 bits among 16 and at 16 among 8; --mixed: the
// first or last n values at 16 bits, the rest at 8, for every n: could a plan mixing int8 and int16 values do)
import { init, backend, detect, quantize, Tensor } from '../src';
import type { Model, QuantizedModel, QuantizeOptions } from '../src';
import { lower } from '../src/models/plan/lower';
import { fuse } from '../src/models/plan/fuse';
import { WasmPlan } from '../src/models/plan/run';
import { Model as ModelClass } from '../src/models/model';
import { Conv, Dense, DepthwiseConv2D } from '../src/layers';
import { loadNsfwjs } from '../src/io/pretrained';
import { int8Kernels, snapInt8 } from '../src/quantize/weights';
import { floatFaceNets, networkInputs, readPhotos } from '../examples/data/face-int8';
import { photoCrops } from '../examples/photos';
import { lcg } from './util';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const nCrops = Number(flag('--crops') ?? 2000);
const isModel = (l: unknown): l is ModelClass => l instanceof ModelClass;

/** x plus uniform noise of ±amp (clamped to [0, hi]), seeded. */
function noisy(x: Tensor, amp: number, hi: number, seed: number): Tensor {
  const r = lcg(seed);
  return new Tensor(
    x.data.map((v) => Math.min(hi, Math.max(0, v + (r() - 0.5) * 2 * amp))),
    [...x.shape],
  );
}

/** Runs f with the given kernels (by layer name) in m's layers, then puts the float kernels back. */
function withKernels<T>(m: Model, kernels: Map<string, Float32Array>, f: () => T): T {
  const ks = int8Kernels(m, [...kernels.keys()]).map(({ layer, kernel }) => ({
    layer,
    kernel,
    orig: kernel.data.slice(),
  }));
  for (const { layer, kernel } of ks) kernel.assign(new Tensor(kernels.get(layer)!.slice(), [...kernel.shape]));
  try {
    return f();
  } finally {
    for (const { kernel, orig } of ks) kernel.assign(new Tensor(orig, [...kernel.shape]));
  }
}

/** Runs f with the named layers' kernels on their int8 grid (per channel, nearest). */
const withInt8Weights = <T>(m: Model, names: string[], f: () => T): T =>
  withKernels(m, new Map(int8Kernels(m, names).map((k) => [k.layer, snapInt8(k.kernel.data, k.n, false)])), f);

/** Runs f with m's int8 layers' kernels taken from its quantised copy q. */
const withWeightsOf = <T>(m: Model, q: QuantizedModel, f: () => T): T =>
  withKernels(m, new Map(int8Kernels(q, q.quantization.int8).map((k) => [k.layer, k.kernel.data])), f);

const kernelLayers = (m: Model) =>
  m.layers.filter((l) => l instanceof Conv || l instanceof Dense || l instanceof DepthwiseConv2D).map((l) => l.name);

/** Rounds y in place to `levels` levels over [lo, hi] (widened to hold 0), as uint8 quantisation does at 256. */
function fakeQuant(y: Float32Array, i0: number, stride: number, lo0: number, hi0: number, levels: number): void {
  const lo = Math.min(lo0, 0),
    hi = Math.max(hi0, 0),
    s = hi > lo ? (hi - lo) / (levels - 1) : 1,
    z = Math.round(-lo / s);
  for (let i = i0; i < y.length; i += stride)
    y[i] = (Math.min(levels - 1, Math.max(0, Math.round(y[i] / s) + z)) - z) * s;
}

async function detector(): Promise<void> {
  const photos = await readPhotos();
  const float = await floatFaceNets();
  const cal = networkInputs(float, photos.slice(0, 3)).det;
  const mod = backend.module('wasm-simd') ?? backend.module('wasm')!;
  const want = photos.map((img) => float.det.detect(img, { inputSize: 416, scoreThreshold: 0.5 }));
  /** Min and median IoU of each float face with its best box from model (anything with predict); -1: other faces. */
  const score = (model: Pick<Model, 'predict'>, images = photos) => {
    const d = Object.assign(Object.create(Object.getPrototypeOf(float.det)), float.det, { model });
    let min = 1;
    const all: number[] = [];
    images.forEach((img, k) => {
      const got: detect.Face[] = d.detect(img, { inputSize: 416, scoreThreshold: 0.5 });
      if (got.length !== want[k].length) min = -1;
      for (const w of want[k]) {
        const v = Math.max(0, ...got.map((g) => detect.iou(g.box, w.box)));
        all.push(v);
        min = Math.min(min, v);
      }
    });
    all.sort((a, b) => a - b);
    return `${min < 0 ? 'other faces' : min.toFixed(3)} | ${all[all.length >> 1].toFixed(3)}`;
  };
  // calibrated ranges, per tensor (quantize's) and per channel (the float plan's writes on the calibration inputs)
  const q = quantize(float.det.model, { calibration: cal });
  const perTensor = new Map(q.saved.ranges.map(([v, a, b]) => [v, [a, b] as [number, number]]));
  const perChannel = new Map<number, { lo: Float32Array; hi: Float32Array }>();
  {
    const p = fuse(lower(float.det.model, [cal.shape], isModel), { residuals: false });
    const plan = new WasmPlan(mod, p);
    plan.run([cal.data], (step, y) => {
      const v = p.steps[step].y,
        c = p.values[v].shape[p.values[v].shape.length - 1];
      let e = perChannel.get(v);
      if (!e)
        perChannel.set(v, (e = { lo: new Float32Array(c).fill(Infinity), hi: new Float32Array(c).fill(-Infinity) }));
      for (let i = 0; i < y.length; i++) {
        const k = i % c;
        e.lo[k] = Math.min(e.lo[k], y[i]);
        e.hi[k] = Math.max(e.hi[k], y[i]);
      }
    });
    plan.release();
  }
  /** The float plan of m with every step's output (the head's excepted) fake-quantised, at levels or levels(value). */
  const simulated = (
    m: Model,
    levels: number | ((v: number) => number),
    channels: boolean,
  ): Pick<Model, 'predict'> => ({
    predict: (x: Tensor) => {
      const p = fuse(lower(m, [x.shape as number[]], isModel), { residuals: false });
      const plan = new WasmPlan(mod, p);
      try {
        const outs = new Set(p.outputs);
        const [y] = plan.run([x.data], (step, y) => {
          const v = p.steps[step].y,
            n = typeof levels === 'number' ? levels : levels(v);
          if (outs.has(v) || !n) return;
          if (!channels) {
            const r = perTensor.get(v);
            if (r) fakeQuant(y, 0, 1, r[0], r[1], n);
            return;
          }
          const e = perChannel.get(v);
          if (e) for (let c = 0; c < e.lo.length; c++) fakeQuant(y, c, e.lo.length, e.lo[c], e.hi[c], n);
        });
        return new Tensor(y.slice(), [...p.values[p.outputs[0]].shape]);
      } finally {
        plan.release();
      }
    },
  });
  const layers = kernelLayers(float.det.model);
  const snapped = (f: () => string) => withInt8Weights(float.det.model, layers, f);
  console.log('\n| tiny face detector, 20 faces on 6 photos | min IoU | median IoU |\n|---|---:|---:|');
  const row = (what: string, s: string) => console.log(`| ${what} | ${s} |`);
  for (const amp of [1, 2])
    row(
      `float, pixel noise ±${amp} gray level${amp > 1 ? 's' : ''}`,
      score(
        float.det.model,
        photos.map((p, i) => noisy(p, amp, 255, 10 + i)),
      ),
    );
  row(
    'int8 weights, float activations',
    snapped(() => score(float.det.model)),
  );
  row('float weights, activations 8-bit per tensor (fake)', score(simulated(float.det.model, 256, false)));
  for (const bits of [8, 10, 12, 16])
    row(
      `int8 weights, activations ${bits}-bit per tensor (fake)`,
      snapped(() => score(simulated(float.det.model, 2 ** bits, false))),
    );
  row(
    'int8 weights, activations 8-bit per channel (fake)',
    snapped(() => score(simulated(float.det.model, 256, true))),
  );
  row('int8 plan, min/max ranges', score(q));
  row("int8 plan, ranges: 'mse'", score(quantize(float.det.model, { calibration: cal, ranges: 'mse' })));
  row("int8 plan, rounding: 'adaptive'", score(quantize(float.det.model, { calibration: cal, rounding: 'adaptive' })));
  row(
    "int8 plan, ranges: 'mse', rounding: 'adaptive'",
    score(quantize(float.det.model, { calibration: cal, ranges: 'mse', rounding: 'adaptive' })),
  );
  if (args.includes('--per-value')) {
    // is one tensor the culprit? each value alone at 8 bits (the rest 16), and alone at 16 (the rest 8)
    const p = fuse(lower(float.det.model, [[1, 416, 416, 3]], isModel), { residuals: false });
    const label = (v: number) => {
      const st = p.steps.find((t) => t.y === v);
      return `${st ? `${st.kind} ${'layer' in st ? (st.layer ?? '') : ''}` : 'input'} [${p.values[v].shape}]`;
    };
    console.log(
      '\n| detector value, int8 weights | it 8-bit, rest 16: min IoU | median | it 16-bit, rest 8: min IoU | median |' +
        '\n|---|---:|---:|---:|---:|',
    );
    for (const v of perTensor.keys()) {
      if (p.outputs.includes(v)) continue;
      const at = (bits: number, rest: number) =>
        snapped(() => score(simulated(float.det.model, (u) => 2 ** (u === v ? bits : rest), false)));
      console.log(`| ${label(v)} | ${at(8, 16)} | ${at(16, 8)} |`);
    }
  }
  if (args.includes('--mixed')) {
    const outs = new Set(fuse(lower(float.det.model, [[1, 416, 416, 3]], isModel), { residuals: false }).outputs);
    const order = [...perTensor.keys()].filter((v) => !outs.has(v));
    console.log(
      `\n| detector values at 16 bits (of ${order.length}; the rest 8), int8 weights | first n: min IoU | median | ` +
        'last n: min IoU | median |\n|---|---:|---:|---:|---:|',
    );
    for (let n = 1; n < order.length; n++) {
      const first = new Set(order.slice(0, n)),
        last = new Set(order.slice(order.length - n));
      const at = (sixteen: Set<number>) =>
        snapped(() => score(simulated(float.det.model, (u) => 2 ** (sixteen.has(u) ? 16 : 8), false)));
      console.log(`| ${n} | ${at(first)} | ${at(last)} |`);
    }
  }
}

async function nsfw(): Promise<void> {
  const m = await loadNsfwjs('mobilenet_v2');
  const cal = await photoCrops(64, 1),
    test = await photoCrops(nCrops, 2);
  const k = 5,
    n = test.shape[0];
  const yf = m.predict(test).data;
  const argmax = (d: Float32Array, i: number) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + b]) b = j;
    return b;
  };
  const against = (y: Float32Array, ref = yf, rows = n) => {
    let agree = 0,
      e = 0;
    for (let i = 0; i < rows; i++) {
      if (argmax(y, i) === argmax(ref, i)) agree++;
      for (let j = 0; j < k; j++) e += Math.abs(y[i * k + j] - ref[i * k + j]);
    }
    return { agree, mean: e / rows / k };
  };
  const row = (what: string, y: Float32Array) => {
    const { agree, mean } = against(y);
    console.log(`| ${what} | ${agree} (${((100 * agree) / n).toFixed(1)}%) | ${mean.toFixed(4)} |`);
  };
  const margins = Array.from({ length: n }, (_, i) => {
    const p = Array.from(yf.slice(i * k, i * k + k)).sort((a, b) => b - a);
    return p[0] - p[1];
  });
  console.log(
    `\nnsfwjs MobileNetV2 on ${n} crops: float top-1 margin under 0.05 on ${margins.filter((x) => x < 0.05).length}, ` +
      `under 0.1 on ${margins.filter((x) => x < 0.1).length}`,
  );
  console.log(
    `\n| nsfwjs MobileNetV2 against float | top-1 agreement / ${n} | mean probability error |\n|---|---:|---:|`,
  );
  for (const amp of [0.5, 1, 2])
    row(`float, pixel noise ±${amp}/255`, m.predict(noisy(test, amp / 255, 1, 20 + 10 * amp)).data);
  const layers = kernelLayers(m);
  const first = m.layers.find((l) => l instanceof DepthwiseConv2D)!.name;
  row(
    'int8 weights, float activations',
    withInt8Weights(m, layers, () => m.predict(test).data),
  );
  row(
    `int8 weights but ${first}, float activations`,
    withInt8Weights(
      m,
      layers.filter((l) => l !== first),
      () => m.predict(test).data,
    ),
  );
  const plans: Array<[string, Omit<QuantizeOptions, 'calibration'>]> = [
    ['int8 plan', {}],
    ['int8 plan, bias-corrected', { biasCorrection: true }],
    [`int8 plan, ${first} float`, { skip: [first] }],
    [`int8 plan, ${first} float, bias-corrected`, { skip: [first], biasCorrection: true }],
    ["int8 plan, rounding: 'adaptive'", { rounding: 'adaptive' }],
    ["int8 plan, rounding: 'adaptive', bias-corrected", { rounding: 'adaptive', biasCorrection: true }],
  ];
  for (const [what, opts] of plans) {
    const t = performance.now();
    const q = quantize(m, { calibration: cal, ...opts });
    const secs = ((performance.now() - t) / 1000).toFixed(1);
    row(`${what} (quantize ${secs} s)`, q.predict(test).data);
    // its int8 weights in the float model: what the weights alone cost
    if (opts.rounding && !opts.biasCorrection)
      row(
        'its int8 weights, float activations',
        withWeightsOf(m, q, () => m.predict(test).data),
      );
  }
  // each layer's weights alone on the int8 grid, on the first 64 crops: the five that move the output most
  const few = new Tensor(test.data.slice(0, 64 * 224 * 224 * 3), [64, 224, 224, 3]);
  const yFew = yf.slice(0, 64 * k);
  // every helper above put the float weights back
  if (m.predict(few).data.some((v, i) => v !== yFew[i]))
    throw new Error('int8-sensitivity: float weights not restored');
  const each = layers
    .map((l) => ({
      l,
      e: against(
        withInt8Weights(m, [l], () => m.predict(few).data),
        yFew,
        64,
      ).mean,
    }))
    .sort((a, b) => b.e - a.e);
  console.log('\n| nsfwjs layer, its weights alone int8 | mean probability error, 64 crops |\n|---|---:|');
  for (const { l, e } of each.slice(0, 5)) console.log(`| ${l} | ${e.toFixed(4)} |`);
}

async function main(): Promise<void> {
  await init();
  if (!args.includes('--no-detector')) await detector();
  if (!args.includes('--no-nsfw')) await nsfw();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
