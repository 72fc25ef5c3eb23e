// Int8 post-training quantisation against the float inference plan, batch 1, by wall clock: MobileNetV2 (nsfwjs's
// pretrained weights) and ResNet-50 (the zoo's, seeded random weights) on 1 and 2 threads, float and int8 plans run
// interleaved in rounds so drift on a shared machine hits both alike; medians. Then the top-1 agreement of int8 with
// float on the nsfwjs net over square crops of the real photos face-api ships (examples/photos.ts), calibrated on
// other crops of the same photos.
// Run: node --import tsx bench/int8.ts [--rounds 15] [--models mobilenetv2,resnet50] [--crops 60] [--calibration 32]
import { init, backend, zoo, io, quantize, vision, Tensor } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { samplePhoto } from '../examples/photos';
import { seeded } from './util';
import { planBytes } from '../src/models/plan';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rounds = Number(flag('--rounds') ?? 15);
const models = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
const nCrops = Number(flag('--crops') ?? 60);
const nCal = Number(flag('--calibration') ?? 32);

const NETWORKS: Record<string, () => Promise<Model>> = {
  mobilenetv2: () => loadNsfwjs('mobilenet_v2'),
  resnet50: async () => zoo.resnet({ depth: 50, seed: 1 }),
};

/** n square crops (side 35-90% of the shorter edge, seeded positions) of the six photos, 224x224, pixels / 255. */
async function crops(n: number, seed: number): Promise<Tensor> {
  const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => io.readImage(samplePhoto(i), { channels: 3 })));
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = new Float32Array(n * 224 * 224 * 3);
  for (let i = 0; i < n; i++) {
    const p = photos[i % photos.length],
      [h, w] = p.shape;
    const side = Math.floor(Math.min(h, w) * (0.35 + 0.55 * rand()));
    const x = Math.floor(rand() * (w - side)),
      y = Math.floor(rand() * (h - side));
    const c = vision.resize(vision.crop(p, { x, y, width: side, height: side }), 224, 224);
    for (let j = 0; j < c.size; j++) out[i * c.size + j] = c.data[j] / 255;
  }
  return new Tensor(out, [n, 224, 224, 3]);
}

const argmax = (d: Float32Array, off: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[off + j] > d[off + b]) b = j;
  return b;
};

async function main(): Promise<void> {
  const info = await init();
  console.log(`backend ${info.kernel}, threads available ${info.threads}`);
  const calibration = await crops(nCal, 1);
  const rows: string[] = [];
  for (const name of models) {
    const m = await NETWORKS[name]();
    const t0 = performance.now();
    const q = quantize(m, { calibration });
    const quantMs = performance.now() - t0;
    const x = new Tensor(seeded(224 * 224 * 3, 1), [1, 224, 224, 3]);
    const times: Record<string, number[]> = {};
    for (const threads of [1, 2]) {
      backend.setThreads(threads);
      await init();
      m.predict(x);
      q.predict(x); // builds both plans for this thread count
      for (let r = 0; r < rounds; r++)
        for (const [impl, net] of [
          ['float', m],
          ['int8', q],
        ] as const) {
          const t = performance.now();
          net.predict(x);
          (times[`${impl}|${threads}`] ??= []).push(performance.now() - t);
        }
    }
    backend.setThreads(null);
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    for (const [impl, net] of [
      ['float', m],
      ['int8', q],
    ] as const) {
      const b = planBytes(net)!;
      console.log(
        `${name} ${impl} plan: arena ${mib(b.arena)} MiB, weights ${mib(b.weights)} MiB, scratch ${mib(b.scratch)} MiB`,
      );
    }
    for (const threads of [1, 2]) {
      const f = median(times[`float|${threads}`]),
        i8 = median(times[`int8|${threads}`]);
      rows.push(`| ${name} | ${threads} | ${f.toFixed(1)} | ${i8.toFixed(1)} | ${(f / i8).toFixed(2)}x | ${rounds} |`);
    }
    console.log(
      `${name}: quantize() took ${quantMs.toFixed(0)} ms (calibration ${nCal} crops); ` +
        `int8 layers ${q.quantization.int8.length}, float ${q.quantization.float.length}`,
    );
    if (name === 'mobilenetv2') {
      const test = await crops(nCrops, 2);
      const yf = m.predict(test),
        yq = q.predict(test);
      const k = yf.shape[1];
      let agree = 0,
        maxDiff = 0;
      for (let i = 0; i < nCrops; i++) {
        if (argmax(yf.data, i * k, k) === argmax(yq.data, i * k, k)) agree++;
        for (let j = 0; j < k; j++) maxDiff = Math.max(maxDiff, Math.abs(yf.data[i * k + j] - yq.data[i * k + j]));
      }
      console.log(
        `mobilenetv2 top-1 agreement int8 vs float: ${agree}/${nCrops} crops; ` +
          `largest probability difference ${maxDiff.toFixed(3)}`,
      );
    }
  }
  console.log('\n| model | threads | float plan ms | int8 plan ms | speed-up | rounds |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
