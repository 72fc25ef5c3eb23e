// The int8 kernels (assembly/int8.ts) on every WebAssembly build that loads, bit for bit against the TypeScript
// reference (src/backend/js/int8.ts), and the reference against the real-valued formula it approximates. Odd sizes
// leave every tile and SIMD tail partial; saturated operands, nonzero zero points, stride 2, padding, batch 2. Leaky
// ReLU in the requantising epilogue, and int8 max pooling against the float pool of the dequantised values.
import { describe, expect, it } from 'vitest';
import { instantiateSync, supports, type Build } from '../../src/backend/wasm/module';
import type { ConvGeometry, PoolGeometry } from '../../src/backend/kernels';
import { poolKernels } from '../../src/backend/js/pool';
import { geometry } from '../helpers/geometry';
import {
  Q_KIND,
  corrections,
  dequantizeRef,
  dotCorrections,
  dotFlip,
  packInt8Weights,
  qconvRef,
  qdepthwiseRef,
  qaddRef,
  qgemmRef,
  qmaxPoolRef,
  quantizeRef,
  Q_LEAKY,
  directInt8,
  roundEven,
  unpackInt8Weights,
  widenDepthwise,
  type QAddParams,
  type QParams,
} from '../../src/backend/js/int8';
import {
  DOT_PROBE,
  classifyDot,
  dequantizeWasm,
  dotArithmetic,
  dotExact,
  dotModel,
  qconvDirectWasm,
  qconvDotWasm,
  qdepthwiseDotWasm,
  qconvWasm,
  qgemmDotWasm,
  qaddWasm,
  qgemmWasm,
  qmaxPoolWasm,
  quantizeWasm,
  type DotArithmetic,
} from '../../src/backend/wasm/int8';

const BUILDS = (['scalar', 'simd', 'relaxed'] as Build[]).filter(supports);

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const bytes = (n: number, signed: boolean, r: () => number) =>
  signed
    ? Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128)
    : Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
const weights = (n: number, r: () => number) => Int8Array.from({ length: n }, () => Math.floor(r() * 255) - 127);

/** Output parameters for a kind: zero points away from the middle so clamps and offsets are exercised. */
function params(kind: number, signedA: boolean, relu = false): QParams {
  const signedOut = kind === Q_KIND.i8;
  const zOut = signedOut ? -9 : 37;
  return {
    kind,
    zOut,
    qmin: relu ? zOut : signedOut ? -128 : 0,
    qmax: signedOut ? 127 : 255,
    act: kind === Q_KIND.f32 ? (relu ? 1 : 0) : 0,
    zA: signedA ? 5 : 131,
    signedA,
  };
}

/** params() with leaky ReLU of slope alpha in the epilogue (either output kind). */
const leakyParams = (kind: number, signedA: boolean, alpha: number): QParams => ({
  ...params(kind, signedA),
  act: Q_LEAKY,
  alpha,
});
const SLOPES = [0.1, 0.5, 0, 1];

/** A 2-D pooling geometry: pool p, stride s, padding before pt (top) and pl (left), output sides given. */
function poolGeo(
  batch: number,
  h: number,
  w: number,
  c: number,
  p: number,
  s: number,
  pt: number,
  pl: number,
  outH: number,
  outW: number,
): PoolGeometry {
  return {
    batch,
    channels: c,
    inD: 1,
    inH: h,
    inW: w,
    outD: 1,
    outH,
    outW,
    poolD: 1,
    poolH: p,
    poolW: p,
    strideD: 1,
    strideH: s,
    strideW: s,
    padFront: 0,
    padTop: pt,
    padLeft: pl,
  };
}

/** Max pooling cases: 'same' and 'valid', odd sides and channel counts (SIMD tails), stride 1 and 3, batch 2. */
const POOL_CASES: Array<[string, PoolGeometry]> = [
  ['2x2 stride 2 same, odd sides, 16 channels', poolGeo(1, 9, 7, 16, 2, 2, 0, 0, 5, 4)],
  ['2x2 stride 1 same, 5 channels, batch 2', poolGeo(2, 6, 5, 5, 2, 1, 0, 0, 6, 5)],
  ['3x3 stride 2 pad 1, 35 channels', poolGeo(1, 8, 9, 35, 3, 2, 1, 1, 4, 5)],
  ['3x3 stride 3 valid, 1 channel, batch 2', poolGeo(2, 10, 7, 1, 3, 3, 0, 0, 3, 2)],
  ['2x2 stride 2, 17 channels, windows wholly in padding', poolGeo(1, 3, 3, 17, 2, 2, 3, 2, 4, 3)],
  ['2x2 stride 2, 48 channels, batch 2', poolGeo(2, 5, 6, 48, 2, 2, 0, 0, 3, 3)],
];

/** Multipliers that put the accumulators' spread over a few hundred quanta (so clamps happen at both ends). */
function multipliers(n: number, k: number, r: () => number, big = 1): Float32Array {
  return Float32Array.from({ length: n + 8 }, () => (big * (0.5 + r())) / (64 * Math.sqrt(k) * 20));
}

/** m, n, k of the GEMM cases: every tile and SIMD tail partial somewhere. */
const GEMM_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [5, 13, 7],
  [9, 17, 33],
  [4, 8, 16],
  [3, 24, 1],
  [7, 3, 130],
  [13, 40, 64],
  [70, 13, 37],
  // deep blocks (k > 256), odd and even
  [37, 21, 600],
  [5, 9, 513],
  [3, 8, 257],
];

/** The im2col convolution cases. */
const CONV_CASES: Array<[string, ConvGeometry]> = [
  ['3x3 stride 1 pad 1, batch 2', geometry(2, 7, 6, 5, 9, 3, 1, 1)],
  ['3x3 stride 2 pad 1', geometry(1, 9, 8, 3, 13, 3, 2, 1)],
  ['5x5 stride 2 pad 2, 17 channels', geometry(1, 11, 10, 17, 6, 5, 2, 2)],
  ['1x1 stride 2', geometry(2, 5, 5, 7, 10, 1, 2, 0)],
  ['3x3 dilation 2 pad 2', geometry(1, 8, 7, 4, 8, 3, 1, 2, 2)],
  ['7x7 valid, one output pixel', geometry(1, 7, 7, 2, 3, 7, 1, 0)],
  ['3x3 stride 1 pad 1, 35 channels (k = 315), batch 2', geometry(2, 6, 5, 35, 11, 3, 1, 1)],
];

/**
 * qconvDirect's cases (few input channels, and one with many): 1 to 4 channels, odd sides so the last tile of 4 pixels
 * is partial, outC
 * not a multiple of 8, stride 2, padding wider than a side's remainder, dilation, asymmetric filters and padding.
 */
const DIRECT_CASES: Array<[string, ConvGeometry]> = [
  ["the detector's stem, 3 -> 16 3x3 valid, 19x21", geometry(1, 19, 21, 3, 16, 3, 1, 0)],
  ['1 channel 5x5 pad 2, batch 2, 6 out', geometry(2, 9, 11, 1, 6, 5, 1, 2)],
  ['2 channels 3x3 stride 2 pad 1, 13 out', geometry(1, 13, 10, 2, 13, 3, 2, 1)],
  ['3 channels 7x7 stride 2 pad 3, batch 2, 9 out', geometry(2, 15, 17, 3, 9, 7, 2, 3)],
  ['4 channels 3x3 dilation 2 pad 2, 17 out', geometry(1, 8, 7, 4, 17, 3, 1, 2, 2)],
  ['3 channels 3x3 pad 4, 3 out (every tap of a pixel outside)', geometry(1, 5, 6, 3, 3, 3, 1, 4)],
  ['3 channels 1x1 stride 2, 8 out', geometry(2, 7, 9, 3, 8, 1, 2, 0)],
  ['35 channels 3x3 stride 2 pad 1 (k = 315), batch 2, 11 out', geometry(2, 9, 11, 35, 11, 3, 2, 1)],
  [
    '3 channels 3x2 filter stride 2x1, pad 1 top 0 left, 16 out',
    { ...geometry(1, 9, 8, 3, 16, 3, 2, 1), fW: 2, strideW: 1, padLeft: 0, outW: 7 },
  ],
];

/** The depthwise cases; 16 channels and more take the dot path's blocks of 16 too (with a tail after 48 + 1). */
const DEPTHWISE_CASES: Array<[string, ConvGeometry]> = [
  ['stride 1 pad 1, batch 2, 13 channels', geometry(2, 6, 7, 13, 13, 3, 1, 1)],
  ['stride 2 pad 1, 8 channels', geometry(1, 9, 9, 8, 8, 3, 2, 1)],
  ['stride 2 pad 0, 17 channels', geometry(1, 8, 9, 17, 17, 3, 2, 0)],
  ['stride 1 pad 1, 1 channel', geometry(1, 4, 5, 1, 1, 3, 1, 1)],
  ['5x5 pad 2, 24 channels', geometry(1, 6, 6, 24, 24, 5, 1, 2)],
  ['stride 1 pad 1, batch 2, 32 channels', geometry(2, 6, 7, 32, 32, 3, 1, 1)],
  ['stride 2 pad 1, 49 channels', geometry(1, 9, 8, 49, 49, 3, 2, 1)],
  ['5x5 pad 2 dilation 2, 16 channels', geometry(1, 11, 10, 16, 16, 5, 1, 2, 2)],
  ['7x7 valid, 16 channels', geometry(1, 9, 9, 16, 16, 7, 1, 0)],
];

const KINDS = [Q_KIND.u8, Q_KIND.i8, Q_KIND.f32];
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(Array.from(a)).toEqual(Array.from(b));

describe('int8 reference', () => {
  it('rounds half to even, as f32.nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map((v) => roundEven(v) + 0)).toEqual([
      0, 2, 2, 0, -2, -2, 2, 3,
    ]);
  });

  it('qgemm matches the real-valued product within one quantum (float output within f32 rounding)', () => {
    const r = rng(7),
      [m, k, n] = [5, 37, 11];
    for (const signedA of [false, true]) {
      const a = bytes(m * k, signedA, r),
        w = weights(k * n, r),
        bias = Int32Array.from({ length: n }, () => Math.floor(r() * 2000) - 1000);
      const p = params(Q_KIND.u8, signedA),
        mult = multipliers(n, k, r);
      const corr = corrections(w, k, n, p.zA, bias);
      const q = qgemmRef(a, m, k, w, n, corr, mult, p);
      const f = qgemmRef(a, m, k, w, n, corr, mult, { ...p, kind: Q_KIND.f32 });
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let exact = bias[j];
          for (let t = 0; t < k; t++) exact += (a[i * k + t] - p.zA) * w[t * n + j];
          const real = exact * mult[j];
          expect(Math.abs(f[i * n + j] - real)).toBeLessThanOrEqual(Math.abs(real) * 1e-6 + 1e-30);
          const want = Math.min(Math.max(Math.round(real) + p.zOut, p.qmin), p.qmax);
          expect(Math.abs(q[i * n + j] - want)).toBeLessThanOrEqual(1);
        }
    }
  });
});

/** Residual add cases: input zero points, scales over the output's, output zero point and clamp. */
function addCases(signed: boolean): Array<[string, QAddParams]> {
  const [lo, hi] = signed ? [-128, 127] : [0, 255];
  return [
    [
      'zero points apart, both clamps reached',
      { za: signed ? -20 : 111, ma: 0.83, zb: signed ? 17 : 140, mb: 1.37, z: signed ? -3 : 90, qmin: lo, qmax: hi },
    ],
    [
      'ReLU folded into the clamp',
      {
        za: signed ? 4 : 128,
        ma: 0.5,
        zb: signed ? -9 : 120,
        mb: 0.61,
        z: signed ? -41 : 77,
        qmin: signed ? -41 : 77,
        qmax: hi,
      },
    ],
    [
      'ReLU6 folded, ties (halves) to even',
      { za: 0, ma: 0.5, zb: 0, mb: 0.25, z: signed ? -128 : 0, qmin: signed ? -128 : 0, qmax: signed ? -98 : 30 },
    ],
    [
      'tiny scales, one input dominating',
      { za: signed ? 1 : 3, ma: 1e-3, zb: signed ? -128 : 0, mb: 2.9, z: signed ? 127 : 255, qmin: lo, qmax: hi },
    ],
  ];
}

describe('int8 residual add reference', () => {
  it('is the real-valued sum within one quantum, clamped; halves round to even', () => {
    const r = rng(31);
    for (const signed of [false, true])
      for (const [name, p] of addCases(signed)) {
        const a = bytes(301, signed, r),
          b = bytes(301, signed, r);
        const y = qaddRef(a, b, p);
        expect(y instanceof Int8Array).toBe(signed);
        for (let i = 0; i < a.length; i++) {
          const real = (a[i] - p.za) * p.ma + (b[i] - p.zb) * p.mb;
          const want = Math.min(Math.max(Math.round(real) + p.z, p.qmin), p.qmax);
          expect(Math.abs(y[i] - want), name).toBeLessThanOrEqual(1);
          expect(y[i]).toBeGreaterThanOrEqual(p.qmin);
          expect(y[i]).toBeLessThanOrEqual(p.qmax);
        }
        // the first case reaches both ends of the range, the ReLU case its clamp at the zero point
        if (name.startsWith('zero points')) expect([y.includes(p.qmin), y.includes(p.qmax)]).toEqual([true, true]);
        if (name.startsWith('ReLU folded')) expect(y.includes(p.qmin)).toBe(true);
      }
    // exact halves: 1·0.5 + 1·0.25 = 0.75 -> 1, 1·0.5 = 0.5 -> 0, 3·0.5 = 1.5 -> 2, 5·0.5 = 2.5 -> 2
    const p = addCases(false)[2][1];
    expect(Array.from(qaddRef(Uint8Array.of(1, 1, 3, 5), Uint8Array.of(1, 0, 0, 0), p))).toEqual([1, 0, 2, 2]);
  });
});

describe('int8 leaky ReLU and max pooling: reference', () => {
  it('leaky ReLU in the epilogue matches leaky(real value) within one quantum, the float output within f32 rounding', () => {
    const r = rng(21),
      [m, k, n] = [6, 29, 13];
    for (const alpha of SLOPES)
      for (const signedA of [false, true]) {
        const a = bytes(m * k, signedA, r),
          w = weights(k * n, r),
          bias = Int32Array.from({ length: n }, () => Math.floor(r() * 2000) - 1000);
        const p = leakyParams(Q_KIND.u8, signedA, alpha),
          mult = multipliers(n, k, r);
        const corr = corrections(w, k, n, p.zA, bias);
        const q = qgemmRef(a, m, k, w, n, corr, mult, p);
        const f = qgemmRef(a, m, k, w, n, corr, mult, { ...p, kind: Q_KIND.f32 });
        let negatives = 0;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let exact = bias[j];
            for (let t = 0; t < k; t++) exact += (a[i * k + t] - p.zA) * w[t * n + j];
            const raw = exact * mult[j],
              real = raw < 0 ? raw * alpha : raw;
            if (raw < 0) negatives++;
            expect(Math.abs(f[i * n + j] - real)).toBeLessThanOrEqual(Math.abs(raw) * 1e-6 + 1e-30);
            const want = Math.min(Math.max(Math.round(real) + p.zOut, p.qmin), p.qmax);
            expect(Math.abs(q[i * n + j] - want)).toBeLessThanOrEqual(1);
          }
        expect(negatives).toBeGreaterThan(10);
      }
  });

  it.each(POOL_CASES)('max pooling %s commutes with quantisation: pool(quantize(x)) = quantize(pool(x))', (_, g) => {
    const r = rng(g.inH * 7 + g.channels),
      n = g.batch * g.inH * g.inW * g.channels;
    const x = Float32Array.from({ length: n }, () => (r() - 0.3) * 9);
    for (const [z, lo, hi] of [
      [40, 0, 255],
      [-100, -128, 127],
    ]) {
      const q = quantizeRef(x, 1 / 0.03, z, lo, hi),
        qx = lo < 0 ? new Int8Array(q.buffer) : q;
      const pooled = quantizeRef(poolKernels.maxPool(x, g), 1 / 0.03, z, lo, hi);
      same(qmaxPoolRef(qx, g, z), lo < 0 ? new Int8Array(pooled.buffer) : pooled);
    }
  });
});

describe.each(BUILDS)('int8 kernels on the %s build', (build) => {
  const mod = instantiateSync(build);

  it.each(GEMM_SHAPES)('qgemm m=%i n=%i k=%i, every input and output kind, bit-exact', (m, n, k) => {
    const r = rng(m * 1000 + n * 10 + k);
    for (const signedA of [false, true])
      for (const kind of KINDS)
        for (const relu of [false, true]) {
          const a = bytes(m * k, signedA, r),
            w = weights(k * n, r);
          const bias = Int32Array.from({ length: n }, () => Math.floor(r() * 4000) - 2000);
          const p = params(kind, signedA, relu),
            mult = multipliers(n, k, r);
          const corr = corrections(w, k, n, p.zA, bias);
          const want = qgemmRef(a, m, k, w, n, corr, mult, p);
          same(qgemmWasm(mod, a, m, k, packInt8Weights(w, k, n), n, corr, mult, p), want);
        }
  });

  it('qgemm saturates: operands at the int8/uint8 limits clamp to qmin and qmax', () => {
    const [m, n, k] = [6, 11, 19];
    for (const signedA of [false, true]) {
      const a = signedA ? new Int8Array(m * k).fill(127) : new Uint8Array(m * k).fill(255);
      const w = Int8Array.from({ length: k * n }, (_, i) => ((i % n) % 2 === 0 ? 127 : -127));
      for (const kind of [Q_KIND.u8, Q_KIND.i8]) {
        const p = { ...params(kind, signedA), zA: signedA ? -128 : 0 };
        const mult = new Float32Array(n + 8).fill(0.01);
        const corr = corrections(w, k, n, p.zA, null);
        const want = qgemmRef(a, m, k, w, n, corr, mult, p);
        for (let j = 0; j < n; j++) expect(want[j]).toBe(j % 2 === 0 ? p.qmax : p.qmin);
        same(qgemmWasm(mod, a, m, k, packInt8Weights(w, k, n), n, corr, mult, p), want);
      }
    }
  });

  it.each(CONV_CASES)('qconv %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 31 + g.inC * 7 + g.outC),
      k = g.fH * g.fW * g.inC;
    for (const signedA of [false, true])
      for (const kind of KINDS) {
        const x = bytes(g.batch * g.inH * g.inW * g.inC, signedA, r),
          w = weights(k * g.outC, r);
        const p = params(kind, signedA),
          mult = multipliers(g.outC, k, r);
        const corr = corrections(
          w,
          k,
          g.outC,
          p.zA,
          Int32Array.from({ length: g.outC }, (_, j) => 50 * j - 200),
        );
        const want = qconvRef(x, g, w, corr, mult, p);
        same(qconvWasm(mod, false, x, g, packInt8Weights(w, k, g.outC), corr, mult, p), want);
      }
  });

  it.each(DIRECT_CASES)('qconvDirect %s, every input kind, output kind and activation, bit-exact', (_, g) => {
    // the plan's choice: every few-channel case (outW here is under 28, so not the 35-channel one)
    expect(directInt8(g)).toBe(g.inC <= 4);
    const r = rng(g.inH * 37 + g.inC * 5 + g.outC),
      k = g.fH * g.fW * g.inC;
    for (const signedA of [false, true])
      for (const kind of KINDS)
        for (const act of ['none', 'relu', 'leaky'] as const) {
          const x = bytes(g.batch * g.inH * g.inW * g.inC, signedA, r),
            w = weights(k * g.outC, r);
          const p = act === 'leaky' ? leakyParams(kind, signedA, 0.1) : params(kind, signedA, act === 'relu'),
            mult = multipliers(g.outC, k, r);
          const bias = Int32Array.from({ length: g.outC }, (_, j) => 70 * j - 300);
          const corr = corrections(w, k, g.outC, p.zA, bias);
          const want = qconvRef(x, g, w, corr, mult, p);
          if (kind === Q_KIND.f32) expect(Array.from(want).some(Number.isNaN)).toBe(false);
          same(qconvDirectWasm(mod, x, g, w, corr, mult, p), want);
        }
  });

  it.each(DEPTHWISE_CASES)('qdepthwise 3x3 %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 13 + g.inC),
      taps = g.fH * g.fW;
    for (const signedA of [false, true])
      for (const kind of KINDS) {
        const x = bytes(g.batch * g.inH * g.inW * g.inC, signedA, r),
          w = weights(taps * g.inC, r);
        const p = params(kind, signedA, kind !== Q_KIND.i8),
          mult = multipliers(g.inC, taps, r, 4);
        const corr = corrections(w, taps, g.inC, p.zA, null);
        const want = qdepthwiseRef(x, g, w, corr, mult, p);
        same(qconvWasm(mod, true, x, g, widenDepthwise(w, taps, g.inC), corr, mult, p), want);
      }
  });

  it('qadd matches the reference: odd lengths and SIMD tails, saturation, zero points, ReLU clamps, in place', () => {
    const r = rng(41);
    for (const signed of [false, true])
      for (const [, p] of addCases(signed))
        for (const n of [1, 7, 15, 16, 17, 33, 100, 257]) {
          const a = bytes(n, signed, r),
            b = bytes(n, signed, r);
          // the extremes of the type in the first lanes: saturation at both ends
          a[0] = signed ? -128 : 0;
          b[0] = signed ? -128 : 0;
          if (n > 1) [a[1], b[1]] = signed ? [127, 127] : [255, 255];
          same(qaddWasm(mod, a, b, p), qaddRef(a, b, p));
        }
    // out over an input (the plan's in-place add): each vector is read before it is written
    const p = addCases(true)[0][1],
      a = bytes(53, true, r) as Int8Array,
      b = bytes(53, true, r) as Int8Array;
    const got = new Int8Array(53);
    mod.arena.call([a, b], 1, ([pa, pb]) => {
      mod.exports.qadd(pa, p.za, p.ma, pb, p.zb, p.mb, 53, 1, p.z, p.qmin, p.qmax, pb);
      got.set(new Int8Array(mod.exports.memory.buffer, pb, 53));
    });
    same(got, qaddRef(a, b, p));
  });

  it.each(GEMM_SHAPES.slice(0, 8))('qgemm with leaky ReLU m=%i n=%i k=%i, bit-exact', (m, n, k) => {
    const r = rng(m * 1000 + n * 10 + k + 3);
    for (const signedA of [false, true])
      for (const kind of KINDS)
        for (const alpha of SLOPES) {
          const a = bytes(m * k, signedA, r),
            w = weights(k * n, r);
          const bias = Int32Array.from({ length: n }, () => Math.floor(r() * 4000) - 2000);
          const p = leakyParams(kind, signedA, alpha),
            mult = multipliers(n, k, r);
          const corr = corrections(w, k, n, p.zA, bias);
          same(
            qgemmWasm(mod, a, m, k, packInt8Weights(w, k, n), n, corr, mult, p),
            qgemmRef(a, m, k, w, n, corr, mult, p),
          );
        }
  });

  it.each(CONV_CASES)('qconv with leaky ReLU %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 31 + g.inC * 7 + g.outC + 3),
      k = g.fH * g.fW * g.inC;
    for (const signedA of [false, true])
      for (const kind of KINDS) {
        const x = bytes(g.batch * g.inH * g.inW * g.inC, signedA, r),
          w = weights(k * g.outC, r);
        const p = leakyParams(kind, signedA, 0.1),
          mult = multipliers(g.outC, k, r);
        const corr = corrections(w, k, g.outC, p.zA, null);
        same(
          qconvWasm(mod, false, x, g, packInt8Weights(w, k, g.outC), corr, mult, p),
          qconvRef(x, g, w, corr, mult, p),
        );
      }
  });

  it.each(DEPTHWISE_CASES)('qdepthwise with leaky ReLU %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 13 + g.inC + 3),
      taps = g.fH * g.fW;
    for (const signedA of [false, true])
      for (const kind of KINDS) {
        const x = bytes(g.batch * g.inH * g.inW * g.inC, signedA, r),
          w = weights(taps * g.inC, r);
        const p = leakyParams(kind, signedA, 0.2),
          mult = multipliers(g.inC, taps, r, 4);
        const corr = corrections(w, taps, g.inC, p.zA, null);
        same(
          qconvWasm(mod, true, x, g, widenDepthwise(w, taps, g.inC), corr, mult, p),
          qdepthwiseRef(x, g, w, corr, mult, p),
        );
      }
  });

  it.each(POOL_CASES)('qmaxPool %s, int8 and uint8, bit-exact', (_, g) => {
    const r = rng(g.inW * 11 + g.channels + g.batch),
      n = g.batch * g.inH * g.inW * g.channels;
    for (const signed of [false, true])
      for (const zero of signed ? [-128, -3, 127] : [0, 200, 255]) {
        const x = bytes(n, signed, r);
        const want = qmaxPoolRef(x, g, zero);
        same(qmaxPoolWasm(mod, x, g, zero), want);
        // saturated inputs stay at the limits
        const top = signed ? new Int8Array(n).fill(127) : new Uint8Array(n).fill(255);
        same(qmaxPoolWasm(mod, top, g, zero), qmaxPoolRef(top, g, zero));
      }
  });

  it('quantize and dequantize: ties to even, clamps, NaN to the zero point, both signs', () => {
    const x = Float32Array.from([0, 0.5, 1.5, 2.5, -0.5, -3.5, 1e9, -1e9, Infinity, -Infinity, NaN, 0.30000001, 7.77]);
    for (const [z, lo, hi] of [
      [3, 0, 255],
      [-7, -128, 127],
    ]) {
      const want = quantizeRef(x, 1, z, lo, hi);
      same(quantizeWasm(mod, x, 1, z, lo, hi), want);
      const signed = lo < 0;
      const q = signed ? new Int8Array(want.buffer) : want;
      expect(Array.from(q.subarray(0, 4))).toEqual([z, z, z + 2, z + 2]);
      expect(q[10]).toBe(z);
      expect(q[6]).toBe(hi);
      expect(q[7]).toBe(lo);
      same(dequantizeWasm(mod, q, z, 0.37), dequantizeRef(q, z, 0.37));
      // 16 at a time in SIMD builds, then a tail: random values over the range and past it, a NaN in the middle
      const r = rng(z + 100),
        long = Float32Array.from({ length: 101 }, () => (r() - 0.5) * 700);
      long[40] = NaN;
      same(quantizeWasm(mod, long, 0.731, z, lo, hi), quantizeRef(long, 0.731, z, lo, hi));
    }
  });
});

/** Int16 activations (the 16x8 mode): symmetric, spread over the whole range with both limits present. */
function int16s(n: number, r: () => number): Int16Array {
  const a = Int16Array.from({ length: n }, () => Math.round((r() * 2 - 1) * 32767));
  if (n > 1) [a[0], a[1]] = [-32767, 32767];
  return a;
}

/** 16x8 output parameters: int16 (symmetric, clamp +-levels, ReLU at 0), or float, or leaky ReLU. */
function params16(kind: number, act: 'none' | 'relu' | 'leaky', levels = 32767): QParams {
  const base = { zA: 0, signedA: true, wideA: true, zOut: 0, qmin: -levels, qmax: levels };
  if (act === 'leaky') return { ...base, kind, act: Q_LEAKY, alpha: 0.1 };
  if (kind === Q_KIND.f32) return { ...base, kind, act: act === 'relu' ? 1 : 0 };
  return { ...base, kind, act: 0, qmin: act === 'relu' ? 0 : -levels };
}
const ACTS16 = ['none', 'relu', 'leaky'] as const;
/** A 16x8 convolution on a build: input, int8 filters, corrections, multipliers, parameters -> its output. */
type Run16 = (x: Int16Array, w: Int8Array, corr: Int32Array, mult: Float32Array, p: QParams) => ArrayLike<number>;
/** Fails on a NaN or infinity in a reference output (so equal NaNs cannot pass a comparison). */
const finite = (y: ArrayLike<number>) => expect(Array.from(y).every(Number.isFinite)).toBe(true);
/** Multipliers spreading 16x8 accumulators over tens of thousands of quanta (both clamps reached). */
const multipliers16 = (n: number, k: number, r: () => number) => multipliers(n, k, r, 30);

describe('16x8 reference (int16 activations)', () => {
  it('qgemm matches the real-valued product within one quantum, clamped to +-levels', () => {
    const r = rng(17),
      [m, k, n] = [6, 45, 11];
    const a = int16s(m * k, r),
      w = weights(k * n, r),
      bias = Int32Array.from({ length: n }, () => Math.floor(r() * 2e5) - 1e5);
    const p = params16(Q_KIND.i16, 'none', 30000),
      mult = multipliers16(n, k, r),
      corr = corrections(w, k, n, 0, bias);
    const q = qgemmRef(a, m, k, w, n, corr, mult, p);
    expect(q).toBeInstanceOf(Int16Array);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let exact = bias[j];
        for (let t = 0; t < k; t++) exact += a[i * k + t] * w[t * n + j];
        const want = Math.min(Math.max(Math.round(exact * mult[j]), -30000), 30000);
        expect(Math.abs(q[i * n + j] - want)).toBeLessThanOrEqual(1);
      }
    expect([q.includes(-30000), q.includes(30000)]).toEqual([true, true]);
  });
});

describe.each(BUILDS)('16x8 kernels (int16 activations) on the %s build', (build) => {
  const mod = instantiateSync(build);
  const kinds = [Q_KIND.i16, Q_KIND.f32];

  it.each(GEMM_SHAPES)('qgemm m=%i n=%i k=%i, int16 and float outputs, every activation, bit-exact', (m, n, k) => {
    const r = rng(m * 1000 + n * 10 + k + 16);
    for (const kind of kinds)
      for (const act of ACTS16) {
        const a = int16s(m * k, r),
          w = weights(k * n, r),
          bias = Int32Array.from({ length: n }, () => Math.floor(r() * 2e5) - 1e5);
        const p = params16(kind, act),
          mult = multipliers16(n, k, r),
          corr = corrections(w, k, n, 0, bias);
        const want = qgemmRef(a, m, k, w, n, corr, mult, p);
        finite(want);
        same(qgemmWasm(mod, a, m, k, packInt8Weights(w, k, n), n, corr, mult, p), want);
      }
  });

  /**
   * Every output kind and activation of a 16x8 convolution over g (filters [fH, fW, inC, outC]): the build's result
   * (run) against qconvRef, whose float outputs must be finite.
   */
  function conv16(g: ConvGeometry, seed: number, bias: Int32Array | null, run: Run16): void {
    const r = rng(seed),
      k = g.fH * g.fW * g.inC;
    for (const kind of kinds)
      for (const act of ACTS16) {
        const x = int16s(g.batch * g.inH * g.inW * g.inC, r),
          w = weights(k * g.outC, r);
        const p = params16(kind, act),
          mult = multipliers16(g.outC, k, r),
          corr = corrections(w, k, g.outC, 0, bias);
        const want = qconvRef(x, g, w, corr, mult, p);
        finite(want);
        same(run(x, w, corr, mult, p), want);
      }
  }

  it.each(CONV_CASES)('qconv %s, bit-exact', (_, g) =>
    conv16(
      g,
      g.inH * 31 + g.inC,
      Int32Array.from({ length: g.outC }, (_, j) => 900 * j - 4000),
      (x, w, corr, mult, p) =>
        qconvWasm(mod, false, x, g, packInt8Weights(w, g.fH * g.fW * g.inC, g.outC), corr, mult, p),
    ),
  );

  it.each(DIRECT_CASES)('qconvDirect %s, bit-exact', (_, g) =>
    conv16(g, g.inW * 29 + g.inC, null, (x, w, corr, mult, p) => qconvDirectWasm(mod, x, g, w, corr, mult, p)),
  );

  it.each(DEPTHWISE_CASES)('qdepthwise %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 17 + g.inC),
      taps = g.fH * g.fW;
    for (const kind of kinds)
      for (const act of ACTS16) {
        const x = int16s(g.batch * g.inH * g.inW * g.inC, r),
          w = weights(taps * g.inC, r);
        const p = params16(kind, act),
          mult = multipliers16(g.inC, taps, r),
          corr = corrections(
            w,
            taps,
            g.inC,
            0,
            Int32Array.from({ length: g.inC }, (_, j) => 50 * j - 700),
          );
        const want = qdepthwiseRef(x, g, w, corr, mult, p);
        finite(want);
        same(qconvWasm(mod, true, x, g, widenDepthwise(w, taps, g.inC), corr, mult, p), want);
      }
  });

  it.each(POOL_CASES)('qmaxPool %s, bit-exact', (_, g) => {
    const r = rng(g.inW * 5 + g.channels),
      n = g.batch * g.inH * g.inW * g.channels;
    const x = int16s(n, r);
    same(qmaxPoolWasm(mod, x, g, 0), qmaxPoolRef(x, g, 0));
    const top = new Int16Array(n).fill(32767);
    same(qmaxPoolWasm(mod, top, g, 0), qmaxPoolRef(top, g, 0));
  });

  it('qadd, quantize and dequantize: SIMD tails, clamps, ties to even, NaN to 0', () => {
    const r = rng(61);
    for (const n of [1, 7, 8, 9, 31, 100]) {
      const a = int16s(n, r),
        b = int16s(n, r);
      for (const p of [
        { za: 0, ma: 0.83, zb: 0, mb: 1.37, z: 0, qmin: -32767, qmax: 32767 },
        { za: 0, ma: 0.5, zb: 0, mb: 0.25, z: 0, qmin: 0, qmax: 20000 },
      ]) {
        const got = qaddWasm(mod, a, b, p);
        expect(got).toBeInstanceOf(Int16Array);
        same(got, qaddRef(a, b, p));
      }
    }
    const x = Float32Array.from([0, 0.5, 1.5, 2.5, -0.5, -3.5, 1e9, -1e9, Infinity, -Infinity, NaN, 7.77, -32766.5]);
    const want = quantizeRef(x, 1, 0, -32767, 32767, true);
    expect(Array.from(want)).toEqual([0, 0, 2, 2, 0, -4, 32767, -32767, 32767, -32767, 0, 8, -32766]);
    same(quantizeWasm(mod, x, 1, 0, -32767, 32767, true), want);
    same(dequantizeWasm(mod, want, 0, 0.37), dequantizeRef(want, 0, 0.37));
    const long = Float32Array.from({ length: 101 }, () => (r() - 0.5) * 9e4);
    long[40] = NaN;
    same(quantizeWasm(mod, long, 0.731, 0, -30000, 30000, true), quantizeRef(long, 0.731, 0, -30000, 30000, true));
  });
});

describe('relaxed int8 dot product: probe and arithmetic', () => {
  const { a, b, c } = DOT_PROBE;
  const KNOWN = ['unsigned', 'signed', 'saturating'] as const;

  it('the probe tells the three arithmetics apart and rejects anything else', () => {
    const results = KNOWN.map((k) => Array.from(dotModel(k, a, b, c)));
    expect(new Set(results.map((r) => r.join())).size).toBe(3);
    for (const k of KNOWN) expect(classifyDot([dotModel(k, a, b, c), dotModel(k, a, b, c)])).toBe(k);
    // lane 0 as each engine computes it: 127·255·4 + 1, with pairs saturated at 32767, and 127·(-1)·4 + 1
    expect([results[0][0], results[2][0], results[1][0]]).toEqual([129541, 65535, -507]);
    // V8 11.3's baseline tier: products doubled, c dropped
    const liftoff = dotModel('saturating', a, b, new Int32Array(4)).map((v) => 2 * v);
    expect(classifyDot([liftoff])).toBe('unknown');
    // tiers that disagree (one exact, one saturating), one wrong lane, no outcome at all
    expect(classifyDot([dotModel('unsigned', a, b, c), dotModel('saturating', a, b, c)])).toBe('unknown');
    const off = dotModel('signed', a, b, c);
    off[3]++;
    expect(classifyDot([off])).toBe('unknown');
    expect(classifyDot([])).toBe('unknown');
    expect(dotExact('unsigned') && dotExact('signed') && !dotExact('saturating') && !dotExact('unknown')).toBe(true);
  });

  it('packs weights for the dot tile and back; zero past k and n', () => {
    const r = rng(3);
    for (const [k, n] of [
      [1, 1],
      [7, 9],
      [16, 8],
      [37, 19],
    ]) {
      const w = weights(k * n, r);
      same(unpackInt8Weights(packInt8Weights(w, k, n), k, n), w);
    }
  });

  // the dot path's algebra, engine by engine, in plain arithmetic: the engine reads each activation byte after the
  // flip as uint8 or int8, starts from the dot corrections, and must land on the reference's accumulator
  it.each([
    ['unsigned', false],
    ['unsigned', true],
    ['signed', false],
    ['signed', true],
  ] as const)('flip and corrections are exact on a simulated %s engine (int8 activations: %s)', (kind, signedA) => {
    const r = rng(signedA ? 11 : 12),
      [m, k, n] = [6, 23, 5];
    const x = bytes(m * k, signedA, r),
      w = weights(k * n, r),
      zA = signedA ? -3 : 140;
    const corr = corrections(
      w,
      k,
      n,
      zA,
      Int32Array.from({ length: n }, (_, j) => 100 * j - 7),
    );
    const flip = dotFlip(kind === 'signed', signedA),
      dc = dotCorrections(corr, w, k, n, kind === 'signed', signedA);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let ref = corr[j],
          eng = dc[j];
        for (let t = 0; t < k; t++) {
          const byte = (x[i * k + t] & 255) ^ flip;
          ref += x[i * k + t] * w[t * n + j];
          eng += (kind === 'signed' ? (byte << 24) >> 24 : byte) * w[t * n + j];
        }
        expect(eng | 0).toBe(ref | 0);
      }
  });
});

/**
 * Activations whose bytes the engine reads in 0..127 after the flip (and a zero point that is one too): every
 * engine, saturating or not, is exact on them, so the dot kernels' packing, tails and im2col are checked wherever
 * the probe knows the arithmetic; full-range operands where it is exact.
 */
function dotBytes(n: number, signedA: boolean, flip: number, sevenBit: boolean, r: () => number) {
  if (!sevenBit) return bytes(n, signedA, r);
  const v = Uint8Array.from({ length: n }, () => Math.floor(r() * 128) ^ flip);
  return signedA ? new Int8Array(v.buffer) : v;
}
const dotZero = (signedA: boolean, flip: number, sevenBit: boolean) => {
  const z = sevenBit ? 77 ^ flip : signedA ? 5 : 131;
  return signedA ? (z << 24) >> 24 : z;
};

describe.each((['relaxed'] as Build[]).filter(supports))('int8 dot-product kernels on the %s build', (build) => {
  const mod = instantiateSync(build);
  const arith: DotArithmetic = dotArithmetic(mod);
  // a saturating engine reads the i7 operand unsigned; run the kernels as on an unsigned one, on 7-bit bytes
  const kind = arith === 'signed' ? 'signed' : 'unsigned';
  const ranges = dotExact(arith) ? [true, false] : [true];

  it('probes as one of the known arithmetics or unknown, the same on a second module', () => {
    expect(['unsigned', 'signed', 'saturating', 'unknown']).toContain(arith);
    expect(dotArithmetic(instantiateSync(build))).toBe(arith);
  });

  it.skipIf(arith === 'unknown').each(GEMM_SHAPES)('qgemmDot m=%i n=%i k=%i, bit-exact', (m, n, k) => {
    const r = rng(m * 1000 + n * 10 + k + 1);
    for (const sevenBit of ranges)
      for (const signedA of [false, true])
        for (const outKind of KINDS) {
          const flip = dotFlip(kind === 'signed', signedA);
          const x = dotBytes(m * k, signedA, flip, sevenBit, r),
            w = weights(k * n, r);
          const bias = Int32Array.from({ length: n }, () => Math.floor(r() * 4000) - 2000);
          const p = { ...params(outKind, signedA, outKind === Q_KIND.u8), zA: dotZero(signedA, flip, sevenBit) };
          const mult = multipliers(n, k, r),
            corr = corrections(w, k, n, p.zA, bias);
          same(qgemmDotWasm(mod, kind, x, m, k, w, n, corr, mult, p), qgemmRef(x, m, k, w, n, corr, mult, p));
        }
  });

  it.skipIf(arith === 'unknown').each(CONV_CASES)('qconvDot %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 31 + g.inC * 7 + g.outC + 1),
      k = g.fH * g.fW * g.inC;
    for (const sevenBit of ranges)
      for (const signedA of [false, true])
        for (const outKind of KINDS) {
          const flip = dotFlip(kind === 'signed', signedA);
          const x = dotBytes(g.batch * g.inH * g.inW * g.inC, signedA, flip, sevenBit, r),
            w = weights(k * g.outC, r);
          const p = { ...params(outKind, signedA), zA: dotZero(signedA, flip, sevenBit) },
            mult = multipliers(g.outC, k, r);
          const corr = corrections(
            w,
            k,
            g.outC,
            p.zA,
            Int32Array.from({ length: g.outC }, (_, j) => 50 * j - 200),
          );
          same(qconvDotWasm(mod, kind, x, g, w, corr, mult, p), qconvRef(x, g, w, corr, mult, p));
        }
  });

  it.skipIf(arith === 'unknown').each(DEPTHWISE_CASES)('qdepthwise dot path %s, bit-exact', (_, g) => {
    const r = rng(g.inH * 13 + g.inC + 1),
      taps = g.fH * g.fW;
    for (const sevenBit of ranges)
      for (const signedA of [false, true])
        for (const outKind of KINDS) {
          const flip = dotFlip(kind === 'signed', signedA);
          const x = dotBytes(g.batch * g.inH * g.inW * g.inC, signedA, flip, sevenBit, r),
            w = weights(taps * g.inC, r);
          const p = { ...params(outKind, signedA, outKind !== Q_KIND.i8), zA: dotZero(signedA, flip, sevenBit) },
            mult = multipliers(g.inC, taps, r, 4);
          const corr = corrections(w, taps, g.inC, p.zA, null);
          same(qdepthwiseDotWasm(mod, kind, x, g, w, corr, mult, p), qdepthwiseRef(x, g, w, corr, mult, p));
        }
  });

  it.skipIf(arith === 'unknown')('the dot kernels with leaky ReLU, bit-exact', () => {
    const r = rng(77);
    for (const sevenBit of ranges)
      for (const signedA of [false, true])
        for (const outKind of KINDS) {
          const flip = dotFlip(kind === 'signed', signedA);
          const p = { ...leakyParams(outKind, signedA, 0.1), zA: dotZero(signedA, flip, sevenBit) };
          const [m, n, k] = [13, 19, 37];
          const a = dotBytes(m * k, signedA, flip, sevenBit, r),
            w = weights(k * n, r),
            mult = multipliers(n, k, r);
          const corr = corrections(w, k, n, p.zA, null);
          same(qgemmDotWasm(mod, kind, a, m, k, w, n, corr, mult, p), qgemmRef(a, m, k, w, n, corr, mult, p));
          for (const [, g] of [CONV_CASES[0], CONV_CASES[2]]) {
            const kc = g.fH * g.fW * g.inC,
              x = dotBytes(g.batch * g.inH * g.inW * g.inC, signedA, flip, sevenBit, r),
              wc = weights(kc * g.outC, r),
              mc = multipliers(g.outC, kc, r),
              cc = corrections(wc, kc, g.outC, p.zA, null);
            same(qconvDotWasm(mod, kind, x, g, wc, cc, mc, p), qconvRef(x, g, wc, cc, mc, p));
          }
          for (const [, g] of [DEPTHWISE_CASES[5], DEPTHWISE_CASES[6]]) {
            const taps = g.fH * g.fW,
              x = dotBytes(g.batch * g.inH * g.inW * g.inC, signedA, flip, sevenBit, r),
              wd = weights(taps * g.inC, r),
              md = multipliers(g.inC, taps, r, 4),
              cd = corrections(wd, taps, g.inC, p.zA, null);
            same(qdepthwiseDotWasm(mod, kind, x, g, wd, cd, md, p), qdepthwiseRef(x, g, wd, cd, md, p));
          }
        }
  });

  it.skipIf(arith !== 'saturating')('a saturating engine differs from the reference on full-range operands', () => {
    // why the plan keeps the i16 path there: 255·127 pairs overflow its i16 sums
    const [m, n, k] = [4, 8, 16];
    const x = new Uint8Array(m * k).fill(255),
      w = new Int8Array(k * n).fill(127);
    const p = { ...params(Q_KIND.f32, false), zA: 0 },
      mult = new Float32Array(n + 8).fill(1),
      corr = new Int32Array(n + 8);
    const want = qgemmRef(x, m, k, w, n, corr, mult, p);
    expect(want[0]).toBe(255 * 127 * 16);
    expect(qgemmDotWasm(mod, 'unsigned', x, m, k, w, n, corr, mult, p)[0]).toBe(32767 * 8);
  });
});
