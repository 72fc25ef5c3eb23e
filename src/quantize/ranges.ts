// Calibrated activation ranges. 'minmax' keeps the plain min/max of what the calibration wrote (never clips). 'mse'
// picks, per value, the range [a, b] that minimises the expected squared quantisation error over a histogram of the
// calibration's values: rounding noise (step² / 12 for every value inside, exact zeros excepted: zero is exact on
// the grid) plus clipping error for every value outside. This is PyTorch's HistogramObserver criterion (L2 over a
// histogram), searched exhaustively over bin edges rather than greedily; it trades a few clipped outliers for a
// finer step on the bulk of the values, which min/max spends on one rare extreme.

/** Histogram bins per value: fine enough that a bin is a small fraction of the uint8 step of any candidate range. */
const BINS = 2048;

/** A running min/max of each value's writes. */
export function minMaxRanges(): {
  see: (v: number, d: Float32Array) => void;
  ranges: Map<number, [number, number]>;
} {
  const ranges = new Map<number, [number, number]>();
  const see = (v: number, d: Float32Array) => {
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const r = ranges.get(v);
    ranges.set(v, r ? [Math.min(r[0], lo), Math.max(r[1], hi)] : [lo, hi]);
  };
  return { see, ranges };
}

/** Histograms of each value over its (0-including) min/max range; `ranges` then gives the MSE-optimal ranges. */
export class RangeHistograms {
  private readonly hists = new Map<number, { lo: number; width: number; counts: Float64Array }>();

  constructor(private readonly minMax: ReadonlyMap<number, [number, number]>) {}

  see(v: number, d: Float32Array): void {
    let h = this.hists.get(v);
    if (!h) {
      const r = this.minMax.get(v);
      if (!r) return;
      const lo = Math.min(r[0], 0),
        hi = Math.max(r[1], 0);
      h = { lo, width: (hi - lo) / BINS, counts: new Float64Array(BINS) };
      this.hists.set(v, h);
    }
    const { lo, width, counts } = h;
    if (width === 0) return;
    const inv = 1 / width;
    // exact zeros (after ReLU, many) are exact on the grid too: they cost nothing at any range
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      if (x !== 0) counts[Math.min(BINS - 1, Math.max(0, Math.floor((x - lo) * inv)))]++;
    }
  }

  /** Per value, the range that minimises the expected squared error of its uint8 (256-level) quantisation. */
  ranges(levels = 256): Map<number, [number, number]> {
    const out = new Map<number, [number, number]>();
    for (const [v, r] of this.minMax) {
      const h = this.hists.get(v);
      out.set(v, h && h.width > 0 && Number.isFinite(h.width) ? mseRange(h.counts, h.lo, h.width, levels) : r);
    }
    return out;
  }
}

/**
 * The range [a, b] (bin edges; a <= 0 <= b) minimising Σ clipping² + (inside values) · step² / 12 over a histogram
 * of nonzero values whose bin i spans lo + i·width .. lo + (i+1)·width. Prefix sums of count, count·x and count·x²
 * (x the bin centre) make each candidate O(1).
 */
export function mseRange(counts: Float64Array, lo: number, width: number, levels: number): [number, number] {
  const n = counts.length;
  const c = new Float64Array(n + 1),
    cx = new Float64Array(n + 1),
    cxx = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const x = lo + (i + 0.5) * width;
    c[i + 1] = c[i] + counts[i];
    cx[i + 1] = cx[i] + counts[i] * x;
    cxx[i + 1] = cxx[i] + counts[i] * x * x;
  }
  // the edge at or nearest 0: a runs over edges at or below it, b over edges at or above it
  const z = Math.min(n, Math.max(0, Math.round(-lo / width)));
  let best = Infinity,
    bestA = 0,
    bestB = n;
  for (let i = 0; i <= z; i++) {
    const a = lo + i * width;
    // values in bins below i clip up to a
    const below = cxx[i] - 2 * a * cx[i] + a * a * c[i];
    for (let j = Math.max(z, i + 1); j <= n; j++) {
      const b = lo + j * width;
      const above = cxx[n] - cxx[j] - 2 * b * (cx[n] - cx[j]) + b * b * (c[n] - c[j]);
      const step = (b - a) / (levels - 1);
      const e = below + above + ((c[j] - c[i]) * step * step) / 12;
      if (e < best) [best, bestA, bestB] = [e, i, j];
    }
  }
  // the edge nearest 0 may lie a fraction of a bin beside it; the range holds 0 exactly (zero padding is exact)
  return [Math.min(0, lo + bestA * width), Math.max(0, lo + bestB * width)];
}
