// Whole networks in the page: a model loaded over HTTP (io.load), a seeded input, and Model.predict (the
// inference plan, which keeps the forward pass in WebAssembly memory) timed by wall clock on 1 and more
// threads beside other engines, interleaved so that drift hits them alike. The demo's benchmark tab uses it;
// the pages of bench/browser.ts and bench/int8-browser.ts take its loader and seeded input.
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

/** One implementation for timeRuns: its name and one forward pass (awaited when it returns a promise). */
export interface Runner {
  name: string;
  run: () => unknown;
}

/** One row of timeRuns: the runner's name, its median and fastest ms by wall clock, and the number of timed runs. */
export interface RunTime {
  name: string;
  ms: number;
  minMs: number;
  runs: number;
}

/**
 * Times runners interleaved: each runs once untimed (a plan is built, a model compiles), then for warmMs
 * (WebAssembly tiers up late), then `rounds` rounds each running every runner once, so that drift and other
 * work on the machine hit them alike. `onRound` is awaited between rounds, so a page can repaint.
 */
export async function timeRuns(
  runners: Runner[],
  opts: { rounds?: number; warmMs?: number; onRound?: (round: number) => unknown } = {},
): Promise<RunTime[]> {
  const { rounds = 7, warmMs = 1000, onRound } = opts;
  for (const r of runners) await r.run();
  for (const r of runners) {
    const t0 = performance.now();
    do await r.run();
    while (performance.now() - t0 < warmMs);
  }
  const ms = runners.map(() => [] as number[]);
  for (let k = 0; k < rounds; k++) {
    for (const [i, r] of runners.entries()) {
      const t = performance.now();
      await r.run();
      ms[i].push(performance.now() - t);
    }
    await onRound?.(k);
  }
  return runners.map((r, i) => ({ name: r.name, ms: median(ms[i]), minMs: Math.min(...ms[i]), runs: ms[i].length }));
}

/**
 * Runners for m.predict(x) on each thread count (named by the threads convkit runs, which is 1 where the page
 * cannot run threads); each output is disposed, as an app that reads it and moves on would. Starts the
 * workers first.
 */
export async function predictRunners(m: Model, x: Tensor, threads: number[]): Promise<Runner[]> {
  const actual: number[] = [];
  for (const n of threads) actual.push(await useThreads(n));
  return threads.map((n, i) => ({
    name: String(actual[i]),
    run: () => {
      backend.setThreads(n);
      m.predict(x).dispose();
    },
  }));
}
