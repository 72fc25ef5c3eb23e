// quantize's activations: 'int16' (TensorFlow Lite's 16x8 mode: int8 weights, symmetric int16 activations) against
// the 8-bit plan and the float plan on real nets. First the answers: nsfwjs's MobileNetV2, top-1 agreement with float
// over square crops of the real photos face-api ships (examples/photos.ts), calibrated on 32 other crops, for uint8
// and int16 activations with nearest or adaptive rounding, with and without bias correction. Then the speed, batch 1
// at 224x224, by wall clock on 1 and 2 threads, the three plans interleaved in rounds (the starting one rotating),
// medians: MobileNetV2 (nsfwjs) and ResNet-50 (the zoo's, seeded random weights); on 1 thread ONNX Runtime Web runs
// the int16 model's QDQ export in the same rounds (ORT fixes its threads when its wasm starts, so only there). The
// face-api detector's numbers come from bench/face-int8.ts --int16.
// It first prints the runtime and what the dot-product probe finds (int8 plans use the relaxed dot path where it is
// exact), and with the speed rounds the fewest levels the overflow guard left any int16 value.
// Run: node --import tsx bench/int16.ts [--crops 2000] [--rounds 15] [--no-accuracy] [--no-speed]
import * as ort from 'onnxruntime-web';
import { init, backend, io, zoo, quantize, Tensor } from '../src';
import type { Model, QuantizeOptions } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { photoCrops } from '../examples/photos';
import { median, seeded } from './util';
import { narrowestInt16 } from './int16-limits';
import { dotArithmetic } from '../src/backend/wasm/int8';
import { configureOrt } from './ort';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const nCrops = Number(flag('--crops') ?? 2000),
  rounds = Number(flag('--rounds') ?? 15);

const argmax = (d: Float32Array, off: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[off + j] > d[off + b]) b = j;
  return b;
};

type Variant = Pick<QuantizeOptions, 'activations' | 'rounding' | 'biasCorrection'>;
const VARIANTS: Variant[] = [
  { activations: 'uint8', rounding: 'nearest' },
  { activations: 'uint8', rounding: 'adaptive', biasCorrection: true },
  { activations: 'int16', rounding: 'nearest' },
  { activations: 'int16', rounding: 'adaptive' },
  { activations: 'int16', rounding: 'adaptive', biasCorrection: true },
];

async function accuracy(): Promise<void> {
  const m = await loadNsfwjs('mobilenet_v2');
  const cal = await photoCrops(32, 1),
    test = await photoCrops(nCrops, 2);
  const yf = m.predict(test),
    k = yf.shape[1];
  console.log(
    `\n| nsfwjs MobileNetV2 | top-1 agreement / ${nCrops} | relative error | quantize s |\n|---|---:|---:|---:|`,
  );
  for (const v of VARIANTS) {
    const t = performance.now();
    const q = quantize(m, { calibration: cal, ...v });
    const secs = (performance.now() - t) / 1000;
    const yq = q.predict(test);
    let agree = 0,
      e = 0,
      s = 0;
    for (let i = 0; i < nCrops; i++) if (argmax(yf.data, i * k, k) === argmax(yq.data, i * k, k)) agree++;
    for (let i = 0; i < yf.size; i++) [e, s] = [e + (yf.data[i] - yq.data[i]) ** 2, s + yf.data[i] ** 2];
    const name = `${v.activations}, ${v.rounding} rounding${v.biasCorrection ? ', bias-corrected' : ''}`;
    console.log(`| ${name} | ${agree} | ${Math.sqrt(e / s).toFixed(4)} | ${secs.toFixed(1)} |`);
  }
}

/** ONNX Runtime Web (1 thread) on a model's bytes: a runner for input x. */
async function ortRunner(bytes: Uint8Array, x: Tensor): Promise<() => Promise<unknown>> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  return () => s.run(feeds);
}

async function speed(): Promise<void> {
  configureOrt(1);
  const nets: Array<[string, Model]> = [
    ['MobileNetV2', await loadNsfwjs('mobilenet_v2')],
    ['ResNet-50', zoo.resnet({ depth: 50, seed: 1 })],
  ];
  const cal = await photoCrops(16, 1),
    x = new Tensor(seeded(224 * 224 * 3, 1), [1, 224, 224, 3]);
  const rows: string[] = [];
  for (const [name, m] of nets) {
    const u8 = quantize(m, { calibration: cal }),
      q16 = quantize(m, { calibration: cal, activations: 'int16' });
    const plans: Array<[string, () => Promise<unknown>]> = [
      ['float', async () => m.predict(x)],
      ['uint8', async () => u8.predict(x)],
      ['int16', async () => q16.predict(x)],
    ];
    const ortQdq = await ortRunner(await io.saveOnnx(q16), x);
    console.log(`${name}: fewest int16 levels of any value ${narrowestInt16(q16, [...x.shape])}`);
    for (const threads of [1, 2]) {
      backend.setThreads(threads);
      await init();
      const impls = threads === 1 ? [...plans, ['ORT', ortQdq] as [string, () => Promise<unknown>]] : plans;
      const times: Record<string, number[]> = {};
      for (let r = -2; r < rounds; r++)
        for (let i = 0; i < impls.length; i++) {
          const [impl, run] = impls[(i + r + 2) % impls.length];
          const t = performance.now();
          await run();
          if (r >= 0) (times[impl] ??= []).push(performance.now() - t);
        }
      const [f, q8, i16] = plans.map(([impl]) => median(times[impl]));
      const o = threads === 1 ? median(times.ORT).toFixed(1) : '-';
      rows.push(
        `| ${name} | ${threads} | ${f.toFixed(1)} | ${q8.toFixed(1)} | ${i16.toFixed(1)} | ${o} | ` +
          `${(f / q8).toFixed(2)}x | ${(f / i16).toFixed(2)}x |`,
      );
    }
  }
  backend.setThreads(null);
  console.log(
    '\n| net, batch 1 | threads | float ms | uint8 ms | int16 ms | ORT int16 QDQ ms | float / uint8 | float / int16 |\n' +
      '|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) console.log(r);
}

/** What the relaxed build's int8 dot product computes here (the probe int8 plans consult at load). */
function dotProbe(): string {
  try {
    const mod = backend.module('wasm-relaxed-simd');
    return mod ? `relaxed dot product: ${dotArithmetic(mod)}` : 'no relaxed SIMD build';
  } catch {
    return 'no relaxed SIMD build';
  }
}

async function main(): Promise<void> {
  const info = await init();
  console.log(`${process.version}, backend ${info.kernel}, threads available ${info.threads}, ${dotProbe()}`);
  if (!args.includes('--no-accuracy')) await accuracy();
  if (!args.includes('--no-speed')) await speed();
}

main().then(
  // worker threads keep the event loop alive
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
