// Whole networks in the page: a model loaded over HTTP (io.load), a seeded input, and Model.predict (the
// inference plan, which keeps the forward pass in WebAssembly memory) timed by wall clock on 1 and more
// threads, interleaved so that drift hits every thread count alike. The demo's benchmark tab uses it, and so
// does the page of bench/browser.ts, which adds TF.js and ONNX Runtime Web beside it.
import { backend, init, io, Tensor } from '../../src';
import type { Model } from '../../src';

/** A seeded input in [0, 1) (pixels / 255, as nsfwjs's MobileNetV2 takes them), the same in every page. */
export function seededImage(shape: number[], seed = 1): Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32),
    shape,
  );
}

/** Loads a TF.js Layers model (model.json and its shards) from a URL relative to the page. */
export function loadModel(path: string): Promise<Model> {
  return io.load(new URL(path, location.href).href);
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Asks convkit for `n` threads and waits for the workers; returns the threads it got (1 when the page is not
 * cross-origin isolated, see backend.info().threadsReason).
 */
export async function useThreads(n: number): Promise<number> {
  backend.setThreads(n);
  await init();
  return backend.info().threads;
}

/** One row of timePredict: threads asked for, threads convkit ran, median ms and the number of runs. */
export interface PredictTime {
  threads: number;
  actualThreads: number;
  ms: number;
  runs: number;
}

/**
 * Times m.predict(x) on each thread count: every count runs for warmMs first (the plan is built once and
 * WebAssembly tiers up), then `rounds` rounds, each running every count once; medians by wall clock.
 * `onRound` is awaited between rounds, so a page can repaint.
 */
export async function timePredict(
  m: Model,
  x: Tensor,
  threads: number[],
  opts: { rounds?: number; warmMs?: number; onRound?: (round: number) => unknown } = {},
): Promise<PredictTime[]> {
  const { rounds = 5, warmMs = 1000, onRound } = opts;
  const actual: number[] = [];
  try {
    for (const n of threads) {
      actual.push(await useThreads(n));
      const t0 = performance.now();
      do m.predict(x);
      while (performance.now() - t0 < warmMs);
    }
    const ms = threads.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      threads.forEach((n, i) => {
        backend.setThreads(n);
        const t = performance.now();
        m.predict(x);
        ms[i].push(performance.now() - t);
      });
      await onRound?.(r);
    }
    return threads.map((n, i) => ({ threads: n, actualThreads: actual[i], ms: median(ms[i]), runs: ms[i].length }));
  } finally {
    backend.setThreads(null);
  }
}
