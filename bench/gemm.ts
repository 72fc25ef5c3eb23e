// GEMM and Gram benchmarks on js / wasm / wasm-simd, plus the SIMD peak of a register-bound
// mul+add loop so GEMM can be stated as a fraction of what the core can do.
// Run directly: node --import tsx bench/gemm.ts [--cpu]   (prints a markdown table; --cpu times with
// process CPU time instead of wall time, for machines where other work competes for the cores)
import { init, backend } from '../src';
import type { BackendName } from '../src/backend';
import { pathToFileURL } from 'node:url';

/** One measured case: median wall time of the kernel call and its GFLOP/s (2 per multiply-add). */
export interface Row {
  op: string;
  shape: string;
  backend: string;
  ms: number;
  gflops: number;
  note?: string;
}

/** 'wall': elapsed time; 'cpu': this process's CPU time, steadier when other processes share the cores. */
export type Clock = 'wall' | 'cpu';
const now = (clock: Clock) => {
  if (clock === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// V8 tiers WebAssembly up late, so each case runs untimed for a while before it is measured.
function measure(f: () => void, warmMs: number, runMs: number, clock: Clock = 'wall', maxRuns = 25): number {
  let t = performance.now();
  do f();
  while (performance.now() - t < warmMs);
  const times: number[] = [];
  t = performance.now();
  do {
    const s = now(clock);
    f();
    times.push(now(clock) - s);
  } while ((performance.now() - t < runMs || times.length < 3) && times.length < maxRuns && times[0] < 2000);
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 1;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = s / 2147483647 - 0.5;
  }
  return a;
}

/** GFLOP/s of the peak loop on one build (12 independent f32x4 mul+add chains; scalar in 'wasm'). */
export function peakGflops(name: BackendName, clock: Clock = 'wall'): number {
  const ex = backend.module(name)!.exports;
  const iters = 20_000_000;
  const ms = measure(() => ex.peakLoop(iters, 0.999, 0.001), 300, 600, clock);
  return (ex.peakFlopsPerIter() * iters) / ms / 1e6;
}

/** Times matmul 256³/512³/1024³ and Gram 56x56x64 / 28x28x256 on each backend, then the peak rows. */
export async function benchGemm(
  opts: { backends?: BackendName[]; warmMs?: number; runMs?: number; clock?: Clock; log?: (r: Row) => void } = {},
): Promise<Row[]> {
  await init();
  // The relaxed-SIMD build joins when the runtime validates it (Node 20: --experimental-wasm-relaxed-simd).
  const names =
    opts.backends ??
    (['js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd'] as BackendName[]).filter((n) => backend.available().includes(n));
  const warmMs = opts.warmMs ?? 1500,
    runMs = opts.runMs ?? 1500,
    clock = opts.clock ?? 'wall';
  const rows: Row[] = [];
  const push = (r: Row) => {
    rows.push(r);
    opts.log?.(r);
  };
  for (const size of [256, 512, 1024]) {
    const a = rand(size * size),
      b = rand(size * size);
    for (const name of names) {
      const k = backend.kernels(name);
      // The reference backend is slow at 1024³: one untimed run is enough warm-up for it.
      const ms = measure(
        () => k.matmul(a, b, size, size, size, false, false, null, 'linear'),
        name === 'js' ? 0 : warmMs,
        runMs,
        clock,
      );
      push({ op: 'matmul', shape: `${size}³`, backend: name, ms, gflops: (2 * size ** 3) / ms / 1e6 });
    }
  }
  for (const [h, w, c] of [
    [56, 56, 64],
    [28, 28, 256],
  ]) {
    const a = rand(h * w * c);
    for (const name of names) {
      const k = backend.kernels(name);
      const ms = measure(() => k.gram(a, 1, h * w, c), name === 'js' ? 0 : warmMs, runMs, clock);
      // Counted as the full AᵀA product; every backend computes only its upper triangle.
      push({
        op: 'gram',
        shape: `${h}x${w}x${c}`,
        backend: name,
        ms,
        gflops: (2 * h * w * c * c) / ms / 1e6,
        note: 'effective (symmetric half computed)',
      });
    }
  }
  for (const name of names.filter((n) => n !== 'js')) {
    const peak = peakGflops(name, clock);
    const gemm = rows.find((r) => r.op === 'matmul' && r.shape === '512³' && r.backend === name)!;
    push({
      op: 'peak mul+add loop',
      shape: '12 chains',
      backend: name,
      ms: NaN,
      gflops: peak,
      note: `matmul 512³ = ${((100 * gemm.gflops) / peak).toFixed(0)}% of peak`,
    });
  }
  return rows;
}

/** Renders rows as a markdown table with the ratio of each backend to the others on the same case. */
export function gemmTable(rows: Row[]): string {
  const out = [
    '| op | shape | backend | median ms | GFLOP/s | vs wasm | vs js | note |',
    '|---|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const of = (b: string) => rows.find((x) => x.op === r.op && x.shape === r.shape && x.backend === b);
    const ratio = (b: string) => {
      const x = of(b);
      return x && r.backend !== b && !isNaN(r.ms) ? `${(x.ms / r.ms).toFixed(1)}x` : '';
    };
    out.push(
      `| ${r.op} | ${r.shape} | ${r.backend} | ${isNaN(r.ms) ? '' : r.ms.toFixed(2)} | ${r.gflops.toFixed(2)} | ${ratio('wasm')} | ${ratio('js')} | ${r.note ?? ''} |`,
    );
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const clock: Clock = process.argv.includes('--cpu') ? 'cpu' : 'wall';
  const rows = await benchGemm({
    clock,
    log: (r) => console.error(`${r.op} ${r.shape} ${r.backend}: ${r.gflops.toFixed(2)} GFLOP/s`),
  });
  console.log(`${clock === 'cpu' ? 'CPU' : 'wall'}-clock medians\n\n${gemmTable(rows)}`);
}
