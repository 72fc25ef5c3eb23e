// Eager ops one call at a time, as users chain them: convkit without dispose (outputs left to the garbage
// collector), convkit disposing each output (on the threads builds its block of WebAssembly memory goes back
// for the next call) with plain inputs and with inputs that came out of an earlier op, convkit disposing with
// every output copied out (the path before resident outputs), and TF.js wasm disposing each output (its
// tensors live in its WebAssembly heap; no dataSync, as in a chain). One thread. The implementations run
// interleaved in rounds (each round times a batch of calls of each), so load on a shared machine hits them
// alike; medians of per-call CPU time (process.cpuUsage, which counts the garbage collector's work too).
// With --mobilenet, also nsfwjs's MobileNetV2 at 224 by wall clock: Model.apply inside tidy and plain, and
// predict (the inference plan).
// Run: node --import tsx bench/eager.ts [--rounds 15] [--mobilenet]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { init, backend, tensor, tidy, noGrad } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { loadTf, useTf } from './tfjs';
import { seeded, median } from './util';
import { EAGER_CASES, EAGER_HEADER, eagerRow, eagerRunners } from './eager-cases';

// A collection and a turn of the event loop between timed batches (not timed) stand in for the idle-time
// collections an app gets between frames: without them the first column's undisposed outputs keep their
// WebAssembly blocks until V8 happens to collect (their views are small objects), and past the cap the other
// convkit columns would run on the copy-out path.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const tick = () => {
  gc();
  return new Promise((r) => setTimeout(r, 0));
};

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] || 15);

/** CPU ms per call of f over a batch sized to take about 30 ms. */
function perCall(f: () => void, calls: number): number {
  const u = process.cpuUsage();
  for (let i = 0; i < calls; i++) f();
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000 / calls;
}

async function main(): Promise<void> {
  await init();
  backend.use('wasm-simd');
  backend.setThreads(1);
  const tf = await loadTf();
  await useTf('wasm');
  console.log(EAGER_HEADER);
  for (const c of EAGER_CASES) {
    const data = c.inputs.map((s, i) =>
      seeded(
        s.reduce((a, b) => a * b, 1),
        i + 1,
      ),
    );
    const xs = data.map((d, i) => tensor(d, c.inputs[i]));
    const txs = data.map((d, i) => tf.tensor(d, c.inputs[i]));
    const impls = eagerRunners(c, tf, xs, txs);
    // TF.js wasm settles only after about 1.5 s of calls (V8 tiers its WebAssembly up late)
    for (const f of impls) {
      const t0 = performance.now();
      while (performance.now() - t0 < 1500) f();
      await tick();
    }
    const calls = Math.max(3, Math.round(30 / Math.max(0.05, perCall(impls[impls.length - 1], 5))));
    const ms: number[][] = impls.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (const [i, f] of impls.entries()) {
        ms[i].push(perCall(f, calls));
        await tick();
      }
    console.log(eagerRow(c.name, ms.map(median)));
    txs.forEach((x) => x.dispose());
  }
  if (args.includes('--mobilenet')) await mobilenet();
}

/** MobileNetV2 224, batch 1, wall clock: Model.apply in tidy and plain, and predict. */
async function mobilenet(): Promise<void> {
  const m = await loadNsfwjs('mobilenet_v2');
  const x = tensor(seeded(224 * 224 * 3, 1), [1, 224, 224, 3]);
  const impls: Record<string, () => void> = {
    'apply in tidy': () => tidy(() => void noGrad(() => m.apply(x))),
    apply: () => void noGrad(() => m.apply(x)),
    predict: () => void m.predict(x),
  };
  for (const f of Object.values(impls)) for (let i = 0; i < 5; i++) f();
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  // each implementation runs three times in a row and the third is timed: a run inside tidy leaves more buffers
  // in the pool than a plain one, so one call right after another implementation would time that one's pool
  for (let r = 0; r < rounds; r++)
    for (const [k, f] of Object.entries(impls)) {
      f();
      f();
      const t0 = performance.now();
      f();
      ms[k].push(performance.now() - t0);
    }
  console.log('\n| MobileNetV2 224 batch 1 | ms (wall) |\n|---|---:|');
  for (const k of Object.keys(impls)) console.log(`| ${k} | ${median(ms[k]).toFixed(1)} |`);
}

await main();
