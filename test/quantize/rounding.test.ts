// Adaptive rounding of depthwise kernels (src/quantize/rounding.ts): the patch moments give the real output error
// (checked against ops.depthwiseConv2d with stride, padding, dilation, batch > 1 and odd sizes), the rounding is the
// exhaustive optimum on the int8 grid, its real output error is never above nearest rounding's, and quantize's
// rounding: 'adaptive' keeps io.save / io.load exact. The same for 1x1 kernels' row moments and greedy descent (a local
// optimum, never worse than nearest). Also quantize's onProgress.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, ops, quantize, Tensor, ValueError, type QuantizeProgress } from '../../src';
import { addPatchMoments, addRowMoments, roundDepthwise, roundPointwise } from '../../src/quantize/rounding';
import { encodeInt8, snapInt8 } from '../../src/quantize/weights';
import type { DepthwiseGeometry } from '../../src/backend/kernels';
import { relError, seeded, smallNet } from './nets';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
}

type Case = { n: number; h: number; w: number; c: number; k: number; stride: number; dilation: number; same: boolean };
const CASES: Case[] = [
  { n: 2, h: 9, w: 7, c: 5, k: 3, stride: 1, dilation: 1, same: true },
  { n: 1, h: 11, w: 10, c: 3, k: 3, stride: 2, dilation: 1, same: true },
  { n: 3, h: 8, w: 9, c: 6, k: 3, stride: 1, dilation: 2, same: false },
  { n: 1, h: 7, w: 7, c: 4, k: 2, stride: 2, dilation: 1, same: false },
];

/** Smooth, correlated inputs (as images and feature maps are) in [0, 1], and a kernel whose taps nearly cancel. */
function problem(t: Case, seed: number) {
  const r = rng(seed);
  const x = new Tensor(
    Float32Array.from({ length: t.n * t.h * t.w * t.c }, (_, i) => {
      const c = i % t.c,
        px = Math.floor(i / t.c) % t.w,
        py = Math.floor(i / t.c / t.w) % t.h;
      return 0.5 + 0.4 * Math.sin(0.3 * px + 0.2 * py + c) + 0.05 * r();
    }),
    [t.n, t.h, t.w, t.c],
  );
  const w = new Tensor(
    Float32Array.from({ length: t.k * t.k * t.c }, () => r() - 0.5),
    [t.k, t.k, t.c, 1],
  );
  return { x, w };
}

const conv = (t: Case, x: Tensor, w: Tensor) =>
  ops.depthwiseConv2d(x, w, {
    strides: t.stride,
    padding: t.same ? 'same' : 'valid',
    dilation: t.dilation,
  });

/** Per channel, the sum over outputs (every `every`-th position) of (conv(x, a) - conv(x, b))². */
function outputError(t: Case, x: Tensor, a: Tensor, b: Tensor, every = 1): Float64Array {
  const ya = conv(t, x, a).data,
    yb = conv(t, x, b).data;
  const e = new Float64Array(t.c);
  for (let i = 0; i < ya.length; i++) {
    expect(Number.isFinite(ya[i]) && Number.isFinite(yb[i])).toBe(true);
    if (Math.floor(i / t.c) % every === 0) e[i % t.c] += (ya[i] - yb[i]) ** 2;
  }
  return e;
}

function geometryOf(t: Case, y: Tensor): DepthwiseGeometry {
  const [, outH, outW] = y.shape;
  const span = (t.k - 1) * t.dilation + 1;
  const pad = (size: number, out: number) => (t.same ? Math.max(0, ((out - 1) * t.stride + span - size) >> 1) : 0);
  return {
    batch: t.n,
    inD: 1,
    inH: t.h,
    inW: t.w,
    inC: t.c,
    outD: 1,
    outH,
    outW,
    outC: t.c,
    fD: 1,
    fH: t.k,
    fW: t.k,
    strideD: 1,
    strideH: t.stride,
    strideW: t.stride,
    dilationD: 1,
    dilationH: t.dilation,
    dilationW: t.dilation,
    padFront: 0,
    padTop: pad(t.h, outH),
    padLeft: pad(t.w, outW),
    multiplier: 1,
  };
}

/** Δwᵀ H_c Δw per channel (h as addPatchMoments leaves it: [taps][taps][C], the upper triangle filled). */
function quadratic(h: Float64Array, d: Float32Array, c: number, K: number): Float64Array {
  const e = new Float64Array(c);
  for (let ch = 0; ch < c; ch++)
    for (let a = 0; a < K; a++)
      for (let b = 0; b < K; b++)
        e[ch] += d[a * c + ch] * h[(Math.min(a, b) * K + Math.max(a, b)) * c + ch] * d[b * c + ch];
  return e;
}

describe('adaptive rounding of depthwise kernels', () => {
  it('patch moments give the real output error of a weight change (stride, padding, dilation, batch > 1)', () => {
    CASES.forEach((t, i) => {
      const { x, w } = problem(t, i + 1);
      const K = t.k * t.k;
      const r = rng(50 + i);
      const d = Float32Array.from(w.data, () => (r() - 0.5) * 0.01);
      const moved = new Tensor(
        w.data.map((v, j) => v + d[j]),
        [...w.shape],
      );
      // every output position, and every third only (what quantize samples on large inputs)
      const real = [1, 3].map((every) => {
        const h = new Float64Array(t.c * K * K);
        addPatchMoments(geometryOf(t, conv(t, x, w)), x.data, h, every);
        const e = outputError(t, x, w, moved, every),
          predicted = quadratic(h, d, t.c, K);
        // float32 convolutions: the differences of outputs near 1 carry about 1e-7 each
        e.forEach((v, ch) => expect(Math.abs(predicted[ch] - v)).toBeLessThan(1e-3 * v + 1e-10));
        return e;
      });
      expect(real[1][0]).toBeLessThan(real[0][0]);
    });
  });

  it('rounds each weight up or down on the int8 grid, to the exhaustive optimum, never worse than nearest', () => {
    CASES.forEach((t, i) => {
      const { x, w } = problem(t, 10 + i);
      const K = t.k * t.k;
      const hh = new Float64Array(t.c * K * K);
      addPatchMoments(geometryOf(t, conv(t, x, w)), x.data, hh);
      const { scales } = encodeInt8(w.data, t.c, false);
      const got = roundDepthwise(w.data, t.c, scales, hh);
      got.forEach((v, j) => {
        const q = v / scales[j % t.c],
          f = Math.floor(w.data[j] / scales[j % t.c]);
        expect(Math.abs(q - Math.round(q))).toBeLessThan(1e-4);
        expect([f, f + 1]).toContain(Math.round(q));
        expect(Math.abs(Math.round(q))).toBeLessThanOrEqual(127);
      });
      // exhaustive over every up/down choice of each channel
      const err = (v: Float32Array) =>
        quadratic(
          hh,
          v.map((a, j) => a - w.data[j]),
          t.c,
          K,
        );
      const mine = err(got);
      for (let ch = 0; ch < t.c; ch++) {
        let best = Infinity;
        for (let mask = 0; mask < 1 << K; mask++) {
          const v = Float32Array.from(w.data);
          let onGrid = true;
          for (let k = 0; k < K; k++) {
            const s = scales[ch],
              q = Math.floor(w.data[k * t.c + ch] / s) + ((mask >> k) & 1);
            onGrid &&= Math.abs(q) <= 127;
            v[k * t.c + ch] = q * s;
          }
          if (onGrid) best = Math.min(best, err(v)[ch]);
        }
        expect(mine[ch]).toBeLessThanOrEqual(best * (1 + 1e-9) + 1e-15);
      }
      // the real output error, per channel, against nearest rounding
      const nearest = new Tensor(snapInt8(w.data, t.c, false), [...w.shape]);
      const eN = outputError(t, x, w, nearest),
        eA = outputError(t, x, w, new Tensor(got, [...w.shape]));
      eA.forEach((e, ch) => expect(e).toBeLessThanOrEqual(eN[ch] * (1 + 1e-6) + 1e-12));
      expect(eA.reduce((a, b) => a + b)).toBeLessThan(eN.reduce((a, b) => a + b));
    });
  });

  it('a channel that never saw input keeps nearest rounding', () => {
    const w = Float32Array.from({ length: 9 * 2 }, (_, i) => Math.sin(i + 1));
    const { scales } = encodeInt8(w, 2, false);
    const got = roundDepthwise(w, 2, scales, new Float64Array(2 * 81));
    expect(Array.from(got)).toEqual(Array.from(snapInt8(w, 2, false)));
  });

  it('1x1 kernels: row moments give the real output error; the descent ends at a local optimum below nearest', () => {
    const r = rng(21);
    for (const [R, K, N, every] of [
      [200, 6, 4, 1],
      [301, 13, 7, 3],
      [150, 40, 9, 2],
    ]) {
      // correlated rows: a shared level plus small per-input parts, as neighbouring channels of a feature map
      const x = new Float32Array(R * K);
      for (let i = 0; i < R; i++) {
        const level = r();
        for (let k = 0; k < K; k++) x[i * K + k] = Math.max(0, level + 0.2 * (r() - 0.5));
      }
      const w = Float32Array.from({ length: K * N }, () => r() - 0.5);
      const h = new Float64Array(K * K);
      addRowMoments(x, K, h, every);
      const err = (v: Float32Array, j: number) => {
        let e = 0;
        for (let i = 0; i < R; i += every) {
          let y = 0;
          for (let k = 0; k < K; k++) y += x[i * K + k] * (v[k * N + j] - w[k * N + j]);
          e += y * y;
        }
        return e;
      };
      const quad = (v: Float32Array, j: number) => {
        let e = 0;
        for (let a = 0; a < K; a++)
          for (let b = 0; b < K; b++) e += (v[a * N + j] - w[a * N + j]) * h[a * K + b] * (v[b * N + j] - w[b * N + j]);
        return e;
      };
      const { scales } = encodeInt8(w, N, false);
      const got = roundPointwise(w, N, scales, h),
        nearest = snapInt8(w, N, false);
      let sumGot = 0,
        sumNearest = 0;
      for (let j = 0; j < N; j++) {
        // float32 moments: a relative error about 1e-6
        expect(Math.abs(quad(got, j) - err(got, j))).toBeLessThan(1e-4 * err(got, j) + 1e-9);
        expect(err(got, j)).toBeLessThanOrEqual(err(nearest, j) * (1 + 1e-9) + 1e-15);
        sumGot += err(got, j);
        sumNearest += err(nearest, j);
        // no single weight moved to its other grid neighbour lowers the error
        for (let k = 0; k < K; k++) {
          const s = scales[j],
            q = Math.round(got[k * N + j] / s),
            f = Math.floor(w[k * N + j] / s);
          expect([f, f + 1]).toContain(q);
          const other = q === f ? f + 1 : f;
          if (Math.abs(other) > 127) continue;
          const v = Float32Array.from(got);
          v[k * N + j] = other * s;
          expect(quad(v, j)).toBeGreaterThanOrEqual(quad(got, j) * (1 - 1e-9) - 1e-15);
        }
      }
      expect(sumGot).toBeLessThan(sumNearest);
    }
  });

  it("quantize's rounding: 'adaptive' tracks the float model, io.save / io.load keep it exactly; bad values fail", async () => {
    const m = smallNet(),
      cal = seeded([24, 13, 11, 3], 1),
      x = seeded([5, 13, 11, 3], 2);
    const yf = m.predict(x);
    const a = quantize(m, { calibration: cal, rounding: 'adaptive' }),
      n = quantize(m, { calibration: cal });
    const dwA = a.layers.find((l) => l.name === 'dw')!.weights[0].data,
      dwN = n.layers.find((l) => l.name === 'dw')!.weights[0].data;
    expect(Array.from(dwA)).not.toEqual(Array.from(dwN)); // some weight rounded the other way
    const pw = (q: typeof a) => Array.from(q.layers.find((l) => l.name === 'pw')!.weights[0].data);
    expect(pw(a)).not.toEqual(pw(n)); // the 1x1 conv's too
    const ya = a.predict(x);
    expect(relError(yf, ya)).toBeLessThan(0.05);
    const dir = mkdtempSync(join(tmpdir(), 'convkit-round-'));
    try {
      await io.save(a, dir);
      const back = await io.load(dir);
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(ya.data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => quantize(m, { calibration: cal, rounding: 'up' as never })).toThrow(ValueError);
    expect(() => quantize(m, { calibration: cal, rounding: 'up' as never })).toThrow(/quantize: rounding must be/);
  });

  it('onProgress reports each calibration batch, histogram batch and bias-corrected layer, ending at its total', () => {
    const m = smallNet(),
      cal = seeded([40, 13, 11, 3], 1);
    const seen: QuantizeProgress[] = [];
    const q = quantize(m, { calibration: cal, ranges: 'mse', biasCorrection: true, onProgress: (p) => seen.push(p) });
    const of = (stage: QuantizeProgress['stage']) => seen.filter((p) => p.stage === stage);
    // 40 inputs in batches of 16: 3 batches per pass
    expect(of('calibration').map((p) => p.done)).toEqual([1, 2, 3]);
    expect(of('histograms').map((p) => p.done)).toEqual([1, 2, 3]);
    const bc = of('biasCorrection');
    expect(bc.map((p) => p.done)).toEqual([...q.quantization.int8.keys(), q.quantization.int8.length]);
    expect(bc.every((p) => p.total === q.quantization.int8.length)).toBe(true);
    expect(() => quantize(m, { calibration: cal, onProgress: 3 as never })).toThrow(/quantize: onProgress must be/);
  });
});
