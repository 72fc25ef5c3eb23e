// Seeded randomness (a seeded run is reproducible): a small PRNG, random tensors, dropout, oneHot.
import { Tensor, allocFor } from '../tensor';
import { record } from '../autograd/tape';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor } from './util';
import { checkOptions } from '../options';

/** A seeded generator: next() is uniform in [0, 1), normal() is standard normal. */
export interface Rng {
  next(): number;
  normal(): number;
}

/** A small seeded PRNG (32-bit state, SplitMix-style mixing); the same seed gives the same stream. */
export function rng(seed: number = Math.floor(Math.random() * 2 ** 32)): Rng {
  if (!Number.isFinite(seed)) throw new ValueError(`rng: seed must be a finite number, got ${seed}`);
  let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    // Box–Muller: two uniforms give two independent normals; keep the second for the next call
    let u = 0;
    while (u === 0) u = next();
    const r = Math.sqrt(-2 * Math.log(u)),
      t = 2 * Math.PI * next();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  return { next, normal };
}

function checkShapeArg(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Normal samples: { mean = 0, stddev = 1, seed }. */
export function randomNormal(
  shape: readonly number[],
  opts: { mean?: number; stddev?: number; seed?: number } = {},
): Tensor {
  checkShapeArg('randomNormal', shape);
  checkOptions('randomNormal', opts, ['mean', 'stddev', 'seed']);
  const { mean = 0, stddev = 1 } = opts,
    g = rng(opts.seed);
  const out = allocFor(shape, 'randomNormal');
  for (let i = 0; i < out.length; i++) out[i] = mean + stddev * g.normal();
  return new Tensor(out, shape);
}

/** Normal samples redrawn until within 2 standard deviations of the mean (as Keras/TF). */
export function truncatedNormal(
  shape: readonly number[],
  opts: { mean?: number; stddev?: number; seed?: number } = {},
): Tensor {
  checkShapeArg('truncatedNormal', shape);
  checkOptions('truncatedNormal', opts, ['mean', 'stddev', 'seed']);
  const { mean = 0, stddev = 1 } = opts,
    g = rng(opts.seed);
  const out = allocFor(shape, 'truncatedNormal');
  for (let i = 0; i < out.length; i++) {
    let v = g.normal();
    while (Math.abs(v) > 2) v = g.normal();
    out[i] = mean + stddev * v;
  }
  return new Tensor(out, shape);
}

/** Uniform samples in [min, max): { min = 0, max = 1, seed }. */
export function randomUniform(
  shape: readonly number[],
  opts: { min?: number; max?: number; seed?: number } = {},
): Tensor {
  checkShapeArg('randomUniform', shape);
  checkOptions('randomUniform', opts, ['min', 'max', 'seed']);
  const { min = 0, max = 1 } = opts,
    g = rng(opts.seed);
  if (!(min <= max)) throw new ValueError(`randomUniform: expected min <= max, got min=${min}, max=${max}`);
  const out = allocFor(shape, 'randomUniform');
  for (let i = 0; i < out.length; i++) out[i] = min + (max - min) * g.next();
  return new Tensor(out, shape);
}

/**
 * Inverted dropout: zeroes each value with probability rate, scales the rest by 1/(1 − rate); the backward reuses the
 * mask.
 */
export function dropout(x: Tensor, rate: number, seed?: number): Tensor {
  checkTensor(x, 'dropout');
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const g = rng(seed),
    keep = 1 / (1 - rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = g.next() >= rate ? keep : 0;
  const y = new Float32Array(x.size);
  for (let i = 0; i < y.length; i++) y[i] = x.data[i] * mask[i];
  return record([x], new Tensor(y, x.shape), (dy) => {
    const d = new Float32Array(x.size);
    for (let i = 0; i < d.length; i++) d[i] = dy.data[i] * mask[i];
    return [new Tensor(d, x.shape)];
  });
}

/** One-hot rows: indices [N] (numbers or a tensor of indices) → [N, depth]. */
export function oneHot(indices: Tensor | readonly number[] | Int32Array, depth: number): Tensor {
  const idx = indices instanceof Tensor ? indices.data : indices;
  const shape = indices instanceof Tensor ? indices.shape : [idx.length];
  if (!Number.isInteger(depth) || depth <= 0)
    throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
  const out = allocFor([idx.length, depth], 'oneHot');
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= depth)
      throw new ValueError(`oneHot: index ${v} is not in [0, ${depth}) (indices ${fmtShape(shape)})`);
    out[i * depth + v] = 1;
  }
  return new Tensor(out, [...shape, depth]);
}
