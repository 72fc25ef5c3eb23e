// Tab 5: the same ops on every backend this browser runs, in the visitor's own browser:
// median time of several runs, GFLOP/s (2 per multiply-add) as a grouped bar chart and a table.
import { backend, init, ops, Tensor } from '../../src';
import type { BackendName } from '../../src';
import { $, status, nextFrame, barChart, Bar } from './ui';
import { sizeOf } from '../../src/tensor';

function random(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = sizeOf(shape);
  return new Tensor(
    Float32Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5),
    shape,
  );
}

interface Case {
  name: string;
  flops: number;
  run: () => Tensor;
}

function cases(): Case[] {
  const a = random([256, 256], 1),
    b = random([256, 256], 2);
  const x = random([1, 56, 56, 32], 3),
    w = random([3, 3, 32, 32], 4);
  const xd = random([1, 56, 56, 64], 5),
    wd = random([3, 3, 64, 1], 6);
  return [
    { name: 'matmul 256³', flops: 2 * 256 ** 3, run: () => ops.matmul(a, b) },
    {
      name: 'conv2d 56x56x32→32 3x3',
      flops: 2 * 56 * 56 * 32 * 32 * 9,
      run: () => ops.conv2d(x, w, { padding: 'same' }),
    },
    {
      name: 'depthwise 56x56x64 3x3',
      flops: 2 * 56 * 56 * 64 * 9,
      run: () => ops.depthwiseConv2d(xd, wd, { padding: 'same' }),
    },
  ];
}

/** Median milliseconds of `f` after one warm-up run: at least 3 runs, up to about 250 ms of runs. */
function time(f: () => unknown): number {
  f();
  const t: number[] = [];
  const start = performance.now();
  while (t.length < 3 || (t.length < 25 && performance.now() - start < 250)) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((p, q) => p - q);
  return t[t.length >> 1];
}

/**
 * Runs every case on every available backend (and on all threads when the page is isolated); rows carry data-* for
 * tests.
 */
async function run(): Promise<void> {
  const names = backend.available() as BackendName[];
  const best = names[names.length - 1];
  const bars: Bar[] = [];
  const rows: string[] = [];
  const prev = backend.info().kernel;
  backend.use(best);
  const threads = backend.info().threads; // > 1 only when cross-origin isolated
  const runs: Array<{ name: BackendName; threads: number }> = names.map((name) => ({ name, threads: 1 }));
  if (threads > 1) runs.push({ name: best, threads });
  try {
    for (const c of cases()) {
      for (const r of runs) {
        const series = r.threads > 1 ? `${r.name} ×${r.threads} threads` : r.name;
        status('bench-status', 'busy', `timing ${c.name} on ${series}…`);
        await nextFrame();
        backend.setThreads(r.threads);
        await init(); // the workers are up before timing
        const ms = backend.with(r.name, () => time(c.run));
        const gflops = c.flops / ms / 1e6;
        bars.push({ group: c.name, series, value: gflops });
        rows.push(
          `<tr data-op="${c.name}" data-backend="${r.name}" data-threads="${r.threads}" data-ms="${ms}" data-gflops="${gflops}"><td>${c.name}</td><td>${series}</td><td>${ms.toFixed(2)}</td><td>${gflops.toFixed(2)}</td></tr>`,
        );
        barChart($<HTMLCanvasElement>('bench-chart'), bars, 'GFLOP/s');
      }
    }
    $('bench-table').innerHTML =
      `<tr><th>op</th><th>backend</th><th>median ms</th><th>GFLOP/s</th></tr>${rows.join('')}`;
    const where =
      threads > 1 ? `one thread, and ${best} on ${threads} threads` : `one thread (${backend.info().threadsReason})`;
    status(
      'bench-status',
      'ready',
      `done: ${names.join(', ')} on ${where} (${navigator.userAgent.match(/Chrom\w+\/[\d.]+|Firefox\/[\d.]+|Version\/[\d.]+ Safari/)?.[0] ?? 'this browser'})`,
    );
  } catch (e) {
    status('bench-status', 'error', `benchmark: ${(e as Error).message}`);
  } finally {
    backend.setThreads(null);
    backend.use(prev);
  }
}

/** Wires the run button. */
export function setupBench(): void {
  $('run-bench').addEventListener('click', run);
}
