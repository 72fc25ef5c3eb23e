import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, init, grad, ShapeError, ValueError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';

beforeAll(async () => {
  await init();
});

describeEachBackend('shape ops', () => {
  it('reshape and flatten share values; Tensor.reshape is differentiable', () => {
    const x = rand([2, 3, 4], 1);
    expect(ops.flatten(x).shape).toEqual([2, 12]);
    expect(ops.reshape(x, [4, -1]).shape).toEqual([4, 6]);
    expect(ops.expandDims(x, -1).shape).toEqual([2, 3, 4, 1]);
    expect(ops.squeeze(ops.expandDims(x, 1)).shape).toEqual([2, 3, 4]);
    const g = grad((t) => ops.sum(ops.mul(t.reshape([6, 4]), ops.reshape(t, [6, 4]))))(x);
    expect(Array.from(g.data)).toEqual(Array.from(x.data, (v) => 2 * v));
  });

  it('transpose permutes axes (default reverses)', () => {
    const x = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]); // [1,2,3]
    expect(ops.transpose(x).toArray()).toEqual([
      [[1], [4]],
      [[2], [5]],
      [[3], [6]],
    ]);
    expect(ops.transpose(x, [0, 2, 1]).toArray()).toEqual([
      [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
    ]);
    const y = rand([2, 3, 4, 5], 2),
      p = [2, 0, 3, 1];
    const t = ops.transpose(y, p);
    expect(t.shape).toEqual([4, 2, 5, 3]);
    // element (i,j,k,l) of y lands at (k,i,l,j)
    expect(t.data[((3 * 2 + 1) * 5 + 4) * 3 + 2]).toBe(y.data[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
  });

  it('concat, stack, slice, pad, gather, reverse', () => {
    const a = tensor([
        [1, 2],
        [3, 4],
      ]),
      c = tensor([[5], [6]]);
    expect(ops.concat([a, c], 1).toArray()).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(ops.concat([a, a], 0).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [1, 2],
      [3, 4],
    ]);
    expect(ops.stack([a, a], 1).toArray()).toEqual([
      [
        [1, 2],
        [1, 2],
      ],
      [
        [3, 4],
        [3, 4],
      ],
    ]);
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(ops.slice(x, [1, 1], [-1, 2]).toArray()).toEqual([
      [5, 6],
      [8, 9],
    ]);
    expect(ops.slice(x, [2]).toArray()).toEqual([[7, 8, 9]]);
    expect(
      ops
        .pad(
          a,
          [
            [1, 0],
            [0, 2],
          ],
          9,
        )
        .toArray(),
    ).toEqual([
      [9, 9, 9, 9],
      [1, 2, 9, 9],
      [3, 4, 9, 9],
    ]);
    expect(ops.gather(x, [2, 0, 2]).toArray()).toEqual([
      [7, 8, 9],
      [1, 2, 3],
      [7, 8, 9],
    ]);
    expect(ops.gather(x, [1], 1).toArray()).toEqual([[2], [5], [8]]);
    expect(ops.reverse(x, [0, 1]).toArray()).toEqual([
      [9, 8, 7],
      [6, 5, 4],
      [3, 2, 1],
    ]);
    expect(ops.broadcastTo(tensor([1, 2]), [2, 2]).toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('gradients of concat, slice, pad, transpose, stack, gather, reverse, broadcastTo', () => {
    gradcheck((p, q) => ops.concat([p, q], 1), [rand([2, 3, 2], 3), rand([2, 4, 2], 4)]);
    gradcheck((p) => ops.slice(p, [1, 0, 1], [2, -1, 2]), [rand([3, 4, 4], 5)]);
    gradcheck(
      (p) =>
        ops.pad(
          p,
          [
            [0, 1],
            [2, 1],
          ],
          1,
        ),
      [rand([3, 2], 6)],
    );
    gradcheck((p) => ops.transpose(p, [1, 2, 0]), [rand([2, 3, 4], 7)]);
    gradcheck((p, q) => ops.stack([p, q], 2), [rand([2, 3], 8), rand([2, 3], 9)]);
    gradcheck((p) => ops.gather(p, [3, 0, 3]), [rand([4, 3], 10)]);
    gradcheck((p) => ops.reverse(p, 1), [rand([2, 5], 11)]);
    gradcheck((p) => ops.broadcastTo(p, [3, 2, 4]), [rand([2, 1], 12)]);
  });

  it('rejects bad shapes and arguments', () => {
    expect(() => ops.concat([rand([2, 3], 1), rand([3, 3], 1)], 1)).toThrow(ShapeError);
    expect(() => ops.slice(rand([2, 3], 1), [1, 2], [2, 1])).toThrow(/slice: .* out of bounds for \[2,3\]/);
    expect(() => ops.transpose(rand([2, 3], 1), [0, 0])).toThrow(ValueError);
    expect(() => ops.gather(rand([2, 3], 1), [2])).toThrow(/gather: index 2 is out of range/);
    expect(() => ops.reshape(rand([2, 3], 1), [4, 2])).toThrow(ShapeError);
    expect(() => ops.pad(rand([2, 3], 1), [[1, 1]])).toThrow(ValueError);
  });
});
