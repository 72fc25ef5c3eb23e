// Cross-layer equalisation tried on face-api's tiny face detector before quantize() (a scratch study for issue #22's
// box IoU target, not built into quantize): each depthwise conv's output channel c scaled by t_c and the pointwise
// conv after it (no activation between, so the float model is unchanged) reading row c scaled by 1 / t_c, with
// t_c = 1 / a_c ('act': every channel spans the same range) or sqrt(w_c / a_c) ('sqrt': activation and weight ranges
// balanced, Nagel et al. 2019's rule with the activation range in place of the first layer's weights); a_c is channel
// c's min/max range on the calibration inputs, w_c the largest |weight| of the pointwise conv's row c. Calibrated on
// demo photos 1-3, box IoU against the float detector on all six.
// Run: node --import tsx bench/int8-equalise.ts
import { init, backend, quantize, detect, Tensor } from '../src';
import type { Variable } from '../src/autograd';
import { Model } from '../src/models/model';
import { lower } from '../src/models/plan/lower';
import { fuse } from '../src/models/plan/fuse';
import { WasmPlan } from '../src/models/plan/run';
import { modelFromConfig } from '../src/models/config';
import { floatFaceNets, networkInputs, readPhotos } from '../examples/data/face-int8';
import type { Layer } from '../src/layers';

const isModel = (l: Layer): l is Model => l instanceof Model;
type Kernel = Layer & { kernel: Variable; bias: Variable | null };

async function main(): Promise<void> {
  await init();
  const photos = await readPhotos();
  const float = await floatFaceNets();
  const cal = networkInputs(float, photos.slice(0, 3)).det,
    held = networkInputs(float, photos).det;
  const src = float.det.model;
  const want = photos.map((img) => float.det.detect(img, { inputSize: 416, scoreThreshold: 0.5 }));

  // each layer's per-channel range (max - min, 0 included) on the calibration inputs, float plan
  const p = fuse(lower(src, [cal.shape], isModel), { residuals: false });
  const plan = new WasmPlan(backend.module('wasm-simd')!, p);
  const ranges = new Map<string, Float64Array>();
  plan.run([cal.data], (i, y) => {
    const s = p.steps[i];
    if ((s.kind !== 'conv' && s.kind !== 'depthwise') || !s.layer) return;
    const n = p.values[s.y].shape[p.values[s.y].shape.length - 1];
    const lo = new Float64Array(n),
      hi = new Float64Array(n);
    for (let j = 0; j < y.length; j++) {
      lo[j % n] = Math.min(lo[j % n], y[j]);
      hi[j % n] = Math.max(hi[j % n], y[j]);
    }
    ranges.set(
      s.layer,
      hi.map((h, c) => h - lo[c]),
    );
  });
  plan.release();

  const copy = (): Model => {
    const c = modelFromConfig({ class_name: src.className, config: src.getConfig() }) as Model;
    c.weights.forEach((w, i) => w.assign(new Tensor(src.weights[i].data.slice(), [...src.weights[i].shape])));
    return c;
  };
  const layer = (m: Model, name: string) => m.layers.find((l) => l.name === name) as Kernel;
  /** The detector with pairs (depthwise_conv2d_i, conv2d_{i+1}) equalised. */
  const equalise = (mode: 'act' | 'sqrt', pairs: number[]): Model => {
    const m = copy();
    for (const i of pairs) {
      const dw = layer(m, i === 0 ? 'depthwise_conv2d' : `depthwise_conv2d_${i}`),
        pw = layer(m, `conv2d_${i + 1}`);
      const a = ranges.get(dw.name)!,
        C = a.length,
        F = pw.kernel.shape[3];
      const k = pw.kernel.data.slice(),
        dk = dw.kernel.data.slice();
      const t = Float64Array.from(a, (ac, c) => {
        let w = 0;
        for (let f = 0; f < F; f++) w = Math.max(w, Math.abs(k[c * F + f]));
        return mode === 'act' ? 1 / ac : Math.sqrt(w / ac);
      });
      for (let j = 0; j < dk.length; j++) dk[j] *= t[j % C];
      for (let j = 0; j < k.length; j++) k[j] /= t[Math.floor(j / F)];
      dw.kernel.assign(new Tensor(dk, [...dw.kernel.shape]));
      if (dw.bias)
        dw.bias.assign(
          new Tensor(
            dw.bias.data.map((b, c) => b * t[c]),
            [C],
          ),
        );
      pw.kernel.assign(new Tensor(k, [...pw.kernel.shape]));
    }
    return m;
  };

  const yf = src.predict(held).data;
  console.log(
    '| detector | float drift | min IoU, 6 photos | min IoU, photos 1-3 | min IoU, photos 4-6 | median IoU | faces < 0.95 | worst face |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  const row = (name: string, fm: Model) => {
    const q = quantize(fm, { calibration: cal });
    const det = Object.assign(Object.create(Object.getPrototypeOf(float.det)), float.det, { model: q });
    const r = photos.map((img, k) => {
      const got = det.detect(img, { inputSize: 416, scoreThreshold: 0.5 }) as detect.Face[];
      return want[k].map((f) => Math.max(0, ...got.map((g) => detect.iou(g.box, f.box))));
    });
    const all = r.flat().sort((a, b) => a - b);
    const k = r.findIndex((v) => v.includes(all[0])),
      f = want[k][r[k].indexOf(all[0])];
    const drift = fm.predict(held).data.reduce((e, v, i) => Math.max(e, Math.abs(v - yf[i])), 0);
    const min = (x: number[]) => Math.min(...x).toFixed(4);
    console.log(
      `| ${name} | ${drift.toExponential(1)} | ${min(all)} | ${min(r.slice(0, 3).flat())} | ${min(r.slice(3).flat())} | ` +
        `${all[all.length >> 1].toFixed(4)} | ${all.filter((v) => v < 0.95).length} | photo ${k + 1}, ` +
        `${Math.round(f.box.w * photos[k].shape[1])}x${Math.round(f.box.h * photos[k].shape[0])} px |`,
    );
  };
  row('plain int8', copy());
  for (const mode of ['act', 'sqrt'] as const)
    for (const pairs of [[4], [3, 4], [2, 3, 4], [0, 1, 2, 3, 4]])
      row(`${mode}, pairs ${pairs.join(',')}`, equalise(mode, pairs));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
