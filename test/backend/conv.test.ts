import { describe, it, expect } from 'vitest';
import { backend } from '../../src/backend';
import type { DepthwiseGeometry } from '../../src/backend/kernels';
import { setConvAlgorithm } from '../../src/backend/wasm/conv';
import {
  rng,
  randArray,
  geometry,
  inLen,
  outLen,
  filterLen,
  terms,
  outShape,
  inShape,
  filterShape,
  expectRelClose as expectClose,
  type Spec,
} from '../helpers/kernels';
import { WASM_BACKENDS } from '../helpers/backends';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

const CONV_CASES: [string, Spec][] = [
  [
    '1d k3 stride 2, asymmetric pad, batch 3',
    {
      batch: 3,
      in: [1, 1, 17],
      inC: 3,
      outC: 5,
      f: [1, 1, 3],
      stride: [1, 1, 2],
      padBefore: [0, 0, 0],
      padAfter: [0, 0, 1],
    },
  ],
  [
    '1d k5 dilation 2 same',
    {
      batch: 1,
      in: [1, 1, 14],
      inC: 2,
      outC: 3,
      f: [1, 1, 5],
      dilation: [1, 1, 2],
      padBefore: [0, 0, 4],
      padAfter: [0, 0, 4],
    },
  ],
  [
    '2d 3x3 same, odd sizes',
    { batch: 1, in: [1, 7, 9], inC: 3, outC: 5, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
  ],
  ['2d 1x1 pointwise (direct GEMM), batch 3', { batch: 3, in: [1, 8, 5], inC: 6, outC: 7, f: [1, 1, 1] }],
  ['2d 1x1 stride 2', { batch: 2, in: [1, 9, 7], inC: 5, outC: 6, f: [1, 1, 1], stride: [1, 2, 2] }],
  [
    '2d 1x1 padded',
    { batch: 1, in: [1, 3, 4], inC: 2, outC: 3, f: [1, 1, 1], padBefore: [0, 1, 0], padAfter: [0, 0, 2] },
  ],
  [
    '2d 3x3 stride 2 dilation 2 asymmetric pad',
    {
      batch: 2,
      in: [1, 11, 10],
      inC: 3,
      outC: 7,
      f: [1, 3, 3],
      stride: [1, 2, 2],
      dilation: [1, 2, 2],
      padBefore: [0, 2, 1],
      padAfter: [0, 1, 2],
    },
  ],
  [
    '2d 3x3 dilation 2, inC 7, asymmetric pad',
    {
      batch: 2,
      in: [1, 9, 8],
      inC: 7,
      outC: 5,
      f: [1, 3, 3],
      dilation: [1, 2, 2],
      padBefore: [0, 2, 1],
      padAfter: [0, 1, 3],
    },
  ],
  [
    '2d 5x5 same, inC 1 (LeNet conv1), batch 3',
    { batch: 3, in: [1, 12, 12], inC: 1, outC: 6, f: [1, 5, 5], padBefore: [0, 2, 2], padAfter: [0, 2, 2] },
  ],
  // LeNet conv2 and odd channel counts for the tiled gradients (assembly/convgrad.ts)
  ['2d 5x5 valid, 6 -> 16 (LeNet conv2), batch 2', { batch: 2, in: [1, 14, 14], inC: 6, outC: 16, f: [1, 5, 5] }],
  [
    '2d 3x3 asymmetric pad, inC 9 (8 + 1), outC 8',
    { batch: 2, in: [1, 7, 6], inC: 9, outC: 8, f: [1, 3, 3], padBefore: [0, 2, 0], padAfter: [0, 0, 1] },
  ],
  [
    '2d 4x2 filter wider than the padded input, 5 -> 4',
    { batch: 1, in: [1, 3, 1], inC: 5, outC: 4, f: [1, 4, 2], padBefore: [0, 1, 1], padAfter: [0, 1, 0] },
  ],
  [
    '3d 2x3x2 same, 7 -> 12',
    { batch: 2, in: [3, 4, 5], inC: 7, outC: 12, f: [2, 3, 2], padBefore: [1, 1, 1], padAfter: [0, 1, 0] },
  ],
  ['2d 2x3 rectangular, stride (1,2)', { batch: 1, in: [1, 6, 5], inC: 2, outC: 3, f: [1, 2, 3], stride: [1, 1, 2] }],
  ['2d 1 channel in and out, k1 filter 2x1', { batch: 2, in: [1, 4, 3], inC: 1, outC: 1, f: [1, 2, 1] }],
  // im2col chunks hold 2^20 floats and at least 128 pixels (assembly/conv.ts): these span two chunks.
  [
    '2d two im2col chunks (K = 2304, 512 pixels)',
    { batch: 2, in: [1, 16, 16], inC: 256, outC: 9, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
  ],
  [
    '2d two minimum-size chunks (K = 9216, 144 pixels)',
    { batch: 1, in: [1, 12, 12], inC: 1024, outC: 9, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
  ],
  [
    '2d filter overhangs padding on both sides',
    { batch: 1, in: [1, 2, 3], inC: 4, outC: 2, f: [1, 5, 5], padBefore: [0, 2, 2], padAfter: [0, 3, 2] },
  ],
  [
    '3d 3x2x3 stride (2,1,1), padded, batch 2',
    {
      batch: 2,
      in: [5, 6, 4],
      inC: 2,
      outC: 3,
      f: [3, 2, 3],
      stride: [2, 1, 1],
      padBefore: [1, 0, 1],
      padAfter: [1, 1, 1],
    },
  ],
  [
    '3d 2x2x2 dilation 2, channels 5 -> 4',
    {
      batch: 1,
      in: [6, 5, 5],
      inC: 5,
      outC: 4,
      f: [2, 2, 2],
      dilation: [2, 2, 2],
      padBefore: [1, 1, 0],
      padAfter: [0, 1, 1],
    },
  ],
];
// outC <= 8 takes the direct kernels (forward, filter gradient) in both builds; more channels take
// im2col + GEMM (scalar forward, both backprops): run every case both ways.
CONV_CASES.push(
  ...CONV_CASES.filter(([, s]) => s.outC <= 8).map(([n, s]): [string, Spec] => [
    `${n}, outC + 9`,
    { ...s, outC: s.outC + 9 },
  ]),
);

function dwGeometry(s: Spec, multiplier: number): DepthwiseGeometry {
  return { ...geometry({ ...s, outC: s.inC * multiplier }), multiplier };
}
const DW_CASES: [string, Spec, number][] = [
  [
    '3x3 same, C 13 (8 + 4 + 1 lanes), batch 3',
    { batch: 3, in: [1, 9, 8], inC: 13, outC: 0, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
    1,
  ],
  [
    '3x3 stride 2 dilation 2 asymmetric pad',
    {
      batch: 2,
      in: [1, 11, 12],
      inC: 6,
      outC: 0,
      f: [1, 3, 3],
      stride: [1, 2, 2],
      dilation: [1, 2, 2],
      padBefore: [0, 2, 1],
      padAfter: [0, 1, 2],
    },
    1,
  ],
  ['5x2 valid, C 3', { batch: 1, in: [1, 7, 5], inC: 3, outC: 0, f: [1, 5, 2] }, 1],
  [
    '3x3 same, C 20 (one 16-channel block + 4 scalar)',
    { batch: 2, in: [1, 6, 9], inC: 20, outC: 0, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
    1,
  ],
  [
    '3x2 stride 2 dilation 2, C 32',
    {
      batch: 1,
      in: [1, 9, 13],
      inC: 32,
      outC: 0,
      f: [1, 3, 2],
      stride: [1, 2, 2],
      dilation: [1, 2, 2],
      padBefore: [0, 1, 0],
      padAfter: [0, 1, 1],
    },
    1,
  ],
  [
    'multiplier 2, 3x3 same',
    { batch: 1, in: [1, 7, 7], inC: 5, outC: 0, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 1, 1] },
    2,
  ],
  [
    'multiplier 3, stride 2, batch 3',
    {
      batch: 3,
      in: [1, 8, 9],
      inC: 4,
      outC: 0,
      f: [1, 3, 3],
      stride: [1, 2, 2],
      padBefore: [0, 0, 1],
      padAfter: [0, 1, 1],
    },
    3,
  ],
];

const js = backend.kernels('js');
const wasmBackends = WASM_BACKENDS;

describe('conv reference (js) against hand-computed values', () => {
  const g2 = (h: number, w: number, f: number, outC = 1) =>
    geometry({ batch: 1, in: [1, h, w], inC: 1, outC, f: [1, f, f] });
  const vertical = Float32Array.from([1, 0, -1, 1, 0, -1, 1, 0, -1]);

  it("the notes' 6x6 image * vertical filter", () => {
    const img = Float32Array.from([
      3, 0, 1, 2, 7, 4, 1, 5, 8, 9, 3, 1, 2, 7, 2, 5, 1, 3, 0, 1, 3, 1, 7, 8, 4, 2, 1, 6, 2, 8, 2, 4, 5, 2, 3, 9,
    ]);
    expect(Array.from(js.conv(img, vertical, g2(6, 6, 3), null, 'linear'))).toEqual([
      -5, -4, 0, 8, -10, -2, 2, 3, 0, -2, -4, -7, -3, -2, -3, -16,
    ]);
  });
  it("the notes' 10/0 image gives the 30s edge; bias and relu are applied after the sum", () => {
    const img = Float32Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0));
    expect(Array.from(js.conv(img, vertical, g2(6, 6, 3), null, 'linear'))).toEqual(
      Array(4).fill([0, 30, 30, 0]).flat(),
    );
    const flipped = img.map((v) => 10 - v);
    expect(Array.from(js.conv(flipped, vertical, g2(6, 6, 3), Float32Array.of(5), 'relu'))).toEqual(
      Array(4).fill([5, 0, 0, 5]).flat(),
    );
  });
  it('backprops of a tiny 1D conv, by hand', () => {
    // x = [1, 2, 3], w = [1, -1]: y = [-1, -1]; dy = [1, 2]: dx = [1, 1, -2], dw = [1*1 + 2*2, 2*1 + 3*2] = [5, 8].
    const g = geometry({ batch: 1, in: [1, 1, 3], inC: 1, outC: 1, f: [1, 1, 2] });
    expect(Array.from(js.conv(Float32Array.of(1, 2, 3), Float32Array.of(1, -1), g, null, 'linear'))).toEqual([-1, -1]);
    expect(Array.from(js.convBackpropInput(Float32Array.of(1, 2), Float32Array.of(1, -1), g))).toEqual([1, 1, -2]);
    expect(Array.from(js.convBackpropFilter(Float32Array.of(1, 2, 3), Float32Array.of(1, 2), g))).toEqual([5, 8]);
  });
  it('stride 2 with padding on a 3x3 input, two channels in, by hand', () => {
    // x channels (a, b) = (v, 10v) for v = 1..9; 2x2 filter of ones on channel a, zeros on b; pad top/left 1, stride 2.
    const x = Float32Array.from({ length: 18 }, (_, i) => (i % 2 ? 10 : 1) * (1 + (i >> 1)));
    const w = Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0]);
    const g = geometry({
      batch: 1,
      in: [1, 3, 3],
      inC: 2,
      outC: 1,
      f: [1, 2, 2],
      stride: [1, 2, 2],
      padBefore: [0, 1, 1],
    });
    expect([g.outH, g.outW]).toEqual([2, 2]);
    expect(Array.from(js.conv(x, w, g, null, 'linear'))).toEqual([1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9]);
  });
  it('depthwise, multiplier 2, by hand', () => {
    // 1x2 input with 2 channels, 1x2 filter: out channel c*2+m = x[0][c]*w[0][c][m] + x[1][c]*w[1][c][m].
    const g: DepthwiseGeometry = {
      ...geometry({ batch: 1, in: [1, 1, 2], inC: 2, outC: 4, f: [1, 1, 2] }),
      multiplier: 2,
    };
    const x = Float32Array.of(1, 2, 3, 4),
      w = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(Array.from(js.depthwiseConv(x, w, g))).toEqual([1 + 15, 2 + 18, 6 + 28, 8 + 32]);
    const dy = Float32Array.of(1, 0, 0, 1);
    expect(Array.from(js.depthwiseConvBackpropInput(dy, w, g))).toEqual([1, 4, 5, 8]);
    expect(Array.from(js.depthwiseConvBackpropFilter(x, dy, g))).toEqual([1, 0, 0, 2, 3, 0, 0, 4]);
  });
});

describe('conv backprops are the adjoints of the forward (js)', () => {
  for (const [name, spec] of CONV_CASES) {
    it(name, () => {
      const r = rng(7),
        g = geometry(spec);
      const x = randArray(inLen(g), r),
        w = randArray(filterLen(g), r),
        dy = randArray(outLen(g), r);
      const y = js.conv(x, w, g, null, 'linear');
      const lhs = dot(y, dy);
      expect(dot(x, js.convBackpropInput(dy, w, g))).toBeCloseTo(lhs, 3);
      expect(dot(w, js.convBackpropFilter(x, dy, g))).toBeCloseTo(lhs, 3);
    });
  }
  for (const [name, spec, m] of DW_CASES) {
    it(`depthwise ${name}`, () => {
      const r = rng(8),
        g = dwGeometry(spec, m);
      const x = randArray(inLen(g), r),
        w = randArray(g.fH * g.fW * g.inC * m, r),
        dy = randArray(outLen(g), r);
      const lhs = dot(js.depthwiseConv(x, w, g), dy);
      expect(dot(x, js.depthwiseConvBackpropInput(dy, w, g))).toBeCloseTo(lhs, 3);
      expect(dot(w, js.depthwiseConvBackpropFilter(x, dy, g))).toBeCloseTo(lhs, 3);
    });
  }
});

for (const name of wasmBackends) {
  describe(`conv kernels on ${name} match the js reference`, () => {
    const k = backend.kernels(name);
    CONV_CASES.forEach(([label, spec], i) => {
      it(label, () => {
        const r = rng(100 + i),
          g = geometry(spec);
        const x = randArray(inLen(g), r),
          w = randArray(filterLen(g), r),
          dy = randArray(outLen(g), r);
        const bias = randArray(g.outC, r);
        expectClose(k.conv(x, w, g, null, 'linear'), js.conv(x, w, g, null, 'linear'), 'conv', {
          terms: terms.forward(g),
          shape: outShape(g),
        });
        expectClose(k.conv(x, w, g, bias, 'relu'), js.conv(x, w, g, bias, 'relu'), 'conv + bias + relu', {
          terms: terms.forward(g),
          shape: outShape(g),
        });
        expectClose(k.convBackpropInput(dy, w, g), js.convBackpropInput(dy, w, g), 'backprop input', {
          terms: terms.input(g),
          shape: inShape(g),
        });
        expectClose(k.convBackpropFilter(x, dy, g), js.convBackpropFilter(x, dy, g), 'backprop filter', {
          terms: terms.filter(g),
          shape: filterShape(g),
        });
      });
    });
    it('every case again with the direct kernels switched off (im2col + GEMM throughout)', () => {
      // the switch travels in each call's geometry, so every thread of the pool sees it
      setConvAlgorithm(backend.module(name)!, { im2colOnly: true });
      try {
        CONV_CASES.forEach(([label, spec], i) => {
          const r = rng(400 + i),
            g = geometry(spec);
          const x = randArray(inLen(g), r),
            w = randArray(filterLen(g), r),
            dy = randArray(outLen(g), r),
            bias = randArray(g.outC, r);
          expectClose(k.conv(x, w, g, bias, 'relu'), js.conv(x, w, g, bias, 'relu'), `${label}: conv`, {
            terms: terms.forward(g),
            shape: outShape(g),
          });
          expectClose(k.convBackpropInput(dy, w, g), js.convBackpropInput(dy, w, g), `${label}: backprop input`, {
            terms: terms.input(g),
            shape: inShape(g),
          });
          expectClose(k.convBackpropFilter(x, dy, g), js.convBackpropFilter(x, dy, g), `${label}: backprop filter`, {
            terms: terms.filter(g),
            shape: filterShape(g),
          });
        });
      } finally {
        setConvAlgorithm(backend.module(name)!);
      }
    });
    DW_CASES.forEach(([label, spec, m], i) => {
      it(`depthwise ${label}`, () => {
        const r = rng(200 + i),
          g = dwGeometry(spec, m);
        const x = randArray(inLen(g), r),
          w = randArray(g.fH * g.fW * g.inC * m, r),
          dy = randArray(outLen(g), r);
        expectClose(k.depthwiseConv(x, w, g), js.depthwiseConv(x, w, g), 'depthwise', { terms: g.fH * g.fW });
        expectClose(
          k.depthwiseConvBackpropInput(dy, w, g),
          js.depthwiseConvBackpropInput(dy, w, g),
          'depthwise backprop input',
          { terms: g.fH * g.fW * g.multiplier },
        );
        expectClose(
          k.depthwiseConvBackpropFilter(x, dy, g),
          js.depthwiseConvBackpropFilter(x, dy, g),
          'depthwise backprop filter',
          { terms: terms.filter(g) },
        );
      });
    });
    it('returns fresh arrays: a later call does not change an earlier result', () => {
      const r = rng(300),
        g = geometry(CONV_CASES[2][1]);
      const x = randArray(inLen(g), r),
        w = randArray(filterLen(g), r);
      const first = k.conv(x, w, g, null, 'linear'),
        copy = first.slice();
      k.conv(randArray(inLen(g), r), w, g, null, 'linear');
      expect(first).toEqual(copy);
    });
  });
}
