import { it, expect, beforeAll } from 'vitest';
import { ops, init, ShapeError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

beforeAll(async () => {
  await init();
});

describeEachBackend('batchNorm', () => {
  it('normalises over the last axis with the given statistics', () => {
    const x = rand([2, 3, 3, 4], 1, -2, 2),
      mean = rand([4], 2),
      variance = rand([4], 3, 0.5, 2);
    const offset = rand([4], 4),
      scale = rand([4], 5, 0.5, 1.5);
    const y = ops.batchNorm(x, mean, variance, offset, scale, 1e-3);
    const ref = Array.from(x.data, (v, i) => {
      const c = i % 4;
      return ((v - mean.data[c]) * scale.data[c]) / Math.sqrt(variance.data[c] + 1e-3) + offset.data[c];
    });
    expectClose(y.data, ref, 1e-5, 1e-5);
    const plain = ops.batchNorm(x, mean, variance);
    expectClose(
      plain.data,
      Array.from(x.data, (v, i) => (v - mean.data[i % 4]) / Math.sqrt(variance.data[i % 4] + 1e-3)),
      1e-5,
      1e-5,
    );
  });

  it('training-mode statistics give zero mean and unit variance per channel', () => {
    const x = rand([8, 5], 6, -3, 5);
    const { mean, variance } = ops.moments(x, [0]);
    const y = ops.batchNorm(x, mean, variance, null, null, 0);
    const m = ops.moments(y, [0]);
    expectClose(m.mean.data, new Array(5).fill(0), 1e-5);
    expectClose(m.variance.data, new Array(5).fill(1), 1e-4);
  });

  it('gradients to x, mean, variance, offset and scale, and through batch moments', () => {
    gradcheck(
      (x, m, v, o, s) => ops.batchNorm(x, m, v, o, s),
      [rand([3, 2, 4], 7), rand([4], 8), rand([4], 9, 0.5, 1.5), rand([4], 10), rand([4], 11, 0.5, 1.5)],
    );
    gradcheck(
      (x, o, s) => {
        const { mean, variance } = ops.moments(x, [0, 1]);
        return ops.batchNorm(x, mean, variance, o, s);
      },
      [rand([3, 2, 3], 12), rand([3], 13), rand([3], 14, 0.5, 1.5)],
    );
  });

  it('rejects parameters of the wrong size', () => {
    expect(() => ops.batchNorm(rand([2, 4], 1), rand([3], 2), rand([4], 3))).toThrow(ShapeError);
    expect(() => ops.batchNorm(rand([2, 4], 1), rand([3], 2), rand([4], 3))).toThrow(
      /batchNorm: mean .* \[2,4\], got \[3\]/,
    );
  });
});
