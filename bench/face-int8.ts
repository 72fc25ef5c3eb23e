// face-api's nets quantised (examples/data/face-int8.ts, calibrated on demo photos 1-3): their answers against the
// float nets on all six photos, then each net's float plan against its int8 plan, batch 1, by wall clock, on 1 and 2
// threads, interleaved in rounds (medians): the tiny face detector at 416x416, the 68-point landmark net at 112x112
// and the 128-d recogniser at 150x150, each on a real input of its own (photo 4, its first face).
// Run: node --import tsx bench/face-int8.ts [--rounds 15] [--skip det:a,b;rec:c] [--before] [--stem-float] [--im2col]
// [--int16]
// (--before: the detector's int8 plan with leaky ReLU and max pooling float too, as before they ran int8;
// --stem-float: its first conv float; --im2col: its stem on im2col + GEMM instead of qconvDirect
// (CONVKIT_INT8_DIRECT=0); --int16: the detector with int16 activations (16x8), and the landmark and recogniser
// nets' answers with int16 activations too; each timed in the same rounds, with its box IoU against float)
import { init, backend, Tensor } from '../src';
import type { Model } from '../src';
import { median } from './util';
import { narrowestInt16 } from './int16-limits';
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
  // the detector's extra int8 plans: --before keeps leaky ReLU and max pooling float (CONVKIT_INT8_ACT=0, as before
  // they ran int8), --stem-float keeps its first conv float (quantize's skip)
  const det: Array<[string, Model, Record<string, string>]> = [['int8', models.det, {}]];
  const variant = (
    name: string,
    sk: typeof skip,
    env: Record<string, string>,
    options?: Parameters<typeof quantizeFaceNets>[3],
  ) => {
    const v = quantizeFaceNets(float, photos.slice(0, 3), sk, options);
    Object.assign(process.env, env);
    console.log(`detector ${name}: box IoU min ${compareFaceNets(float, v.int8, photos).minIou.toFixed(4)}`);
    for (const k of Object.keys(env)) delete process.env[k];
    det.push([name, v.models.det, env]);
  };
  if (args.includes('--before')) variant('int8 before', skip, { CONVKIT_INT8_ACT: '0' });
  if (args.includes('--im2col')) variant('int8, stem im2col', skip, { CONVKIT_INT8_DIRECT: '0' });
  if (args.includes('--int16')) {
    const all = { activations: 'int16' } as const;
    const v = quantizeFaceNets(float, photos.slice(0, 3), skip, { det: all, lm: all, rec: all });
    const r16 = compareFaceNets(float, v.int8, photos);
    console.log(
      `int16 activations: photos with other faces: ${r16.mismatched.join(', ') || 'none'}; box IoU min ` +
        `${r16.minIou.toFixed(4)}; landmarks max error ${(100 * r16.maxLandmark).toFixed(2)}%; descriptor distance ` +
        `max ${r16.maxDescriptor.toFixed(4)} (recogniser alone), ${r16.maxPipelineDescriptor.toFixed(4)} (pipeline); ` +
        `fewest int16 levels of any detector value ${narrowestInt16(v.models.det, [1, 416, 416, 3])}`,
    );
    det.push(['int16 activations', v.models.det, {}]);
  }
  if (args.includes('--stem-float')) {
    const first = float.det.model.layers.find((l) => l.className === 'Conv2D')!.name;
    variant('int8 stem float', { ...skip, det: [...(skip.det ?? []), first] }, {});
  }
  const nets: Array<[string, Array<[string, Model, Record<string, string>]>, Tensor]> = [
    ['detector 416', [['float', float.det.model, {}], ...det], held.det],
    [
      'landmarks 112',
      [
        ['float', float.lm.model, {}],
        ['int8', models.lm, {}],
      ],
      one(held.lm, 0),
    ],
    [
      'recogniser 150',
      [
        ['float', float.rec.model, {}],
        ['int8', models.rec, {}],
      ],
      one(held.rec, 0),
    ],
  ];
  const rows: string[] = [];
  for (const threads of [1, 2]) {
    backend.setThreads(threads);
    await init();
    const times: Record<string, number[]> = {};
    // one untimed round builds the plans for this thread count (each with its environment); the order alternates
    for (let r = -1; r < rounds; r++)
      for (const [name, impls, x] of nets)
        for (const [impl, m, env] of r % 2 ? [...impls].reverse() : impls) {
          if (r < 0) Object.assign(process.env, env);
          const t = performance.now();
          m.predict(x);
          if (r >= 0) (times[`${name}|${impl}|${threads}`] ??= []).push(performance.now() - t);
          for (const k of Object.keys(env)) delete process.env[k];
        }
    for (const [name, impls] of nets) {
      const f = median(times[`${name}|float|${threads}`]);
      for (const [impl] of impls.slice(1)) {
        const i8 = median(times[`${name}|${impl}|${threads}`]);
        rows.push(`| ${name} | ${impl} | ${threads} | ${f.toFixed(2)} | ${i8.toFixed(2)} | ${(f / i8).toFixed(2)}x |`);
      }
    }
  }
  backend.setThreads(null);
  console.log(
    '\n| net | int8 plan | threads | float plan ms | int8 plan ms | float / int8 |\n|---|---|---|---:|---:|---:|',
  );
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
