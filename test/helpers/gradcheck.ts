// Finite-difference gradient checks: compares the tape's gradients of L = Σ r·f(inputs) (r a fixed
// random projection, so every output element matters differently) with central differences. A NaN or
// infinite gradient, analytic or numeric, fails.
import { expect } from 'vitest';
import { Tensor, valueAndGrads, noGrad, ops } from '../../src';
import { sizeOf } from '../../src/tensor';

export interface GradcheckOptions {
  /** Finite-difference step (f32 maths: 1e-3 .. 1e-2). */
  eps?: number;
  /** Absolute and relative tolerances. */
  atol?: number;
  rtol?: number;
  /** Indices of the inputs to check (default all). */
  check?: number[];
  seed?: number;
}

/** Seeded random tensor with values in [lo, hi). */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  return ops.randomUniform(shape, { min: lo, max: hi, seed });
}

/** Seeded tensor of well-separated distinct values in [-1, 1) (no near-ties for max-type ops). */
export function distinct(shape: number[], seed: number): Tensor {
  const n = sizeOf(shape),
    g = ops.rng(seed);
  const v = Array.from({ length: n }, (_, i) => -1 + (2 * i) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.next() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return new Tensor(Float32Array.from(v), shape);
}

/** Asserts that the analytic gradient of f at inputs matches central differences; returns the worst error. */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): number {
  const { eps = 1e-3, atol = 2e-3, rtol = 1e-2, seed = 99 } = opts;
  const y0 = noGrad(() => f(...inputs));
  const r = ops.randomNormal(y0.shape, { seed }).data;
  // the loss in f64 so the difference quotient loses as little as possible
  const loss = (y: Tensor): number => {
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * r[i];
    return s;
  };
  const proj = new Tensor(Float32Array.from(r), y0.shape);
  const { grads } = valueAndGrads(() => ops.sum(ops.mul(f(...inputs), proj)), inputs);
  let worst = 0;
  for (const i of opts.check ?? inputs.map((_, j) => j)) {
    const x = inputs[i],
      g = grads[i];
    expect(g.shape).toEqual(x.shape);
    for (let j = 0; j < x.size; j++) {
      const v = x.data[j];
      x.data[j] = v + eps;
      const lp = loss(noGrad(() => f(...inputs)));
      x.data[j] = v - eps;
      const lm = loss(noGrad(() => f(...inputs)));
      x.data[j] = v;
      const num = (lp - lm) / (2 * eps),
        ana = g.data[j];
      // written so that NaN fails: every comparison with NaN is false, so ask for agreement, not for disagreement
      const ratio = Math.abs(num - ana) / (atol + rtol * Math.max(Math.abs(num), Math.abs(ana)));
      if (!(Number.isFinite(num) && Number.isFinite(ana) && ratio <= 1)) {
        throw new Error(
          `gradcheck: input ${i} element ${j} of shape [${x.shape.join(', ')}]: analytic ${ana}, numeric ${num}`,
        );
      }
      worst = Math.max(worst, ratio);
    }
  }
  return worst;
}
