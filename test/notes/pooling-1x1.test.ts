// The notes' pooling examples (4x4, f = 2, s = 2) and the 1x1 convolution ("Networks in Networks").
import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, Tensor, init } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

const POOL_4x4 = [
  [1, 3, 2, 1],
  [2, 9, 1, 1],
  [1, 3, 2, 3],
  [5, 6, 1, 2],
];
const ONE_BY_ONE = [
  [1, 2, 3, 6, 5, 8],
  [3, 5, 5, 1, 3, 4],
  [2, 1, 3, 4, 9, 3],
  [4, 7, 8, 5, 7, 9],
  [1, 5, 3, 7, 4, 8],
  [5, 4, 9, 8, 3, 5],
];

beforeAll(async () => {
  await init();
});

describeEachBackend('notes: pooling and 1x1 convolutions', () => {
  it('max pooling the 4x4 matrix with f = 2, s = 2 gives 9 2 / 6 3', () => {
    const x = tensor(POOL_4x4).reshape([1, 4, 4, 1]);
    expect(ops.maxPool2d(x, { poolSize: 2, strides: 2 }).reshape([2, 2]).toArray()).toEqual([
      [9, 2],
      [6, 3],
    ]);
  });

  it('average pooling the same matrix gives the means of each 2x2 region', () => {
    const x = tensor(POOL_4x4).reshape([1, 4, 4, 1]);
    const hand = [
      [(1 + 3 + 2 + 9) / 4, (2 + 1 + 1 + 1) / 4],
      [(1 + 3 + 5 + 6) / 4, (2 + 3 + 1 + 2) / 4],
    ];
    expect(hand).toEqual([
      [3.75, 1.25],
      [3.75, 2],
    ]);
    expect(ops.avgPool2d(x, { poolSize: 2, strides: 2 }).reshape([2, 2]).toArray()).toEqual(hand);
  });

  it('pooling has hyperparameters only: it acts on each channel independently', () => {
    const x = rand([2, 6, 6, 3], 1);
    const y = ops.maxPool2d(x, { poolSize: 3, strides: 3 });
    expect(y.shape).toEqual([2, 2, 2, 3]);
    for (let c = 0; c < 3; c++) {
      const one = ops.maxPool2d(ops.slice(x, [0, 0, 0, c], [-1, -1, -1, 1]), { poolSize: 3, strides: 3 });
      expect(Array.from(one.data)).toEqual(Array.from(y.data).filter((_, i) => i % 3 === c));
    }
  });

  it('a 1x1 convolution on one channel multiplies by the filter value (6x6 * 2 → 2 4 6 ...)', () => {
    const x = tensor(ONE_BY_ONE).reshape([1, 6, 6, 1]);
    const y = ops.conv2d(x, tensor([2]).reshape([1, 1, 1, 1]));
    expect(y.shape).toEqual([1, 6, 6, 1]);
    expect(Array.from(y.data.slice(0, 3))).toEqual([2, 4, 6]);
    expect(y.reshape([6, 6]).toArray()).toEqual(ONE_BY_ONE.map((r) => r.map((v) => 2 * v)));
  });

  it('on many channels a 1x1 convolution is a per-pixel dot product (6x6x32 * 1x1x32 → 6x6 × #filters), then ReLU', () => {
    const x = rand([1, 6, 6, 32], 2),
      w = rand([1, 1, 32, 5], 3);
    const y = ops.conv2d(x, w, { activation: 'relu' });
    expect(y.shape).toEqual([1, 6, 6, 5]);
    const mm = ops.relu(ops.matmul(x.reshape([36, 32]), w.reshape([32, 5])));
    expectClose(y.data, mm.data, 1e-5);
  });

  it('1x1 bottleneck: 28x28x192 → 16 (1x1) → 32 (5x5 same) keeps 28x28, at 2.4M + 10.0M multiplies instead of 120M', () => {
    const macs = (y: Tensor, f: number, inC: number): number => y.size * f * f * inC;
    const x = rand([1, 28, 28, 192], 4);
    const direct = ops.conv2d(x, rand([5, 5, 192, 32], 5), { padding: 'same' });
    const mid = ops.conv2d(x, rand([1, 1, 192, 16], 6));
    const out = ops.conv2d(mid, rand([5, 5, 16, 32], 7), { padding: 'same' });
    expect(direct.shape).toEqual([1, 28, 28, 32]);
    expect(mid.shape).toEqual([1, 28, 28, 16]);
    expect(out.shape).toEqual([1, 28, 28, 32]);
    expect(Math.round(macs(direct, 5, 192) / 1e6)).toBe(120);
    expect((macs(mid, 1, 192) / 1e6).toFixed(1)).toBe('2.4');
    expect((macs(out, 5, 16) / 1e6).toFixed(1)).toBe('10.0');
    expect(((macs(mid, 1, 192) + macs(out, 5, 16)) / 1e6).toFixed(1)).toBe('12.4');
  });
});
