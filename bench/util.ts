// Small helpers shared by the benchmarks.

/** A seeded linear congruential generator of floats in [0, 1) (the same inputs on every run). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Median wall-clock ms of f over `runs` calls, after `warmups` untimed calls. */
export function medianMs(f: () => void, runs: number, warmups = 1): number {
  for (let i = 0; i < warmups; i++) f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[runs >> 1];
}

/** Deterministic inputs in [-0.5, 0.5] (a sine walk: the same on every run, cheap to make). */
export const seeded = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.618) * 0.5);
