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

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** max |a - b| / max |b|: how far an engine's output is from the reference's, relative to its scale. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0,
    s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}
