// Int8 residual adds against float ones inside the int8 plan, Node, batch 1, wall clock: the same quantised
// MobileNetV2 (nsfwjs) and ResNet-50 (zoo, seeded) with every add kept float behind dequantize / quantize steps
// (CONVKIT_INT8_ADD=0 while its plan is built) and with the int8 adds, plus the float plan for the float / int8
// ratio; the three interleaved in rounds (starting one rotating), medians. Calibration on seeded images (speed does
// not depend on the ranges).
// Run: node --import tsx bench/int8-add.ts [--rounds 9] [--models mobilenetv2,resnet50] [--threads 1,2]
import { init, backend, zoo, quantize, Tensor } from '../src';
import type { Model } from '../src';
import { restoreQuantized } from '../src/quantize';
import { loadNsfwjs } from '../src/io/pretrained';
import { median, seeded } from './util';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 9);
const models = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
const threadCounts = (flag('--threads') ?? '1,2').split(',').map(Number);

const NETWORKS: Record<string, () => Promise<Model>> = {
  mobilenetv2: () => loadNsfwjs('mobilenet_v2'),
  resnet50: async () => zoo.resnet({ depth: 50, seed: 1 }),
};
const IMPLS = ['float plan', 'int8, float adds', 'int8, int8 adds'] as const;

async function main(): Promise<void> {
  await init();
  const rows: string[] = [];
  for (const name of models) {
    const m = await NETWORKS[name]();
    const image = (n: number, s: number) => new Tensor(seeded(n * 224 * 224 * 3, s), [n, 224, 224, 3]);
    const on = quantize(m, { calibration: image(4, 1) });
    const off = restoreQuantized(on, on.saved, 'bench');
    const x = image(1, 2);
    for (const threads of threadCounts) {
      backend.setThreads(threads);
      await init();
      const run: Record<(typeof IMPLS)[number], () => Float32Array> = {
        'float plan': () => m.predict(x).data,
        'int8, float adds': () => off.predict(x).data,
        'int8, int8 adds': () => on.predict(x).data,
      };
      // the plans are built here, the float-add one with the switch on; then warm-up
      process.env.CONVKIT_INT8_ADD = '0';
      run['int8, float adds']();
      delete process.env.CONVKIT_INT8_ADD;
      for (const impl of IMPLS) for (let i = 0; i < 3; i++) run[impl]();
      const t: Record<string, number[]> = Object.fromEntries(IMPLS.map((i) => [i, []]));
      for (let r = 0; r < rounds; r++)
        for (let j = 0; j < IMPLS.length; j++) {
          const impl = IMPLS[(r + j) % IMPLS.length],
            s = performance.now();
          run[impl]();
          t[impl].push(performance.now() - s);
        }
      const [f, a, b] = IMPLS.map((i) => median(t[i]));
      const row =
        `| ${name} | ${threads} | ${f.toFixed(1)} | ${a.toFixed(1)} | ${b.toFixed(1)} | ` +
        `${(f / a).toFixed(2)}x | ${(f / b).toFixed(2)}x | ${(a / b).toFixed(2)}x |`;
      console.log(row);
      rows.push(row);
    }
    backend.setThreads(null);
  }
  const head = ['model', 'threads', 'float plan ms', 'int8, float adds ms', 'int8, int8 adds ms'];
  console.log(`\n| ${head.join(' | ')} | float / int8 (float adds) | float / int8 (int8 adds) | float / int8 adds |`);
  for (const r of rows) console.log(r);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
