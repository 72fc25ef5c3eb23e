import { it, expect, beforeAll } from 'vitest';
import { ops, init } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';
import { refMatmul } from './reference';

beforeAll(async () => {
  await init();
});

describeEachBackend('matmul ops', () => {
  it('matmul matches the naive product for every transpose combination and odd sizes', () => {
    const sizes = [
      [1, 1, 1],
      [3, 5, 7],
      [17, 9, 13],
      [33, 65, 6],
    ];
    sizes.forEach(([m, k, n], i) => {
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const a = rand(ta ? [k, m] : [m, k], 100 + i),
            bb = rand(tb ? [n, k] : [k, n], 200 + i);
          const y = ops.matmul(a, bb, { transposeA: ta, transposeB: tb });
          expect(y.shape).toEqual([m, n]);
          expectClose(y.data, refMatmul(a.data, bb.data, m, k, n, ta, tb), 1e-4, 1e-4);
        }
    });
  });

  it('batched matmul (rank 3, with a shared rank-2 operand)', () => {
    const a = rand([3, 4, 5], 1),
      w = rand([5, 6], 2),
      bb = rand([3, 5, 6], 3);
    const y = ops.matmul(a, w);
    expect(y.shape).toEqual([3, 4, 6]);
    for (let i = 0; i < 3; i++) {
      expectClose(
        y.data.subarray(i * 24, (i + 1) * 24),
        refMatmul(a.data.subarray(i * 20, (i + 1) * 20), w.data, 4, 5, 6, false, false),
      );
      expectClose(
        ops.matmul(a, bb).data.subarray(i * 24, (i + 1) * 24),
        refMatmul(a.data.subarray(i * 20, (i + 1) * 20), bb.data.subarray(i * 30, (i + 1) * 30), 4, 5, 6, false, false),
      );
    }
  });

  it('dense fuses bias and relu, and applies other activations', () => {
    const x = rand([7, 9], 4),
      w = rand([9, 5], 5),
      bias = rand([5], 6);
    const ref = refMatmul(x.data, w.data, 7, 9, 5, false, false).map((v, i) => v + bias.data[i % 5]);
    expectClose(ops.dense(x, w, bias).data, ref);
    expectClose(
      ops.dense(x, w, bias, 'relu').data,
      ref.map((v) => Math.max(v, 0)),
    );
    expectClose(ops.dense(x, w, bias, 'tanh').data, ref.map(Math.tanh), 1e-5);
    expectClose(ops.dense(x, w).data, refMatmul(x.data, w.data, 7, 9, 5, false, false));
  });

  it('matmul gradients for every transpose combination and batched', () => {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        gradcheck(
          (a, c) => ops.matmul(a, c, { transposeA: ta, transposeB: tb }),
          [rand(ta ? [5, 3] : [3, 5], 7), rand(tb ? [4, 5] : [5, 4], 8)],
        );
      }
    gradcheck((a, c) => ops.matmul(a, c), [rand([2, 3, 4], 9), rand([4, 5], 10)]);
    gradcheck((a, c) => ops.matmul(a, c, { transposeB: true }), [rand([2, 3, 4], 11), rand([2, 5, 4], 12)]);
  });

  it('dense gradients (x, w, bias; fused relu)', () => {
    gradcheck(
      (x, w, bias) => ops.dense(x, w, bias, 'relu'),
      [rand([4, 6], 13), rand([6, 3], 14), rand([3], 15, 0.3, 0.9)],
    );
    gradcheck((x, w) => ops.dense(x, w, null, 'sigmoid'), [rand([3, 5], 16), rand([5, 2], 17)]);
  });
});
