import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, init, grad } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, distinct, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';
import { refPool } from './reference';

interface Case {
  n: number;
  inS: number[];
  c: number;
  p: number[];
  s: number[];
  pad: 'valid' | 'same' | number;
}
function geom(c: Case): { pads: number[]; outS: number[] } {
  const pads: number[] = [],
    outS: number[] = [];
  c.inS.forEach((n, a) => {
    let before = 0,
      total = 0;
    if (c.pad === 'same') {
      total = Math.max((Math.ceil(n / c.s[a]) - 1) * c.s[a] + c.p[a] - n, 0);
      before = Math.floor(total / 2);
    } else if (typeof c.pad === 'number') {
      before = c.pad;
      total = 2 * c.pad;
    }
    pads.push(before);
    outS.push(Math.floor((n + total - c.p[a]) / c.s[a]) + 1);
  });
  return { pads, outS };
}
const CASES: Case[] = [
  { n: 1, inS: [4, 4], c: 1, p: [2, 2], s: [2, 2], pad: 'valid' },
  { n: 2, inS: [7, 9], c: 3, p: [3, 3], s: [2, 2], pad: 'same' },
  { n: 3, inS: [6, 5], c: 5, p: [2, 3], s: [1, 2], pad: 'valid' },
  { n: 1, inS: [5, 5], c: 4, p: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, inS: [8, 6], c: 6, p: [2, 2], s: [2, 2], pad: 1 },
];

beforeAll(async () => {
  await init();
});

describeEachBackend('pool ops', () => {
  it('maxPool2d and avgPool2d match the naive definition (padding ignored by both)', () => {
    CASES.forEach((c, i) => {
      const x = rand([c.n, ...c.inS, c.c], 60 + i, -3, 1);
      const { pads, outS } = geom(c);
      const opts = { poolSize: c.p, strides: c.s, padding: c.pad };
      const mx = ops.maxPool2d(x, opts),
        av = ops.avgPool2d(x, opts);
      expect(mx.shape).toEqual([c.n, ...outS, c.c]);
      expectClose(mx.data, refPool(x.data, 'max', c.n, c.inS, c.c, c.p, c.s, pads, outS));
      expectClose(av.data, refPool(x.data, 'avg', c.n, c.inS, c.c, c.p, c.s, pads, outS));
    });
  });

  it('strides default to poolSize, and rank-3 input is accepted', () => {
    const x = rand([6, 6, 2], 5);
    expect(ops.maxPool2d(x, { poolSize: 3 }).shape).toEqual([2, 2, 2]);
    expect(ops.avgPool2d(x).shape).toEqual([3, 3, 2]);
  });

  it('1D and 3D pooling match the naive definition', () => {
    const x1 = rand([2, 11, 3], 7);
    const c1: Case = { n: 2, inS: [11], c: 3, p: [3], s: [2], pad: 'same' },
      g1 = geom(c1);
    expectClose(
      ops.maxPool1d(x1, { poolSize: 3, strides: 2, padding: 'same' }).data,
      refPool(x1.data, 'max', 2, [11], 3, [3], [2], g1.pads, g1.outS),
    );
    expectClose(
      ops.avgPool1d(x1, { poolSize: 3, strides: 2, padding: 'same' }).data,
      refPool(x1.data, 'avg', 2, [11], 3, [3], [2], g1.pads, g1.outS),
    );
    const x3 = rand([2, 5, 4, 6, 2], 8);
    const c3: Case = { n: 2, inS: [5, 4, 6], c: 2, p: [2, 2, 3], s: [2, 1, 3], pad: 'valid' },
      g3 = geom(c3);
    const o = { poolSize: [2, 2, 3], strides: [2, 1, 3] };
    expect(ops.maxPool3d(x3, o).shape).toEqual([2, ...g3.outS, 2]);
    expectClose(ops.maxPool3d(x3, o).data, refPool(x3.data, 'max', 2, c3.inS, 2, c3.p, c3.s, g3.pads, g3.outS));
    expectClose(ops.avgPool3d(x3, o).data, refPool(x3.data, 'avg', 2, c3.inS, 2, c3.p, c3.s, g3.pads, g3.outS));
  });

  it('global pooling reduces the spatial axes', () => {
    const x = rand([2, 3, 4, 5], 9);
    const g = ops.globalAvgPool2d(x),
      m = ops.globalMaxPool2d(x);
    expect(g.shape).toEqual([2, 5]);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 5; c++) {
        let s = 0,
          mx = -Infinity;
        for (let i = 0; i < 12; i++) {
          const v = x.data[(n * 12 + i) * 5 + c];
          s += v;
          mx = Math.max(mx, v);
        }
        expect(g.data[n * 5 + c]).toBeCloseTo(s / 12, 5);
        expect(m.data[n * 5 + c]).toBe(mx);
      }
    expect(ops.globalAvgPool1d(rand([2, 7, 3], 1)).shape).toEqual([2, 3]);
    expect(ops.globalAvgPool3d(rand([2, 2, 3, 4, 3], 1)).shape).toEqual([2, 3]);
  });

  it('pool gradients (max routes to the maximum, avg spreads; padding and 1D/3D)', () => {
    gradcheck((x) => ops.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [distinct([2, 7, 6, 3], 10)]);
    gradcheck((x) => ops.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }), [rand([2, 7, 6, 3], 11)]);
    gradcheck((x) => ops.avgPool1d(x, { poolSize: 2 }), [rand([2, 9, 2], 12)]);
    gradcheck((x) => ops.maxPool3d(x, { poolSize: 2, strides: 1 }), [distinct([1, 3, 4, 3, 2], 13)]);
    gradcheck((x) => ops.globalAvgPool2d(x), [rand([2, 3, 3, 4], 14)]);
    gradcheck((x) => ops.globalMaxPool2d(x), [distinct([2, 3, 3, 4], 15)]);
  });

  it('maxPool2d backward sends each gradient to the first maximum of its window (ties)', () => {
    const x = tensor([
      [1, 5, 0, 0],
      [5, 2, 0, 3],
    ]).reshape([1, 2, 4, 1]);
    const g = grad((t) => ops.sum(ops.maxPool2d(t)))(x);
    expect(Array.from(g.data)).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
  });
});
