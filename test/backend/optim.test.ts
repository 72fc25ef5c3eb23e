// The optimizer kernels: every build updates weights and state in place like the f64 reference loop.
import { describe, it } from 'vitest';
import { backend } from '../../src';
import { BACKENDS } from '../helpers/backends';

function rng(seed: number) {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  };
}

// Adam written out independently of every kernel, in f64.
function adamOracle(
  w: Float64Array,
  g: Float32Array,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  for (let i = 0; i < w.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    w[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + eps);
  }
}

describe('adamUpdate kernel', () => {
  // lengths below, at and past the 4-lane width, with tails
  for (const name of BACKENDS) {
    it(`${name}: five steps in place match the f64 oracle on odd lengths`, () => {
      const k = backend.kernels(name);
      for (const n of [1, 3, 4, 5, 17, 1001]) {
        const r = rng(n + 11);
        const w = Float32Array.from({ length: n }, r),
          m = new Float32Array(n),
          v = new Float32Array(n);
        const W = Float64Array.from(w),
          M = new Float64Array(n),
          V = new Float64Array(n);
        for (let step = 1; step <= 5; step++) {
          const g = Float32Array.from({ length: n }, () => r() * 3);
          const lr = (0.01 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
          k.adamUpdate(w, g, m, v, lr, 0.9, 0.999, 1e-7);
          adamOracle(W, g, M, V, lr, 0.9, 0.999, 1e-7);
        }
        for (let i = 0; i < n; i++) {
          if (!(
            Math.abs(w[i] - W[i]) <= 1e-5 * (1 + Math.abs(W[i])) &&
            Math.abs(m[i] - M[i]) <= 1e-5 * (1 + Math.abs(M[i])) &&
            Math.abs(v[i] - V[i]) <= 1e-5 * (1 + V[i])
          )) {
            throw new Error(
              `${name} n ${n}: index ${i} got w ${w[i]} m ${m[i]} v ${v[i]}, want ${W[i]} ${M[i]} ${V[i]}`,
            );
          }
        }
      }
    });
  }
});
