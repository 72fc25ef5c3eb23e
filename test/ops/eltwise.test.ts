import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, Tensor, init, grad, ShapeError, ValueError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';
import { sizeOf } from '../../src/tensor';

/** numpy broadcasting written out per element, as the oracle. */
function refBroadcast(a: Tensor, b: Tensor, f: (x: number, y: number) => number): { shape: number[]; data: number[] } {
  const r = Math.max(a.rank, b.rank);
  const pa = [...Array(r - a.rank).fill(1), ...a.shape],
    pb = [...Array(r - b.rank).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const data: number[] = [];
  const total = sizeOf(shape);
  for (let o = 0; o < total; o++) {
    let rem = o,
      ia = 0,
      ib = 0,
      sa = 1,
      sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const i = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ia += (pa[d] === 1 ? 0 : i) * sa;
      ib += (pb[d] === 1 ? 0 : i) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    data.push(f(a.data[ia], b.data[ib]));
  }
  return { shape, data };
}

const PAIRS: [number[], number[]][] = [
  [
    [3, 4],
    [3, 4],
  ],
  [[2, 3, 5], [5]],
  [
    [2, 3, 5],
    [1, 5],
  ],
  [[5], [2, 3, 5]],
  [
    [3, 1],
    [1, 4],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [4, 1, 3],
    [2, 1],
  ],
  [[2, 3], []],
  [[], [2, 3]],
  [
    [6, 7],
    [6, 1],
  ],
];

beforeAll(async () => {
  await init();
});

describeEachBackend('elementwise ops', () => {
  it('binary ops broadcast like numpy', () => {
    const fs: [string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
      ['add', ops.add, (x, y) => x + y],
      ['sub', ops.sub, (x, y) => x - y],
      ['mul', ops.mul, (x, y) => x * y],
      ['div', ops.div, (x, y) => x / y],
      ['maximum', ops.maximum, Math.max],
      ['minimum', ops.minimum, Math.min],
    ];
    PAIRS.forEach(([sa, sb], i) => {
      const x = rand(sa, 300 + i),
        y = rand(sb, 400 + i, 0.5, 2);
      for (const [name, op, f] of fs) {
        const ref = refBroadcast(x, y, f);
        const out = op(x, y);
        expect(out.shape, name).toEqual(ref.shape);
        expectClose(out.data, ref.data, 1e-6, 1e-6);
      }
    });
  });

  it('numbers act as scalars', () => {
    const x = tensor([1, -2, 3]);
    expect(Array.from(ops.mul(x, 2).data)).toEqual([2, -4, 6]);
    expect(Array.from(ops.sub(1, x).data)).toEqual([0, 3, -2]);
    expect(Array.from(ops.pow(x, 2).data)).toEqual([1, 4, 9]);
    expect(ops.add(2, 3).item()).toBe(5);
    expect(Array.from(grad((t) => ops.sum(ops.mul(t, 3)))(x).data)).toEqual([3, 3, 3]);
    expect(Array.from(grad((t) => ops.sum(ops.sub(1, t)))(x).data)).toEqual([-1, -1, -1]);
    expect(Array.from(grad((t) => ops.sum(ops.div(6, t)))(tensor([1, 2, 3])).data)).toEqual(
      [-6, -1.5, -6 / 9].map(Math.fround),
    );
  });

  it('unary ops match Math', () => {
    const x = rand([5, 7], 1, -3, 3),
      pos = rand([5, 7], 2, 0.1, 4);
    const cases: [Tensor, (t: Tensor) => Tensor, (v: number) => number][] = [
      [x, ops.neg, (v) => -v],
      [x, ops.abs, Math.abs],
      [x, ops.square, (v) => v * v],
      [pos, ops.sqrt, Math.sqrt],
      [x, ops.exp, Math.exp],
      [pos, ops.log, Math.log],
      [x, ops.relu, (v) => Math.max(v, 0)],
      [x, ops.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
      [x, ops.tanh, Math.tanh],
      [x, ops.softplus, (v) => Math.log(1 + Math.exp(v))],
      [x, (t) => ops.elu(t), (v) => (v > 0 ? v : Math.exp(v) - 1)],
      [x, (t) => ops.leakyRelu(t, 0.1), (v) => (v > 0 ? v : 0.1 * v)],
      [x, (t) => ops.clip(t, -1, 0.5), (v) => Math.min(Math.max(v, -1), 0.5)],
      [pos, ops.rsqrt, (v) => 1 / Math.sqrt(v)],
      [pos, ops.reciprocal, (v) => 1 / v],
      [x, (t) => ops.activation(t, 'relu6'), (v) => Math.min(Math.max(v, 0), 6)],
    ];
    for (const [inp, op, f] of cases) expectClose(op(inp).data, Array.from(inp.data, f), 1e-5, 1e-5);
  });

  it('binary gradients reduce over broadcast axes', () => {
    PAIRS.slice(0, 7).forEach(([sa, sb], i) => {
      const x = rand(sa, 500 + i),
        y = rand(sb, 600 + i, 0.5, 2);
      gradcheck(ops.add, [x, y]);
      gradcheck(ops.sub, [x, y]);
      gradcheck(ops.mul, [x, y]);
      gradcheck(ops.div, [x, y]);
    });
    gradcheck(ops.maximum, [rand([3, 4], 1), rand([4], 2)]);
    gradcheck(ops.minimum, [rand([3, 4], 3), rand([3, 1], 4)]);
    gradcheck(ops.pow, [rand([3, 4], 5, 0.5, 2), rand([4], 6, -1, 2)]);
  });

  it('unary gradients', () => {
    const away = (seed: number): Tensor => ops.mul(rand([4, 5], seed, 0.2, 2), tensor([1, -1, 1, -1, 1]));
    for (const op of [
      ops.neg,
      ops.abs,
      ops.square,
      ops.exp,
      ops.relu,
      ops.sigmoid,
      ops.tanh,
      ops.softplus,
      (t: Tensor) => ops.elu(t),
      (t: Tensor) => ops.leakyRelu(t, 0.3),
      (t: Tensor) => ops.clip(t, -1, 1.5),
    ]) {
      gradcheck(op, [away(7)]);
    }
    for (const op of [ops.sqrt, ops.log, ops.rsqrt, ops.reciprocal]) gradcheck(op, [rand([4, 5], 8, 0.5, 3)]);
  });

  it('gradients accumulate when a tensor is used twice', () => {
    const g = grad((x) => ops.sum(ops.mul(x, x)))(tensor([1, 2, 3]));
    expect(Array.from(g.data)).toEqual([2, 4, 6]);
  });

  it('rejects shapes that do not broadcast and unknown activations', () => {
    expect(() => ops.add(rand([2, 3], 1), rand([4], 2))).toThrow(ShapeError);
    expect(() => ops.add(rand([2, 3], 1), rand([4], 2))).toThrow(/add: cannot broadcast \[2,3\] with \[4\]/);
    expect(() => ops.activation(rand([2], 1), 'swishy')).toThrow(ValueError);
    expect(() => ops.clip(rand([2], 1), 1, 0)).toThrow(/clip/);
  });
});
