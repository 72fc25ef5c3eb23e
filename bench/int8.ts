// Int8 post-training quantisation against the float inference plan and against ONNX Runtime Web, batch 1, by wall
// clock: MobileNetV2 (nsfwjs's pretrained weights) and ResNet-50 (the zoo's, seeded random weights) on 1 and 2
// threads. ORT fixes its thread count when its wasm starts, so each thread count runs in a child process of its own
// (`--child`), which times five things interleaved in rounds (the starting one rotating, so drift and ORT's spinning
// worker threads hit all alike), medians: convkit's float plan, its int8 plan, ORT on convkit's float export
// (io.saveOnnx), ORT on its QDQ export in the default exact form ('ORT QDQ exact') and in the 'fused' form ('ORT QDQ':
// every value between layers quantised, as ORT's own quantiser writes it, so ORT runs QLinearConv / QLinearAdd / QGemm
// throughout). Each child first checks ORT's outputs against convkit's on the timed input. Then the top-1 agreement
// of int8 with float on the nsfwjs net over square crops of the real photos face-api ships (examples/photos.ts),
// calibrated on other crops of the same photos.
// Run: node --import tsx bench/int8.ts [--rounds 15] [--models mobilenetv2,resnet50] [--crops 60] [--calibration 32]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { init, backend, zoo, io, quantize, Tensor } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { photoCrops } from '../examples/photos';
import { median, seeded } from './util';
import { planBytes } from '../src/models/plan';
import { configureOrt, ortFusions, ORT_VERSION } from './ort';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 15);
const models = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
const nCrops = Number(flag('--crops') ?? 60);
const nCal = Number(flag('--calibration') ?? 32);

const NETWORKS: Record<string, () => Promise<Model>> = {
  mobilenetv2: () => loadNsfwjs('mobilenet_v2'),
  resnet50: async () => zoo.resnet({ depth: 50, seed: 1 }),
};

const argmax = (d: Float32Array, off: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[off + j] > d[off + b]) b = j;
  return b;
};

const IMPLS = ['float plan', 'int8 plan', 'ORT float', 'ORT QDQ exact', 'ORT QDQ'] as const;
type Times = Record<(typeof IMPLS)[number], number>;

/** max |a - b| over max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0,
    mx = 1e-6;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mx = Math.max(mx, Math.abs(b[i]));
  }
  return err / mx;
}

/** One model at one thread count, everything in this process: prints medians as JSON on stdout. */
async function child(name: string, threads: number): Promise<void> {
  backend.setThreads(threads);
  await init();
  configureOrt(threads);
  const m = await NETWORKS[name]();
  const t0 = performance.now();
  const q = quantize(m, { calibration: await photoCrops(nCal, 1) });
  const quantMs = performance.now() - t0;
  const x = new Tensor(seeded(224 * 224 * 3, 1), [1, 224, 224, 3]);
  const session = async (bytes: Uint8Array) => {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
    return async () => (await s.run(feeds))[s.outputNames[0]].data as Float32Array;
  };
  const fused = await io.saveOnnx(q, undefined, { qdq: 'fused' }),
    exact = await io.saveOnnx(q);
  const ortFloat = await session(await io.saveOnnx(m)),
    ortQdq = await session(fused),
    ortExact = await session(exact);
  if (threads === 1) {
    const groups = async (b: Uint8Array) => JSON.stringify(await ortFusions(b));
    console.error(
      `${name}: groups ORT fuses into QLinear ops, exact QDQ form ${await groups(exact)}, ` +
        `fused form ${await groups(fused)}`,
    );
  }
  const yf = m.predict(x).data,
    yq = q.predict(x).data;
  console.error(
    `${name} ${threads}T: quantize() ${quantMs.toFixed(0)} ms; int8 layers ${q.quantization.int8.length}, float ` +
      `${q.quantization.float.length}; ORT float vs float plan ${relErr(await ortFloat(), yf).toExponential(1)}, ` +
      `ORT QDQ vs int8 plan ${relErr(await ortQdq(), yq).toExponential(1)} (int8 vs float ` +
      `${relErr(yq, yf).toExponential(1)}), of the largest output`,
  );
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  for (const [impl, net] of [
    ['float', m],
    ['int8', q],
  ] as const) {
    const b = planBytes(net)!;
    console.error(
      `${name} ${impl} plan: arena ${mib(b.arena)} MiB, weights ${mib(b.weights)} MiB, scratch ${mib(b.scratch)} MiB`,
    );
  }
  const run: Record<(typeof IMPLS)[number], () => Promise<unknown>> = {
    'float plan': async () => m.predict(x),
    'int8 plan': async () => q.predict(x),
    'ORT float': ortFloat,
    'ORT QDQ exact': ortExact,
    'ORT QDQ': ortQdq,
  };
  const times: Record<string, number[]> = {};
  for (let r = -2; r < rounds; r++)
    for (let i = 0; i < IMPLS.length; i++) {
      const impl = IMPLS[(i + r + 2) % IMPLS.length];
      const t = performance.now();
      await run[impl]();
      if (r >= 0) (times[impl] ??= []).push(performance.now() - t);
    }
  const out = Object.fromEntries(IMPLS.map((k) => [k, median(times[k])])) as Times;
  process.stdout.write(JSON.stringify(out));
}

/** Runs `child` for one model and thread count in a fresh process (stderr passes through). */
function spawnChild(name: string, threads: number): Promise<Times> {
  const argv = [fileURLToPath(import.meta.url), '--child', name, String(threads)];
  argv.push('--rounds', String(rounds), '--calibration', String(nCal));
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench/int8.ts child ${name} ${threads}T: ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const info = await init();
  console.log(`backend ${info.kernel}, threads available ${info.threads}, onnxruntime-web ${ORT_VERSION}`);
  const rows: string[] = [];
  for (const name of models) {
    for (const threads of [1, 2]) {
      const t = await spawnChild(name, threads);
      const f = t['float plan'],
        i8 = t['int8 plan'];
      rows.push(
        `| ${name} | ${threads} | ${f.toFixed(1)} | ${i8.toFixed(1)} | ${t['ORT float'].toFixed(1)} | ` +
          `${t['ORT QDQ exact'].toFixed(1)} | ` +
          `${t['ORT QDQ'].toFixed(1)} | ${(f / i8).toFixed(2)}x | ${(t['ORT QDQ'] / i8).toFixed(2)}x |`,
      );
    }
    if (name === 'mobilenetv2') {
      const m = await NETWORKS[name]();
      const q = quantize(m, { calibration: await photoCrops(nCal, 1) });
      const test = await photoCrops(nCrops, 2);
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
  console.log(
    `\n| model | threads | float plan ms | int8 plan ms | ORT float ms | ORT QDQ exact ms | ORT QDQ ms | float / int8 ` +
      `| ORT QDQ / int8 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|`,
  );
  for (const r of rows) console.log(r);
}

const fail = (e: unknown) => {
  console.error(e);
  process.exit(1);
};
if (args[0] === '--child')
  child(args[1], Number(args[2])).then(
    // ORT's and convkit's worker threads keep the event loop alive
    () => process.exit(0),
    fail,
  );
else main().catch(fail);
