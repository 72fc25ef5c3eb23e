// Calibrated ranges (src/quantize/ranges.ts): the MSE search against brute force over every candidate range, the
// range it picks against min/max on the real squared error of uint8 quantisation (heavy tails: much smaller; uniform
// values: nothing to clip, the same range), and quantize's ranges option end to end.
import { describe, expect, it } from 'vitest';
import { quantize, ValueError } from '../../src';
import { mseRange, minMaxRanges, RangeHistograms } from '../../src/quantize/ranges';
import { valueParams } from '../../src/quantize/program';
import { relError, seeded, smallNet } from './nets';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
}

/** The real mean squared error of quantising d on the uint8 grid of range r (quantize's own scale and zero point). */
function quantError(d: Float32Array, r: [number, number]): number {
  const { scale, zero } = valueParams(r, false);
  let e = 0;
  for (const x of d) {
    const q = Math.min(255, Math.max(0, Math.round(x / scale) + zero));
    e += ((q - zero) * scale - x) ** 2;
  }
  const m = e / d.length;
  expect(Number.isFinite(m)).toBe(true);
  return m;
}

function chosen(d: Float32Array): { minmax: [number, number]; mse: [number, number] } {
  const mm = minMaxRanges();
  mm.see(0, d);
  const h = new RangeHistograms(mm.ranges);
  h.see(0, d);
  return { minmax: mm.ranges.get(0)!, mse: h.ranges().get(0)! };
}

describe('calibrated ranges', () => {
  it('mseRange finds the best pair of bin edges (brute force over all pairs on small histograms)', () => {
    const r = rng(3);
    for (let t = 0; t < 20; t++) {
      // histograms span 0, as RangeHistograms' do
      const n = 5 + Math.floor(r() * 30),
        width = (r() * 4 + 0.1) / n,
        lo = -r() * n * width;
      const counts = Float64Array.from({ length: n }, () => (r() < 0.3 ? 0 : Math.floor(r() * 50)));
      const levels = 4 + Math.floor(r() * 30);
      const err = (i: number, j: number) => {
        const a = lo + i * width,
          b = lo + j * width,
          step = (b - a) / (levels - 1);
        let e = 0;
        counts.forEach((c, k) => {
          const x = lo + (k + 0.5) * width;
          e += c * (x < a ? (x - a) ** 2 : x > b ? (x - b) ** 2 : (step * step) / 12);
        });
        return e;
      };
      const z = Math.min(n, Math.max(0, Math.round(-lo / width)));
      let best = Infinity;
      for (let i = 0; i <= z; i++) for (let j = Math.max(z, i + 1); j <= n; j++) best = Math.min(best, err(i, j));
      const [a, b] = mseRange(counts, lo, width, levels);
      expect(a).toBeLessThanOrEqual(1e-12);
      expect(b).toBeGreaterThanOrEqual(-1e-12);
      expect(err(Math.round((a - lo) / width), Math.round((b - lo) / width))).toBeCloseTo(best, 6);
    }
  });

  it('on every distribution the MSE range lies inside min/max and quantises with no larger real error', () => {
    const r = rng(7);
    const laplace = () => -Math.log(r()) * (r() < 0.5 ? -1 : 1);
    const cases: Array<[string, () => number, boolean]> = [
      // [what, sample, whether clipping pays: a tail long enough that the finer step saves more than it clips]
      ['ReLU of Laplace (after a conv)', () => Math.max(0, laplace()), true],
      ['Laplace', laplace, true],
      ['Gaussian', () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r()), true],
      ['uniform', () => r() * 6 - 2, false],
      ['uniform with 5 far outliers', () => (r() < 1e-4 ? 40 + 10 * r() : r()), false],
    ];
    for (const [what, sample, clips] of cases) {
      const d = Float32Array.from({ length: 50000 }, sample);
      const { minmax, mse } = chosen(d);
      const em = quantError(d, minmax),
        e = quantError(d, mse);
      expect(mse[0], what).toBeGreaterThanOrEqual(Math.min(0, minmax[0]));
      expect(mse[1], what).toBeLessThanOrEqual(Math.max(0, minmax[1]));
      expect(e, what).toBeLessThanOrEqual(em * 1.01);
      if (clips) expect(e, what).toBeLessThan(em * 0.99);
      else expect(mse[1] - mse[0], what).toBeGreaterThan(0.95 * (minmax[1] - Math.min(0, minmax[0])));
    }
  });

  it("quantize's ranges: 'mse' narrows ranges, tracks the float model, and bad values fail", () => {
    const m = smallNet(),
      cal = seeded([24, 13, 11, 3], 1),
      x = seeded([5, 13, 11, 3], 2);
    const yf = m.predict(x);
    const a = quantize(m, { calibration: cal }),
      b = quantize(m, { calibration: cal, ranges: 'mse' });
    const width = (q: typeof a) => q.saved.ranges.reduce((s, [, lo, hi]) => s + (hi - lo), 0);
    expect(width(b)).toBeLessThan(width(a));
    b.saved.ranges.forEach(([v, lo, hi]) => {
      const [l0, h0] = a.saved.ranges.find((r) => r[0] === v)!.slice(1);
      expect(lo).toBeGreaterThanOrEqual(Math.min(l0, 0) - 1e-6);
      expect(hi).toBeLessThanOrEqual(Math.max(h0, 0) + 1e-6);
    });
    expect(relError(yf, b.predict(x))).toBeLessThan(0.05);
    expect(() => quantize(m, { calibration: cal, ranges: 'entropy' as never })).toThrow(ValueError);
    expect(() => quantize(m, { calibration: cal, ranges: 'entropy' as never })).toThrow(/quantize: ranges must be/);
  });
});
