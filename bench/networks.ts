// Whole networks, batch 1 (8 with --batch 1,8), wall clock: convkit's inference plan (Model.predict), eager path (the
// layers one by one, Model.apply) on 1 and 2 threads, TensorFlow.js wasm (one thread in Node) on the same
// model and weights (saved with io.save, loaded with tf.loadLayersModel), and ONNX Runtime Web on the same
// model and weights exported by io.saveOnnx (NCHW input, ORT's own layout), one child process per thread
// count (ORT fixes its threads when its wasm starts), started between passes of the convkit rounds.
// convkit's and TF.js's implementations run interleaved in rounds, so drift on a shared machine hits them
// alike; medians. Prints a markdown table and the plans' memory.
// Run: node --import tsx bench/networks.ts [--rounds 15] [--passes 3] [--batch 1,8]
//        [--models mobilenetv2,resnet50,resnet18,googlenet,vgg16] [--no-eager] [--no-tf] [--no-ort]
// or:  node --import tsx bench/networks.ts --parts (the thread-scaling model of the plans' splits, no timing)
import { spawn } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { init, backend, zoo, io, tensor, noGrad } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { planBytes } from '../src/models/plan';
import { lower } from '../src/models/plan/lower';
import { fuse } from '../src/models/plan/fuse';
import { partsWork } from '../src/models/plan/parts';
import { Model as ModelClass } from '../src/models/model';
import { loadTf, useTf } from './tfjs';
import { configureOrt, nhwcToNchw } from './ort';
import { seeded, median, relDiff } from './util';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};

/** The networks: nsfwjs's pretrained MobileNetV2, the zoo's ResNets, GoogLeNet and VGG-16 (seeded random weights). */
export const NETWORKS: Record<string, () => Promise<Model>> = {
  mobilenetv2: () => loadNsfwjs('mobilenet_v2'),
  resnet50: async () => zoo.resnet({ depth: 50, seed: 1 }),
  resnet18: async () => zoo.resnet({ depth: 18, seed: 1 }),
  googlenet: async () => zoo.googlenet({ seed: 1 }),
  vgg16: async () => zoo.vgg16({ seed: 1 }),
};

interface Row {
  model: string;
  batch: number;
  impl: string;
  threads: number;
  ms: number;
  runs: number;
}

/** ORT on an exported model in this process (the child): warm-up, then `runs` timed runs; prints JSON. */
async function ortChild(spec: {
  file: string;
  threads: number;
  shape: number[];
  runs: number;
  warmMs: number;
}): Promise<void> {
  configureOrt(spec.threads);
  const ort = await import('onnxruntime-web');
  const s = await ort.InferenceSession.create(readFileSync(spec.file), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const [b, h, w, c] = spec.shape;
  const feeds = {
    [s.inputNames[0]]: new ort.Tensor('float32', nhwcToNchw(seeded(b * h * w * c, 1), b, h, w, c), [b, c, h, w]),
  };
  const first = (await s.run(feeds))[s.outputNames[0]].data as Float32Array;
  const t0 = performance.now();
  while (performance.now() - t0 < spec.warmMs) await s.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < spec.runs; i++) {
    const t = performance.now();
    await s.run(feeds);
    ms.push(performance.now() - t);
  }
  process.stdout.write(JSON.stringify({ ms, output: [...first] }));
  process.exit(0);
}

function runChild(spec: object): Promise<{ ms: number[]; output: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--ort-child', JSON.stringify(spec)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ORT child exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds') ?? 15),
    passes = Number(flag('--passes') ?? 3);
  const names = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
  for (const n of names) if (!NETWORKS[n]) throw new Error(`unknown network '${n}'; expected ${Object.keys(NETWORKS)}`);
  const batches = (flag('--batch') ?? '1').split(',').map(Number);
  const tfOn = !args.includes('--no-tf'),
    ortOn = !args.includes('--no-ort'),
    eagerOn = !args.includes('--no-eager');
  const info = await init();
  const rows: Row[] = [],
    notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'convkit-networks-'));
  for (const name of names) {
    const m = await NETWORKS[name]();
    let tm: import('@tensorflow/tfjs').LayersModel | undefined;
    const tf = tfOn ? await loadTf() : undefined;
    if (tf) {
      await useTf('wasm');
      const mem = io.memory();
      await io.save(m, mem);
      tm = await tf.loadLayersModel(tf.io.fromMemory(mem.artifacts as never));
    }
    const file = join(dir, `${name}.onnx`);
    if (ortOn) writeFileSync(file, await io.saveOnnx(m, undefined, { inputLayout: 'nchw' }));
    for (const batch of batches) {
      const shape = [batch, 224, 224, 3];
      const x = tensor(seeded(batch * 224 * 224 * 3, 1), shape);
      const plan = (n: number) => () => {
        backend.setThreads(n);
        m.predict(x);
      };
      const eager = (n: number) => () => {
        backend.setThreads(n);
        noGrad(() => m.apply(x));
      };
      await init(); // workers up before timing
      const impls: [string, number, () => void][] = [
        ['convkit plan', 1, plan(1)],
        ['convkit plan', 2, plan(2)],
      ];
      if (eagerOn) impls.push(['convkit eager', 1, eager(1)], ['convkit eager', 2, eager(2)]);
      backend.setThreads(1);
      const mine = m.predict(x).data;
      const what = `${name} batch ${batch}`;
      if (tf && tm) {
        const input = tf.tensor(x.data, shape);
        const run = () => {
          const y = tm!.predict(input) as import('@tensorflow/tfjs').Tensor;
          y.dataSync();
          y.dispose();
        };
        const t0 = performance.now();
        while (performance.now() - t0 < 1500) run(); // TF.js wasm tiers up late
        const y = tm.predict(input) as import('@tensorflow/tfjs').Tensor;
        notes.push(
          `${what}: TF.js wasm output vs convkit plan: max relative difference ${relDiff(y.dataSync(), mine).toExponential(1)}`,
        );
        y.dispose();
        impls.push(['TF.js wasm', 1, run]);
      }
      for (const [, , f] of impls) for (let i = 0; i < 2; i++) f(); // warm every path (plans built, V8 tiered up)
      const times = impls.map(() => [] as number[]);
      const ortTimes: Record<number, number[]> = { 1: [], 2: [] };
      // passes: convkit and TF.js rounds (interleaved), then one ORT child per thread count, so ORT's runs
      // are spread over the same stretch of time as the others'
      for (let pass = 0; pass < passes; pass++) {
        for (let r = 0; r < Math.ceil(rounds / passes); r++) {
          impls.forEach(([, , f], i) => {
            const t = performance.now();
            f();
            times[i].push(performance.now() - t);
          });
        }
        if (!ortOn) continue;
        for (const threads of [1, 2]) {
          const r = await runChild({ file, threads, shape, runs: Math.ceil(rounds / passes), warmMs: 1500 });
          ortTimes[threads].push(...r.ms);
          if (threads === 1 && pass === 0)
            notes.push(
              `${what}: ORT Web output (convkit's ONNX export) vs convkit plan: max relative difference ${relDiff(r.output, mine).toExponential(1)}`,
            );
        }
      }
      impls.forEach(([impl, threads], i) =>
        rows.push({ model: name, batch, impl, threads, ms: median(times[i]), runs: times[i].length }),
      );
      if (ortOn)
        for (const threads of [1, 2])
          rows.push({
            model: name,
            batch,
            impl: 'ORT Web',
            threads,
            ms: median(ortTimes[threads]),
            runs: ortTimes[threads].length,
          });
      backend.setThreads(1);
      m.predict(x);
      const b1 = planBytes(m)!;
      notes.push(
        `${what}: plan memory: activation arena ${(b1.arena / 2 ** 20).toFixed(1)} MiB (largest set of activations alive at once ${(b1.peakLive / 2 ** 20).toFixed(1)} MiB), weights ${(b1.weights / 2 ** 20).toFixed(1)} MiB, scratch ${(b1.scratch / 2 ** 20).toFixed(1)} MiB (1 thread)`,
      );
      backend.setThreads(null);
      // each network's medians as it finishes, so a crash later in a long run loses nothing measured
      const done = rows.filter((r) => r.model === name && r.batch === batch);
      console.error(`${what} done: ${done.map((r) => `${r.impl} ${r.threads}t ${r.ms.toFixed(1)} ms`).join(', ')}`);
    }
    tm?.dispose();
    rmSync(file, { force: true }); // VGG-16's export is 550 MB
  }
  const table = [
    '| network | batch | implementation | threads | ms (median) | runs | vs convkit plan, same threads |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ref = rows.find(
      (q) => q.model === r.model && q.batch === r.batch && q.impl === 'convkit plan' && q.threads === r.threads,
    )!;
    table.push(
      `| ${r.model} | ${r.batch} | ${r.impl} | ${r.threads} | ${r.ms.toFixed(1)} | ${r.runs} | ${(r.ms / ref.ms).toFixed(2)}x |`,
    );
  }
  console.log(
    `convkit ${info.kernel}, Node ${process.version}, ${rounds} interleaved rounds in ${passes} passes, 224x224x3, wall clock per forward pass (whole batch)\n`,
  );
  console.log(table.join('\n'));
  console.log('\n' + notes.map((n) => `- ${n}`).join('\n'));
  process.exit(0);
}

/**
 * The scaling model (--parts): each network's plan split for 1 to 16 threads without running it. A step
 * takes as long as its largest part (parts run at once, one per thread); steps that do not split (under
 * 2^20 flops) take their whole work. Modeled speedup = the 1-thread plan's flops / sum over steps of the
 * largest part at t threads; the parts count the work a split repeats (Winograd's input transform per
 * block of output channels, parts.ts), so that is charged against the speedup. It counts arithmetic only:
 * the memory-bound steps (pooling, sums, copies) and the threads' wake-ups are left out, so it is an upper
 * bound of what the split allows.
 */
async function partsModel(): Promise<void> {
  const names = (flag('--models') ?? 'mobilenetv2,resnet50,resnet18').split(',');
  const out = [
    '| network | threads | modeled speedup | steps split / kernel steps | flops in steps left whole |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const name of names) {
    const m = await NETWORKS[name]();
    const program = fuse(lower(m, [[1, 224, 224, 3]], (l): l is ModelClass => l instanceof ModelClass));
    const sum = (work: Array<{ parts: number[] }>) => work.reduce((a, w) => a + w.parts.reduce((x, y) => x + y, 0), 0);
    const serial = sum(partsWork(program, 1));
    for (const t of [1, 2, 4, 8, 16]) {
      const work = partsWork(program, t).filter((w) => w.parts.length > 0);
      const total = sum(work);
      const span = work.reduce((a, w) => a + Math.max(...w.parts), 0);
      const whole = work.filter((w) => w.parts.length === 1).reduce((a, w) => a + w.parts[0], 0);
      out.push(
        `| ${name} | ${t} | ${(serial / span).toFixed(2)}x | ${work.filter((w) => w.parts.length > 1).length} / ${work.length} | ${((100 * whole) / total).toFixed(1)}% |`,
      );
    }
  }
  console.log(out.join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (args[0] === '--ort-child') await ortChild(JSON.parse(args[1]));
  else if (args.includes('--parts')) await partsModel();
  else await main();
}
