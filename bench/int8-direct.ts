// Where qconvDirect (int8 direct convolution, i16 path) stops beating im2col + the int8 GEMM tile: one 3x3 'same'
// conv to 16 channels (--out) with leaky ReLU (as the face detector's stem) on a 208x208 (--side) input of C channels,
// then a 2x2 max pool and
// a 1x1 head (so the conv stores uint8, as in a network), quantised twice; one plan built with every 2D int8 conv
// direct (CONVKIT_INT8_DIRECT=all), the other with none (=0); batch 1, one thread, interleaved rounds, medians.
// Run: node --import tsx bench/int8-direct.ts [--rounds 15] [--channels 1,2,3,4,6,8,16] [--side 208] [--out 16]
import { init, backend, layers, model, quantize, Tensor } from '../src';
import type { Model } from '../src';
import { median, seeded } from './util';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 15);
const channels = (flag('--channels') ?? '1,2,3,4,6,8,16').split(',').map(Number);
const SIDE = Number(flag('--side') ?? 208),
  OUT = Number(flag('--out') ?? 16);

function net(c: number): Model {
  const x = layers.input({ shape: [SIDE, SIDE, c] });
  let h = layers.conv2d({ filters: OUT, kernelSize: 3, padding: 'same', seed: 1 }).apply(x);
  h = layers.leakyReLU({ alpha: 0.1 }).apply(h);
  h = layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(h);
  const y = layers.conv2d({ filters: 8, kernelSize: 1, seed: 2 }).apply(h);
  return model({ inputs: x, outputs: y as never });
}

async function main(): Promise<void> {
  backend.setThreads(1);
  const info = await init();
  console.log(`backend ${info.kernel}, 1 thread, ${SIDE}x${SIDE}xC -> ${OUT}, 3x3 same, leaky ReLU`);
  console.log('\n| input channels | im2col + GEMM ms | direct ms | im2col / direct |\n|---:|---:|---:|---:|');
  for (const c of channels) {
    const m = net(c),
      cal = new Tensor(seeded(4 * SIDE * SIDE * c, 1), [4, SIDE, SIDE, c]),
      x = new Tensor(seeded(SIDE * SIDE * c, 2), [1, SIDE, SIDE, c]);
    const impls: Array<[string, Model]> = [
      ['0', quantize(m, { calibration: cal })],
      ['all', quantize(m, { calibration: cal })],
    ];
    // each plan is built under its switch, then warm-up
    for (const [env, q] of impls) {
      process.env.CONVKIT_INT8_DIRECT = env;
      q.predict(x);
      delete process.env.CONVKIT_INT8_DIRECT;
      for (let i = 0; i < 5; i++) q.predict(x);
    }
    const t: number[][] = [[], []];
    for (let r = 0; r < rounds; r++)
      for (let j = 0; j < 2; j++) {
        const i = (r + j) % 2,
          s = performance.now();
        impls[i][1].predict(x);
        t[i].push(performance.now() - s);
      }
    const [a, b] = t.map(median);
    const [ya, yb] = impls.map(([, q]) => q.predict(x).data);
    const same = ya.every((v, i) => v === yb[i]);
    if (!same) throw new Error(`direct and im2col differ at ${c} channels`);
    console.log(`| ${c} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x |`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
