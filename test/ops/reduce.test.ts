import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, Tensor, init, grad, ValueError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { sumTo } from '../../src/ops/reduce';
import { rand, distinct, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

/** Reduces x over axes by brute force: groups every element by its kept coordinates. */
function refReduce(x: Tensor, axes: number[], f: (vals: number[]) => number): number[] {
  const groups = new Map<string, number[]>();
  const order: string[] = [];
  for (let i = 0; i < x.size; i++) {
    let rem = i;
    const idx = new Array<number>(x.rank);
    for (let d = x.rank - 1; d >= 0; d--) {
      idx[d] = rem % x.shape[d];
      rem = Math.floor(rem / x.shape[d]);
    }
    const key = idx.filter((_, d) => !axes.includes(d)).join(',');
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    groups.get(key)!.push(x.data[i]);
  }
  // keys in row-major order of the kept axes
  order.sort((p, q) => {
    const a = p.split(',').map(Number),
      b = q.split(',').map(Number);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  });
  return order.map((k) => f(groups.get(k)!));
}
const sumF = (v: number[]): number => v.reduce((a, b) => a + b, 0);

beforeAll(async () => {
  await init();
});

describeEachBackend('reductions', () => {
  it('sum, mean, max, min over one, several, negative and all axes, with keepDims', () => {
    const x = rand([3, 4, 5], 1);
    const axesList: (number[] | undefined)[] = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], undefined];
    for (const axes of axesList) {
      const ax = axes ?? [0, 1, 2];
      expectClose(ops.sum(x, axes).data, refReduce(x, ax, sumF), 1e-5);
      expectClose(
        ops.mean(x, axes).data,
        refReduce(x, ax, (v) => sumF(v) / v.length),
        1e-6,
      );
      expectClose(
        ops.max(x, axes).data,
        refReduce(x, ax, (v) => Math.max(...v)),
        0,
      );
      expectClose(
        ops.min(x, axes).data,
        refReduce(x, ax, (v) => Math.min(...v)),
        0,
      );
      const kept = ops.sum(x, axes, true).shape;
      expect(kept).toEqual(x.shape.map((d, i) => (ax.includes(i) ? 1 : d)));
    }
    expect(ops.sum(x, -1).shape).toEqual([3, 4]);
    expectClose(ops.sum(x, -1).data, ops.sum(x, 2).data, 0);
    expect(ops.sum(x).shape).toEqual([]);
  });

  it('argMax / argMin pick the first extreme along an axis', () => {
    const x = tensor([
      [1, 5, 5, 0],
      [7, 2, 7, -1],
    ]);
    expect(Array.from(ops.argMax(x).data)).toEqual([1, 0]);
    expect(Array.from(ops.argMax(x, 0).data)).toEqual([1, 0, 1, 0]);
    expect(Array.from(ops.argMin(x, 1).data)).toEqual([3, 3]);
  });

  it('moments gives the mean and biased variance', () => {
    const x = rand([4, 3, 2], 2);
    const { mean, variance } = ops.moments(x, [0, 1]);
    expect(mean.shape).toEqual([2]);
    const m = refReduce(x, [0, 1], (v) => sumF(v) / v.length);
    const v = refReduce(x, [0, 1], (vals) => {
      const mu = sumF(vals) / vals.length;
      return sumF(vals.map((t) => (t - mu) ** 2)) / vals.length;
    });
    expectClose(mean.data, m, 1e-6);
    expectClose(variance.data, v, 1e-6);
    expect(ops.moments(x, [0, 1], true).variance.shape).toEqual([1, 1, 2]);
  });

  it('gradients of sum, mean, max, min, moments and sumTo', () => {
    gradcheck((t) => ops.sum(t, [0, 2]), [rand([3, 4, 5], 3)]);
    gradcheck((t) => ops.mean(t, 1, true), [rand([3, 4, 5], 4)]);
    gradcheck((t) => ops.max(t, [1]), [distinct([3, 4, 5], 5)]);
    gradcheck((t) => ops.min(t), [distinct([3, 4], 6)]);
    gradcheck((t) => ops.moments(t, [0]).variance, [rand([5, 3], 7)]);
    gradcheck((t) => sumTo(t, [1, 4]), [rand([3, 2, 4], 8)]);
  });

  it('max splits the gradient between ties', () => {
    const g = grad((t) => ops.max(t))(tensor([2, 5, 5, 1]));
    expect(Array.from(g.data)).toEqual([0, 0.5, 0.5, 0]);
  });

  it('rejects out-of-range axes', () => {
    expect(() => ops.sum(rand([2, 3], 1), 2)).toThrow(ValueError);
    expect(() => ops.sum(rand([2, 3], 1), 2)).toThrow(/sum: axis 2 is out of range for a tensor of shape \[2,3\]/);
  });
});
