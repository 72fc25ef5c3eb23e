// vision.resize / crop / normalize / toGrayscale against hand-computed values and TF.js as an oracle.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Tensor } from '../../src/tensor';
import { ShapeError, ValueError } from '../../src/errors';
import { resize, crop, normalize, toGrayscale, edges } from '../../src/vision';

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const t = (data: number[], shape: number[]) => new Tensor(Float32Array.from(data), shape);
const arr = (x: Tensor) => Array.from(x.data);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('resize', () => {
  it('half-pixel centres by default (hand-computed)', () => {
    // Output x samples input (x + 0.5) * 2/4 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to 0..1.
    expect(arr(resize(t([0, 10], [1, 2, 1]), 1, 4))).toEqual([0, 2.5, 7.5, 10]);
    // Downsampling 4 -> 2 samples 0.5 and 2.5.
    expect(arr(resize(t([0, 10, 20, 30], [1, 4, 1]), 1, 2))).toEqual([5, 25]);
    // 2x2 -> 3x3 in both axes: rows and columns sample 0, 0.5, 1.
    expect(arr(resize(t([0, 10, 20, 30], [2, 2, 1]), 3, 3))).toEqual([0, 5, 10, 10, 15, 20, 20, 25, 30]);
  });

  it('alignCorners maps corner to corner', () => {
    const r = arr(resize(t([0, 10], [1, 2, 1]), 1, 4, { alignCorners: true }));
    [0, 10 / 3, 20 / 3, 10].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 5));
  });

  it('nearest picks whole pixels', () => {
    expect(arr(resize(t([1, 2, 3], [1, 3, 1]), 1, 6, { method: 'nearest' }))).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('matches tf.image.resizeBilinear on seeded random shapes (batch, odd sizes, channels)', () => {
    const r = rng(7);
    const cases = [
      [1, 5, 7, 3, 9, 4],
      [2, 13, 11, 1, 6, 17],
      [1, 8, 8, 4, 3, 3],
      [3, 1, 9, 2, 4, 1],
      [1, 6, 6, 3, 6, 6],
    ];
    for (const [n, h, w, c, oh, ow] of cases) {
      const data = Float32Array.from({ length: n * h * w * c }, () => r() * 255);
      const x = new Tensor(data, [n, h, w, c]);
      for (const align of [false, true]) {
        const mine = resize(x, oh, ow, { alignCorners: align });
        const ref = tf.image.resizeBilinear(tf.tensor4d(data, [n, h, w, c]), [oh, ow], align, !align).dataSync();
        expect(mine.shape).toEqual([n, oh, ow, c]);
        let err = 0;
        for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(mine.data[i] - ref[i]));
        expect(err, `${[n, h, w, c, oh, ow]} align=${align}`).toBeLessThan(1e-3);
      }
    }
  });

  it('rejects bad sizes and shapes', () => {
    expect(() => resize(t([1], [1, 1, 1]), 0, 2)).toThrow(ValueError);
    expect(() => resize(t([1, 2], [2]), 2, 2)).toThrow(ShapeError);
  });
});

describe('crop', () => {
  it('cuts the rectangle from an image and a batch', () => {
    const img = t(
      Array.from({ length: 4 * 5 * 2 }, (_, i) => i),
      [4, 5, 2],
    );
    const c = crop(img, { x: 1, y: 2, width: 3, height: 2 });
    expect(c.shape).toEqual([2, 3, 2]);
    // Row 2, columns 1-3: pixel (2,1) starts at (2*5+1)*2 = 22.
    expect(arr(c)).toEqual([22, 23, 24, 25, 26, 27, 32, 33, 34, 35, 36, 37]);
    const batch = t(
      Array.from({ length: 2 * 3 * 3 }, (_, i) => i),
      [2, 3, 3, 1],
    );
    expect(arr(crop(batch, { x: 1, y: 1, width: 2, height: 2 }))).toEqual([4, 5, 7, 8, 13, 14, 16, 17]);
  });
  it('refuses rectangles outside the image', () => {
    const img = t(new Array(12).fill(0), [3, 4, 1]);
    expect(() => crop(img, { x: 3, y: 0, width: 2, height: 1 })).toThrow(/does not fit/);
    expect(() => crop(img, { x: 0.5, y: 0, width: 2, height: 1 })).toThrow(ValueError);
  });
});

describe('normalize', () => {
  it('applies a given per-channel mean and std', () => {
    const img = t([10, 20, 30, 40], [1, 2, 2]);
    expect(arr(normalize(img, { mean: [10, 20], std: [2, 4] }))).toEqual([0, 0, 10, 5]);
    expect(() => normalize(img, { mean: [1, 2, 3] })).toThrow(/needs 2 values/);
    expect(() => normalize(img, { std: 0 })).toThrow(/positive/);
  });
  it('standardises each channel by default', () => {
    const r = rng(3);
    const img = new Tensor(
      Float32Array.from({ length: 6 * 7 * 3 }, (_, i) => (i % 3) * 100 + r() * (10 + (i % 3) * 20)),
      [6, 7, 3],
    );
    const z = normalize(img);
    for (let k = 0; k < 3; k++) {
      const v = Array.from(z.data).filter((_, i) => i % 3 === k);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
      expect(m).toBeCloseTo(0, 4);
      expect(s).toBeCloseTo(1, 4);
    }
  });
});

describe('toGrayscale', () => {
  it('uses the BT.601 weights and ignores alpha', () => {
    const g = toGrayscale(t([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], [2, 2, 3]));
    expect(g.shape).toEqual([2, 2, 1]);
    [0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30].forEach((v, i) =>
      expect(g.data[i]).toBeCloseTo(v, 3),
    );
    expect(arr(toGrayscale(t([100, 100, 100, 7], [1, 1, 4])))).toEqual([100]);
    expect(() => toGrayscale(t([1, 2], [1, 1, 2]))).toThrow(ShapeError);
  });
});

describe('edges', () => {
  const grid = (rows: number[][]) => t(rows.flat(), [rows.length, rows[0].length, 1]);
  const halves = (a: number, b: number) => Array.from({ length: 6 }, () => [a, a, a, b, b, b]);

  it("reproduces the notes' vertical edge examples with the simple filter", () => {
    expect(arr(edges(grid(halves(10, 0)), { filter: 'simple' }).vertical)).toEqual(
      new Array(4).fill([0, 30, 30, 0]).flat(),
    );
    expect(arr(edges(grid(halves(0, 10)), { filter: 'simple' }).vertical)).toEqual(
      new Array(4).fill([0, -30, -30, 0]).flat(),
    );
  });

  it("reproduces the notes' horizontal edge example", () => {
    const img = grid([...halves(10, 0).slice(0, 3), ...halves(0, 10).slice(0, 3)]);
    const e = edges(img, { filter: 'simple' });
    expect(e.horizontal.shape).toEqual([4, 4, 1]);
    expect(arr(e.horizontal)).toEqual([0, 0, 0, 0, 30, 10, -10, -30, 30, 10, -10, -30, 0, 0, 0, 0]);
  });

  it('sobel and scharr with same padding match a direct loop; magnitude combines them; colour goes through gray', () => {
    const r = rng(11);
    const [n, h, w] = [2, 9, 7];
    const rgb = new Tensor(
      Float32Array.from({ length: n * h * w * 3 }, () => Math.floor(r() * 256)),
      [n, h, w, 3],
    );
    const gray = toGrayscale(rgb).data;
    const kernels = {
      sobel: [
        [
          [1, 0, -1],
          [2, 0, -2],
          [1, 0, -1],
        ],
        [
          [1, 2, 1],
          [0, 0, 0],
          [-1, -2, -1],
        ],
      ],
      scharr: [
        [
          [3, 0, -3],
          [10, 0, -10],
          [3, 0, -3],
        ],
        [
          [3, 10, 3],
          [0, 0, 0],
          [-3, -10, -3],
        ],
      ],
    } as const;
    for (const name of ['sobel', 'scharr'] as const) {
      const e = edges(rgb, { filter: name, padding: 'same' });
      expect(e.magnitude.shape).toEqual([n, h, w, 1]);
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const resp = kernels[name].map((k) => {
              let s = 0;
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const yy = y + i - 1,
                    xx = x + j - 1;
                  if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += k[i][j] * gray[(b * h + yy) * w + xx];
                }
              return s;
            });
            const o = (b * h + y) * w + x;
            expect(e.vertical.data[o]).toBeCloseTo(resp[0], 2);
            expect(e.horizontal.data[o]).toBeCloseTo(resp[1], 2);
            expect(e.magnitude.data[o]).toBeCloseTo(Math.hypot(resp[0], resp[1]), 2);
          }
    }
  });

  it("'reflect' padding keeps the size and sees no edge at the border of a flat image", () => {
    const flat = t(new Array(5 * 6).fill(100), [5, 6, 1]);
    const same = edges(flat, { padding: 'same' });
    const refl = edges(flat, { padding: 'reflect' });
    expect(refl.magnitude.shape).toEqual([5, 6, 1]);
    expect(Math.max(...arr(same.magnitude))).toBeGreaterThan(0);
    expect(arr(refl.magnitude).every((v) => v === 0)).toBe(true);
    // A ramp 0, 10, 20, ... across x: the mirrored border turns the slope around at the edges.
    const ramp = t(
      Array.from({ length: 3 * 4 }, (_, i) => (i % 4) * 10),
      [3, 4, 1],
    );
    // simple vertical filter = left column minus right column, three rows: x=0 sees 10 | 0 | 10 -> 0.
    expect(arr(edges(ramp, { filter: 'simple', padding: 'reflect' }).vertical)).toEqual([
      0, -60, -60, 0, 0, -60, -60, 0, 0, -60, -60, 0,
    ]);
  });

  it('rejects an unknown filter', () => {
    expect(() => edges(t(new Array(16).fill(0), [4, 4, 1]), { filter: 'canny' as 'sobel' })).toThrow(ValueError);
  });
});
