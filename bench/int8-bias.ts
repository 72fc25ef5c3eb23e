// Bias correction (quantize's biasCorrection) against plain int8, on real nets: face-api's three nets (calibrated on
// demo photos 1-3, checked on all six: box IoU with the float detector, landmarks, descriptors) and nsfwjs's
// MobileNetV2 (top-1 agreement and probability error over square crops of the six photos, calibrated on other crops);
// then, for the detector, each layer quantised alone (the others float): which layers move the boxes.
// Each plain and bias-corrected, with min/max ranges and with quantize's ranges: 'mse'.
// Run: node --import tsx bench/int8-bias.ts [--crops 200] [--calibration 32] [--no-layers] [--no-nsfw] [--no-face]
import { init, detect, face, quantize } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { photoCrops } from '../examples/photos';
import {
  compareFaceNets,
  floatFaceNets,
  networkInputs,
  readPhotos,
  withModel,
  type FaceNets,
} from '../examples/data/face-int8';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const nCrops = Number(flag('--crops') ?? 200),
  nCal = Number(flag('--calibration') ?? 32);

/** Range choice and bias correction, each way. */
const VARIANTS: Array<['minmax' | 'mse', boolean]> = [
  ['minmax', false],
  ['minmax', true],
  ['mse', false],
  ['mse', true],
];
const label = (ranges: string, bc: boolean) => `${ranges}${bc ? ', bias-corrected' : ''}`;

const argmax = (d: Float32Array, off: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[off + j] > d[off + b]) b = j;
  return b;
};

async function main(): Promise<void> {
  await init();
  const photos = await readPhotos();
  const float = await floatFaceNets();
  const cal = networkInputs(float, photos.slice(0, 3));
  // each float face's best int8 IoU, per photo (the detector alone)
  const want = photos.map((img) => float.det.detect(img, { inputSize: 416, scoreThreshold: 0.5 }));
  const ious = (det: Model) =>
    photos.map((img, k) => {
      const got = withModel(float.det, det).detect(img, { inputSize: 416, scoreThreshold: 0.5 });
      return want[k].map((f) => Math.max(0, ...got.map((g) => detect.iou(g.box, f.box))));
    });
  const iouRow = (r: number[][]) => {
    const all = r.flat().sort((a, b) => a - b);
    const min = (x: number[]) => Math.min(...x).toFixed(4);
    return `${min(all)} | ${min(r.slice(0, 3).flat())} | ${min(r.slice(3).flat())} | ${all[all.length >> 1].toFixed(4)} | ${all.filter((x) => x < 0.95).length}`;
  };

  console.log(
    '| face nets | min IoU, 6 photos | min IoU, photos 1-3 | min IoU, photos 4-6 | median IoU | faces < 0.95 | landmarks max % | descriptor max | quantize s |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [ranges, bc] of args.includes('--no-face') ? [] : VARIANTS) {
    const t = performance.now();
    const q = {
      det: quantize(float.det.model, { calibration: cal.det, biasCorrection: bc, ranges }),
      lm: quantize(float.lm.model, { calibration: cal.lm, biasCorrection: bc, ranges }),
      rec: quantize(float.rec.model, { calibration: cal.rec, biasCorrection: bc, ranges }),
    };
    const secs = (performance.now() - t) / 1000;
    const int8: FaceNets = {
      det: withModel(float.det, q.det),
      lm: withModel(float.lm, q.lm),
      rec: new face.FaceRecognitionNet(q.rec),
    };
    const r = compareFaceNets(float, int8, photos);
    console.log(
      `| ${label(ranges, bc)} | ${iouRow(ious(q.det))} | ${(100 * r.maxLandmark).toFixed(2)} | ` +
        `${r.maxDescriptor.toFixed(4)} | ${secs.toFixed(1)} |` +
        (r.faces !== 20 || r.mismatched.length ? ` faces ${r.faces}, mismatched ${r.mismatched.join(' ')}` : ''),
    );
  }

  if (!args.includes('--no-layers') && !args.includes('--no-face')) {
    // the detector with one layer int8: its head's error against float (RMS over RMS, the six photos' inputs) and IoU
    const x = networkInputs(float, photos).det;
    const yf = float.det.model.predict(x).data;
    const layers = quantize(float.det.model, { calibration: cal.det }).quantization.int8;
    console.log(
      '\n| detector, int8 layer | head rel. RMS error | min IoU, 6 photos | min IoU, photos 1-3 | min IoU, photos 4-6 | median IoU | faces < 0.95 |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const only of [...layers, 'all']) {
      const q = quantize(float.det.model, {
        calibration: cal.det,
        skip: only === 'all' ? [] : layers.filter((l) => l !== only),
      });
      const yq = q.predict(x).data;
      let e = 0,
        s = 0;
      for (let i = 0; i < yf.length; i++) {
        e += (yf[i] - yq[i]) ** 2;
        s += yf[i] ** 2;
      }
      console.log(`| ${only} | ${Math.sqrt(e / s).toFixed(4)} | ${iouRow(ious(q))} |`);
    }
  }

  if (!args.includes('--no-nsfw')) {
    const m = await loadNsfwjs('mobilenet_v2');
    const calX = await photoCrops(nCal, 1),
      test = await photoCrops(nCrops, 2);
    const yf = m.predict(test),
      k = yf.shape[1];
    console.log(
      `\n| nsfwjs MobileNetV2, ${nCal} calibration crops | top-1 agreement / ${nCrops} | largest probability error | mean probability error | quantize s |`,
    );
    console.log('|---|---:|---:|---:|---:|');
    for (const [ranges, bc] of VARIANTS) {
      const t = performance.now();
      const q = quantize(m, { calibration: calX, biasCorrection: bc, ranges });
      const secs = (performance.now() - t) / 1000;
      const yq = q.predict(test);
      let agree = 0,
        max = 0,
        sum = 0;
      for (let i = 0; i < nCrops; i++) {
        if (argmax(yf.data, i * k, k) === argmax(yq.data, i * k, k)) agree++;
        for (let j = 0; j < k; j++) {
          const d = Math.abs(yf.data[i * k + j] - yq.data[i * k + j]);
          [max, sum] = [Math.max(max, d), sum + d];
        }
      }
      console.log(
        `| ${label(ranges, bc)} | ${agree} | ${max.toFixed(3)} | ${(sum / nCrops / k).toFixed(4)} | ${secs.toFixed(1)} |`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
