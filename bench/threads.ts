// Threads: the wasm-simd kernels on 1 thread and on every core (backend.setThreads), in one process.
// Wall-clock medians (CPU time would add the workers' time up), with the two settings interleaved in
// rounds so drift on a shared machine hits both alike. Cases: the GEMM and conv shapes of bench/run.ts
// (forward, and both gradients of the two training-relevant shapes) and the LeNet-5 training step.
// Run: node --import tsx bench/threads.ts [--quick] [--threads 2]
import { fileURLToPath } from 'node:url';
import { init, backend, zoo, Tensor } from '../src';
import type { Kernels } from '../src/backend/kernels';
import { CONV_CASES } from './conv';
import { seeded } from './util';

export interface ThreadsRow {
  name: string;
  flops: number;
  ms1: number;
  msN: number;
  threads: number;
}

interface Case {
  name: string;
  flops: number;
  make: (k: Kernels) => () => unknown;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of [256, 512, 1024]) {
    const a = seeded(n * n, 1),
      b = seeded(n * n, 2);
    out.push({
      name: `matmul ${n}³`,
      flops: 2 * n ** 3,
      make: (k) => () => k.matmul(a, b, n, n, n, false, false, null, 'linear'),
    });
  }
  for (const c of CONV_CASES) {
    const g = c.g;
    const x = seeded(g.batch * g.inH * g.inW * g.inC, 3),
      dy = seeded(g.batch * g.outH * g.outW * g.outC, 4);
    if (c.depthwise) {
      const dg = { ...g, multiplier: c.depthwise },
        w = seeded(g.fH * g.fW * g.inC * c.depthwise, 5);
      out.push({
        name: `${c.name} forward`,
        flops: 2 * g.batch * g.outH * g.outW * g.outC * g.fH * g.fW,
        make: (k) => () => k.depthwiseConv(x, w, dg),
      });
      continue;
    }
    const w = seeded(g.fH * g.fW * g.inC * g.outC, 5),
      bias = seeded(g.outC, 6);
    const flops = 2 * g.batch * g.outH * g.outW * g.outC * g.fH * g.fW * g.inC;
    out.push({ name: `${c.name} forward`, flops, make: (k) => () => k.conv(x, w, g, bias, 'relu') });
    if (c.name.startsWith('LeNet') || c.name.startsWith('VGG 3x3 56')) {
      out.push({ name: `${c.name} backprop input`, flops, make: (k) => () => k.convBackpropInput(dy, w, g) });
      out.push({ name: `${c.name} backprop filter`, flops, make: (k) => () => k.convBackpropFilter(x, dy, g) });
    }
  }
  return out;
}

/** The LeNet-5 training step (batch 64, Adam) as a case; flops counted as 0 (the table shows ms). */
function lenetStep(): { name: string; flops: number; run: () => unknown } {
  const n = 64,
    x = new Float32Array(n * 784),
    y = new Float32Array(n * 10);
  x.set(seeded(x.length, 7).map((v) => v + 0.5));
  for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
  const xs = new Tensor(x, [n, 28, 28, 1]),
    ys = new Tensor(y, [n, 10]);
  const model = zoo.lenet5({ seed: 1 });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return { name: 'LeNet-5 training step, batch 64 (Adam)', flops: 0, run: () => model.trainOnBatch(xs, ys) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Wall ms per call of f: untimed calls for warmMs, then calls for runMs; every sample is kept. */
function sample(f: () => unknown, warmMs: number, runMs: number, into: number[]): void {
  let t = performance.now();
  do f();
  while (performance.now() - t < warmMs);
  t = performance.now();
  let n = 0;
  do {
    const s = performance.now();
    f();
    into.push(performance.now() - s);
    n++;
  } while (performance.now() - t < runMs || n < 3);
}

/** Times every case at 1 thread and at `threads`, interleaved over `rounds` rounds. */
export async function threadsBench(
  opts: { threads?: number; rounds?: number; warmMs?: number; runMs?: number; only?: (name: string) => boolean } = {},
): Promise<ThreadsRow[]> {
  const { threads = 2, rounds = 3, warmMs = 400, runMs = 600, only = () => true } = opts;
  backend.use('wasm-simd');
  backend.setThreads(threads);
  await init(); // workers up
  const k = backend.kernels('wasm-simd');
  const all = [...cases().map((c) => ({ name: c.name, flops: c.flops, run: c.make(k) })), lenetStep()].filter((c) =>
    only(c.name),
  );
  const rows: ThreadsRow[] = [];
  for (const c of all) {
    const one: number[] = [],
      many: number[] = [];
    for (let r = 0; r < rounds; r++) {
      backend.setThreads(1);
      sample(c.run, r ? warmMs / 4 : warmMs, runMs, one);
      backend.setThreads(threads);
      sample(c.run, r ? warmMs / 4 : warmMs, runMs, many);
    }
    const row = { name: c.name, flops: c.flops, ms1: median(one), msN: median(many), threads };
    console.error(
      `threads | ${row.name}: ${row.ms1.toFixed(2)} ms on 1, ${row.msN.toFixed(2)} ms on ${threads} (${(row.ms1 / row.msN).toFixed(2)}x)`,
    );
    rows.push(row);
  }
  backend.setThreads(null);
  return rows;
}

/** The rows as a markdown table (GFLOP/s where the case counts flops, else ms). */
export function threadsTable(rows: ThreadsRow[]): string {
  const t = rows[0]?.threads ?? 2;
  const lines = [`| case | 1 thread | ${t} threads | speedup |`, '| --- | ---: | ---: | ---: |'];
  const fmt = (r: ThreadsRow, ms: number) =>
    r.flops ? `${(r.flops / ms / 1e6).toFixed(1)} GFLOP/s` : `${ms.toFixed(2)} ms`;
  for (const r of rows)
    lines.push(`| ${r.name} | ${fmt(r, r.ms1)} | ${fmt(r, r.msN)} | ${(r.ms1 / r.msN).toFixed(2)}x |`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (n: string): string | undefined => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const rows = await threadsBench({
    threads: Number(flag('--threads') ?? 2),
    rounds: quick ? 1 : 3,
    warmMs: quick ? 150 : 400,
    runMs: quick ? 200 : 600,
  });
  console.log(threadsTable(rows));
}
