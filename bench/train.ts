// LeNet-5 micro-benchmark: one training step (batch 64, Adam, categorical cross-entropy on the fused
// softmax logits, via model.trainOnBatch) and inference of the same batch (model.predict), on each
// backend. Times are this process's CPU time (user + system), medians after a warm-up (V8 tiers
// WebAssembly up late), so other work sharing the cores does not inflate them. One thread by default
// (CPU time would add up the workers of a thread pool).
// Run: node --import tsx bench/train.ts [--runs 100] [--warm 3000] [--backends js,wasm,wasm-simd] [--threads 1]
import { fileURLToPath } from 'node:url';
import { init, backend, zoo, Tensor } from '../src';
import type { BackendName } from '../src';

/** One measured row: median CPU ms per training step and per inference of the batch. */
export interface TrainRow {
  backend: BackendName;
  batch: number;
  threads: number;
  trainStepMs: number;
  inferMs: number;
  runs: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median CPU ms of `runs` calls after untimed calls filling warmMs of wall time. */
function time(f: () => void, runs: number, warmMs: number): number {
  const t0 = performance.now();
  do f();
  while (performance.now() - t0 < warmMs);
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = cpuMs();
    f();
    ts.push(cpuMs() - t);
  }
  return median(ts);
}

/** A seeded batch of 28x28x1 images in [0, 1] and one-hot labels. */
function batchOf(n: number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 784),
    y = new Float32Array(n * 10);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = s / 2147483647;
  }
  for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
  return { x: new Tensor(x, [n, 28, 28, 1]), y: new Tensor(y, [n, 10]) };
}

/** Times the LeNet-5 training step and inference on each backend; fewer runs for the slow 'js' one. */
export async function trainBench(
  opts: { backends?: BackendName[]; runs?: number; warmMs?: number; batch?: number; threads?: number } = {},
): Promise<TrainRow[]> {
  const { backends = ['js', 'wasm', 'wasm-simd'], runs = 100, warmMs = 3000, batch = 64, threads = 1 } = opts;
  await init();
  const before = backend.threads();
  backend.setThreads(threads);
  await init();
  const { x, y } = batchOf(batch);
  const rows: TrainRow[] = [];
  for (const name of backends) {
    const r = name === 'js' ? Math.max(5, Math.round(runs / 10)) : runs,
      w = name === 'js' ? warmMs / 3 : warmMs;
    const row = backend.with(name, () => {
      const model = zoo.lenet5({ seed: 1 });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const trainStepMs = time(() => model.trainOnBatch(x, y), r, w);
      const inferMs = time(() => model.predict(x, { batchSize: batch }), r, w / 2);
      return { backend: name, batch, threads: backend.info().threads, trainStepMs, inferMs, runs: r };
    });
    rows.push(row);
  }
  backend.setThreads(before);
  return rows;
}

/** The rows as a markdown table. */
export function trainTable(rows: TrainRow[]): string {
  const lines = [
    '| backend | batch | threads | train step (ms) | inference (ms) | runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.backend} | ${r.batch} | ${r.threads} | ${r.trainStepMs.toFixed(2)} | ${r.inferMs.toFixed(2)} | ${r.runs} |`,
    );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (n: string): string | undefined => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rows = await trainBench({
    runs: flag('--runs') ? Number(flag('--runs')) : undefined,
    warmMs: flag('--warm') ? Number(flag('--warm')) : undefined,
    backends: flag('--backends')?.split(',') as BackendName[] | undefined,
    threads: flag('--threads') ? Number(flag('--threads')) : undefined,
  });
  console.log(trainTable(rows));
}
