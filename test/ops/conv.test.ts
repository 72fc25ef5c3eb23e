import { describe, it, expect, beforeAll } from 'vitest';
import { ops, backend, tensor, Tensor, init, valueAndGrads } from '../../src';
import { describeEachBackend, WASM_BACKENDS } from '../helpers/backends';
import type { BackendName } from '../../src/backend';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';
import { refConv, refDepthwise, RefConv } from './reference';

interface Case {
  n: number;
  inS: number[];
  c: number;
  f: number[];
  oc: number;
  s: number;
  d: number;
  pad: 'valid' | 'same' | number | number[];
}

/** Pads per axis as TF defines them, computed here independently of src/ops/geometry. */
function padsOf(c: Case): number[][] {
  const r = c.inS.length;
  return c.inS
    .map((n, a) => {
      const fe = (c.f[a] - 1) * c.d + 1;
      if (c.pad === 'valid') return [0, 0];
      if (c.pad === 'same') {
        const t = Math.max((Math.ceil(n / c.s) - 1) * c.s + fe - n, 0);
        return [Math.floor(t / 2), t - Math.floor(t / 2)];
      }
      if (typeof c.pad === 'number') return [c.pad, c.pad];
      return [c.pad[2 * a], c.pad[2 * a + 1]];
    })
    .slice(0, r);
}
function geom(c: Case): RefConv {
  const pads = padsOf(c);
  const outS = c.inS.map((n, a) => Math.floor((n + pads[a][0] + pads[a][1] - (c.f[a] - 1) * c.d - 1) / c.s) + 1);
  return {
    n: c.n,
    inS: c.inS,
    c: c.c,
    f: c.f,
    outC: c.oc,
    s: c.inS.map(() => c.s),
    d: c.inS.map(() => c.d),
    padBefore: pads.map((p) => p[0]),
    outS,
  };
}

const CASES2D: Case[] = [
  { n: 1, inS: [6, 6], c: 1, f: [3, 3], oc: 1, s: 1, d: 1, pad: 'valid' },
  { n: 2, inS: [7, 9], c: 3, f: [3, 3], oc: 5, s: 2, d: 1, pad: 'same' },
  { n: 3, inS: [5, 5], c: 4, f: [1, 1], oc: 7, s: 1, d: 1, pad: 'valid' },
  { n: 1, inS: [8, 7], c: 5, f: [3, 2], oc: 6, s: 1, d: 2, pad: 'same' },
  { n: 2, inS: [9, 6], c: 2, f: [5, 5], oc: 3, s: 3, d: 1, pad: 2 },
  { n: 1, inS: [6, 8], c: 6, f: [2, 3], oc: 9, s: 2, d: 1, pad: [1, 0, 2, 1] },
  { n: 2, inS: [11, 13], c: 17, f: [3, 3], oc: 13, s: 1, d: 1, pad: 'same' },
  { n: 1, inS: [10, 10], c: 3, f: [4, 4], oc: 4, s: 2, d: 1, pad: 'same' },
  { n: 1, inS: [5, 6], c: 2, f: [2, 4], oc: 3, s: 1, d: 1, pad: 'same' },
];

beforeAll(async () => {
  await init();
});

describeEachBackend('conv ops', (b) => {
  it('conv2d matches the naive definition on seeded shapes (stride, padding, dilation, batch, 1x1)', () => {
    CASES2D.forEach((c, i) => {
      const x = rand([c.n, ...c.inS, c.c], 10 + i),
        w = rand([...c.f, c.c, c.oc], 50 + i);
      const y = ops.conv2d(x, w, { strides: c.s, padding: c.pad, dilation: c.d });
      const g = geom(c);
      expect(y.shape).toEqual([c.n, ...g.outS, c.oc]);
      expectClose(y.data, refConv(x.data, w.data, g), 1e-4, 1e-4);
    });
  });

  it('conv2d fuses bias and relu, applies other activations, and accepts rank-3 input', () => {
    const c = CASES2D[1],
      g = geom(c);
    const x = rand([c.n, ...c.inS, c.c], 3),
      w = rand([...c.f, c.c, c.oc], 4),
      bias = rand([c.oc], 5);
    const ref = refConv(x.data, w.data, g, bias.data);
    expectClose(
      ops.conv2d(x, w, { strides: 2, padding: 'same', bias, activation: 'relu' }).data,
      ref.map((v) => Math.max(v, 0)),
    );
    expectClose(
      ops.conv2d(x, w, { strides: 2, padding: 'same', bias, activation: 'sigmoid' }).data,
      ref.map((v) => 1 / (1 + Math.exp(-v))),
      1e-5,
    );
    const x3 = ops.slice(x, [0], [1]).reshape(c.inS.concat(c.c));
    const y3 = ops.conv2d(x3, w, { strides: [2, 2], padding: 'same' });
    expect(y3.shape).toEqual([...g.outS, c.oc]);
    expectClose(y3.data, refConv(x.data, w.data, g).slice(0, y3.size));
  });

  it('conv1d and conv3d match the naive definition', () => {
    const c1: Case = { n: 2, inS: [14], c: 3, f: [5], oc: 4, s: 2, d: 1, pad: 'same' };
    const x1 = rand([2, 14, 3], 1),
      w1 = rand([5, 3, 4], 2);
    const y1 = ops.conv1d(x1, w1, { strides: 2, padding: 'same' });
    expect(y1.shape).toEqual([2, 7, 4]);
    expectClose(y1.data, refConv(x1.data, w1.data, geom(c1)));
    const c1d: Case = { n: 1, inS: [9], c: 2, f: [3], oc: 3, s: 1, d: 2, pad: [1, 2] };
    const x1d = rand([1, 9, 2], 11),
      w1d = rand([3, 2, 3], 12);
    expectClose(ops.conv1d(x1d, w1d, { dilation: 2, padding: [1, 2] }).data, refConv(x1d.data, w1d.data, geom(c1d)));
    const c3: Case = { n: 2, inS: [5, 6, 4], c: 2, f: [3, 2, 3], oc: 3, s: 1, d: 1, pad: 'same' };
    const x3 = rand([2, 5, 6, 4, 2], 3),
      w3 = rand([3, 2, 3, 2, 3], 4);
    const y3 = ops.conv3d(x3, w3, { padding: 'same' });
    expect(y3.shape).toEqual([2, 5, 6, 4, 3]);
    expectClose(y3.data, refConv(x3.data, w3.data, geom(c3)));
    const c3s: Case = { n: 1, inS: [7, 5, 6], c: 3, f: [3, 3, 3], oc: 2, s: 2, d: 1, pad: [1, 1, 0, 1, 1, 0] };
    const x3s = rand([1, 7, 5, 6, 3], 5),
      w3s = rand([3, 3, 3, 3, 2], 6);
    const y3s = ops.conv3d(x3s, w3s, {
      strides: 2,
      padding: [
        [1, 1],
        [0, 1],
        [1, 0],
      ],
    });
    expectClose(y3s.data, refConv(x3s.data, w3s.data, geom(c3s)));
  });

  it('depthwiseConv2d matches the naive definition (multiplier, stride, same padding, bias)', () => {
    for (const [i, c] of (
      [
        { n: 2, inS: [7, 6], c: 3, f: [3, 3], oc: 6, s: 1, d: 1, pad: 'same' },
        { n: 1, inS: [9, 9], c: 5, f: [3, 3], oc: 5, s: 2, d: 1, pad: 'valid' },
        { n: 1, inS: [8, 8], c: 4, f: [3, 3], oc: 4, s: 1, d: 2, pad: 'same' },
      ] as Case[]
    ).entries()) {
      const mult = c.oc / c.c;
      const x = rand([c.n, ...c.inS, c.c], 20 + i),
        w = rand([...c.f, c.c, mult], 30 + i);
      const g = geom({ ...c, oc: c.c });
      const y = ops.depthwiseConv2d(x, w, { strides: c.s, padding: c.pad, dilation: c.d });
      expect(y.shape).toEqual([c.n, ...g.outS, c.oc]);
      expectClose(y.data, refDepthwise(x.data, w.data, g, mult));
    }
    const x = rand([1, 4, 4, 2], 7),
      w = rand([3, 3, 2, 1], 8),
      bias = tensor([0.5, -0.25]);
    const plain = ops.depthwiseConv2d(x, w, { padding: 'same' });
    const biased = ops.depthwiseConv2d(x, w, { padding: 'same', bias, activation: 'relu' });
    expectClose(
      biased.data,
      plain.data.map((v, i) => Math.max(v + bias.data[i % 2], 0)),
    );
  });

  it('conv2d gradients (input, filter, bias; stride, padding, dilation, fused relu)', () => {
    const x = rand([2, 6, 5, 3], 1),
      w = rand([3, 3, 3, 4], 2),
      bias = rand([4], 3, 0.2, 0.6);
    gradcheck(
      (a, k, bb) => ops.conv2d(a, k, { strides: 2, padding: 'same', bias: bb, activation: 'relu' }),
      [x, w, bias],
    );
    gradcheck(
      (a, k) => ops.conv2d(a, k, { padding: [1, 0, 0, 2], dilation: 2 }),
      [rand([1, 7, 6, 2], 4), rand([2, 3, 2, 3], 5)],
    );
    gradcheck((a, k) => ops.conv2d(a, k), [rand([2, 3, 4, 5], 6), rand([1, 1, 5, 3], 7)]);
    gradcheck(
      (a, k) => ops.conv2d(a, k, { padding: 'same', activation: 'tanh' }),
      [rand([5, 4, 2], 16), rand([3, 2, 2, 3], 17)],
    );
  });

  it('conv1d, conv3d and depthwiseConv2d gradients', () => {
    gradcheck((a, k) => ops.conv1d(a, k, { strides: 2, padding: 'same' }), [rand([2, 9, 3], 8), rand([3, 3, 2], 9)]);
    gradcheck(
      (a, k) => ops.conv3d(a, k, { padding: 1, strides: [1, 2, 1] }),
      [rand([1, 4, 5, 3, 2], 10), rand([2, 3, 2, 2, 2], 11)],
    );
    gradcheck(
      (a, k) => ops.depthwiseConv2d(a, k, { strides: 2, padding: 'same' }),
      [rand([2, 7, 6, 3], 12), rand([3, 3, 3, 2], 13)],
    );
  });

  it('calls convBackpropInput only when the input needs a gradient', () => {
    const x = rand([1, 5, 5, 2], 14),
      w = rand([3, 3, 2, 2], 15);
    const k = backend.kernels(b) as any,
      orig = k.convBackpropInput;
    let calls = 0;
    k.convBackpropInput = (...args: unknown[]) => {
      calls++;
      return orig(...args);
    };
    try {
      const gw = valueAndGrads(() => ops.sum(ops.conv2d(x, w)), [w]).grads[0];
      expect(calls).toBe(0);
      expect(gw.shape).toEqual([3, 3, 2, 2]);
      valueAndGrads(() => ops.sum(ops.conv2d(x, w)), [x, w]);
      expect(calls).toBe(1);
    } finally {
      k.convBackpropInput = orig;
    }
  });
});

describe('conv2d agrees across backends', () => {
  it.each(WASM_BACKENDS)('%s equals js on a larger case', (name) => {
    const x = rand([2, 13, 11, 19], 40),
      w = rand([3, 3, 19, 21], 41);
    const run = (b: BackendName): Tensor =>
      backend.with(b, () => ops.conv2d(x, w, { strides: [2, 1], padding: 'same' }));
    const ref = run('js');
    expectClose(run(name).data, ref.data, 1e-4, 1e-4, { shape: ref.shape, what: name });
  });
});
