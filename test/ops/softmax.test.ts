import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, init, ShapeError, ValueError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

const refSoftmax = (row: number[]): number[] => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const rows = (d: Float32Array, c: number): number[][] =>
  Array.from({ length: d.length / c }, (_, r) => Array.from(d.subarray(r * c, (r + 1) * c)));

beforeAll(async () => {
  await init();
});

describeEachBackend('softmax family', () => {
  it('softmax and logSoftmax over the last axis and over axis 0', () => {
    for (const [n, c] of [
      [1, 1],
      [3, 5],
      [7, 13],
      [2, 33],
    ]) {
      const x = rand([n, c], n * 10 + c, -4, 4);
      const ref = rows(x.data, c).flatMap(refSoftmax);
      expectClose(ops.softmax(x).data, ref, 1e-6, 1e-5);
      expectClose(ops.logSoftmax(x).data, ref.map(Math.log), 1e-5, 1e-5);
    }
    const x = tensor([
      [1, 2],
      [3, 5],
      [0, -1],
    ]);
    const s0 = ops.softmax(x, 0);
    const col0 = refSoftmax([1, 3, 0]),
      col1 = refSoftmax([2, 5, -1]);
    expectClose(s0.data, [col0[0], col1[0], col0[1], col1[1], col0[2], col1[2]], 1e-6);
  });

  it('is stable for large logits', () => {
    const x = tensor([[1000, 1001, 999]]);
    expectClose(ops.softmax(x).data, refSoftmax([0, 1, -1]), 1e-6);
    const l = ops.softmaxCrossEntropy(x, tensor([[0, 1, 0]]));
    expect(Number.isFinite(l.item())).toBe(true);
    expect(ops.sigmoidCrossEntropy(tensor([100, -100]), tensor([1, 0])).data.every((v) => v < 1e-6)).toBe(true);
  });

  it('cross-entropies match their definitions', () => {
    const logits = rand([4, 6], 1, -2, 2);
    const labels = ops.softmax(rand([4, 6], 2));
    const ce = ops.softmaxCrossEntropy(logits, labels);
    expect(ce.shape).toEqual([4]);
    const ref = rows(logits.data, 6).map(
      (r, i) => -refSoftmax(r).reduce((s, p, j) => s + labels.data[i * 6 + j] * Math.log(p), 0),
    );
    expectClose(ce.data, ref, 1e-5);
    const idx = [3, 0, 5, 1];
    const sparse = ops.sparseSoftmaxCrossEntropy(logits, tensor(idx));
    expectClose(
      sparse.data,
      rows(logits.data, 6).map((r, i) => -Math.log(refSoftmax(r)[idx[i]])),
      1e-5,
    );
    expectClose(ops.softmaxCrossEntropy(logits, ops.oneHot(idx, 6)).data, sparse.data, 1e-6);
    const z = rand([5], 3, 0, 1),
      x = rand([5], 4, -3, 3);
    const bce = Array.from(x.data, (v, i) => {
      const p = 1 / (1 + Math.exp(-v));
      return -(z.data[i] * Math.log(p) + (1 - z.data[i]) * Math.log(1 - p));
    });
    expectClose(ops.sigmoidCrossEntropy(x, z).data, bce, 1e-5);
  });

  it('gradients: softmax, logSoftmax, softmaxCrossEntropy (logits and labels), sparse, sigmoid', () => {
    gradcheck((x) => ops.softmax(x), [rand([3, 5], 5, -2, 2)]);
    gradcheck((x) => ops.softmax(x, 0), [rand([3, 4], 6, -2, 2)]);
    gradcheck((x) => ops.logSoftmax(x), [rand([3, 5], 7, -2, 2)]);
    gradcheck((x, y) => ops.softmaxCrossEntropy(x, y), [rand([3, 4], 8, -2, 2), rand([3, 4], 9, 0, 1)]);
    gradcheck((x) => ops.sparseSoftmaxCrossEntropy(x, tensor([1, 0, 3])), [rand([3, 4], 10, -2, 2)]);
    gradcheck((x, y) => ops.sigmoidCrossEntropy(x, y), [rand([2, 3], 11, -3, 3), rand([2, 3], 12, 0, 1)]);
  });

  it('rejects mismatched labels', () => {
    expect(() => ops.softmaxCrossEntropy(rand([2, 3], 1), rand([2, 4], 2))).toThrow(ShapeError);
    expect(() => ops.softmaxCrossEntropy(rand([2, 3], 1), rand([2, 4], 2))).toThrow(
      /softmaxCrossEntropy: .*logits \[2,3\], labels \[2,4\]/,
    );
    expect(() => ops.sparseSoftmaxCrossEntropy(rand([2, 3], 1), tensor([0, 3]))).toThrow(ValueError);
    expect(() => ops.sparseSoftmaxCrossEntropy(rand([2, 3], 1), tensor([0, 1, 2]))).toThrow(ShapeError);
  });
});
