// face-api's nets quantised (examples/data/face-int8.ts, calibrated on demo photos 1-3): their answers against the
// float nets on all six photos, then each net's float plan against its int8 plan, batch 1, by wall clock, on 1 and 2
// threads, interleaved in rounds (medians): the tiny face detector at 416x416, the 68-point landmark net at 112x112
// and the 128-d recogniser at 150x150, each on a real input of its own (photo 4, its first face).
// Run: node --import tsx bench/face-int8.ts [--rounds 15] [--skip det:a,b;rec:c]
import { init, backend, Tensor } from '../src';
import type { Model } from '../src';
import { median } from './util';
import {
  compareFaceNets,
  floatFaceNets,
  networkInputs,
  quantizeFaceNets,
  readPhotos,
  type FaceNets,
} from '../examples/data/face-int8';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 15);
// --skip det:conv2d_5,conv2d_6;rec:... keeps those layers float
const skip = Object.fromEntries(
  (flag('--skip') ?? '')
    .split(';')
    .filter(Boolean)
    .map((s) => [s.split(':')[0], s.split(':')[1].split(',')]),
) as Partial<Record<keyof FaceNets, string[]>>;

async function main(): Promise<void> {
  const info = await init();
  console.log(`backend ${info.kernel}, threads available ${info.threads}`);
  const photos = await readPhotos();
  const float = await floatFaceNets();
  const { int8, models } = quantizeFaceNets(float, photos.slice(0, 3), skip);
  for (const [k, q] of Object.entries(models))
    console.log(`${k}: int8 layers ${q.quantization.int8.length}, float ${q.quantization.float.join(', ') || 'none'}`);
  const r = compareFaceNets(float, int8, photos);
  console.log(
    `${r.faces} faces; photos with other faces: ${r.mismatched.join(', ') || 'none'}; detector box IoU min ` +
      `${r.minIou.toFixed(4)}; landmarks max error ${(100 * r.maxLandmark).toFixed(2)}% of the face; descriptor ` +
      `distance max ${r.maxDescriptor.toFixed(4)} (recogniser alone), ${r.maxPipelineDescriptor.toFixed(4)} ` +
      `(whole int8 pipeline: its landmarks move the aligned crops)`,
  );
  const one = (t: Tensor, i: number) => {
    const per = t.size / t.shape[0];
    return new Tensor(t.data.slice(i * per, (i + 1) * per), [1, ...t.shape.slice(1)]);
  };
  // photo 4 is not a calibration photo; its detector input, and the first face's crops
  const held = networkInputs(float, [photos[3]]);
  const nets: Array<[string, Model, Model, Tensor]> = [
    ['detector 416', float.det.model, models.det, held.det],
    ['landmarks 112', float.lm.model, models.lm, one(held.lm, 0)],
    ['recogniser 150', float.rec.model, models.rec, one(held.rec, 0)],
  ];
  const rows: string[] = [];
  for (const threads of [1, 2]) {
    backend.setThreads(threads);
    await init();
    const times: Record<string, number[]> = {};
    // one untimed round builds the plans for this thread count; the order alternates per round
    for (let r = -1; r < rounds; r++)
      for (const [name, f, q, x] of nets) {
        const pair = [['float', f] as const, ['int8', q] as const];
        for (const [impl, m] of r % 2 ? pair.reverse() : pair) {
          const t = performance.now();
          m.predict(x);
          if (r >= 0) (times[`${name}|${impl}|${threads}`] ??= []).push(performance.now() - t);
        }
      }
    for (const [name] of nets) {
      const f = median(times[`${name}|float|${threads}`]),
        i8 = median(times[`${name}|int8|${threads}`]);
      rows.push(`| ${name} | ${threads} | ${f.toFixed(2)} | ${i8.toFixed(2)} | ${(f / i8).toFixed(2)}x |`);
    }
  }
  backend.setThreads(null);
  console.log('\n| net | threads | float plan ms | int8 plan ms | float / int8 |\n|---|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().then(
  // worker threads keep the event loop alive
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
