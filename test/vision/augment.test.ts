// vision.augment: reproducibility, exact identities (mirror twice, four 90° turns), boxes and points
// following their pixels under every geometric transform, colour maths, the fit() dataset, errors.
import { describe, it, expect } from 'vitest';
import { Tensor, ops, layers, Sequential, optimizers, ShapeError, ValueError } from '../../src/index';
import { augment } from '../../src/vision';
import type { AugBox, AugPoint, Transform } from '../../src/vision/augment';

const { mirror, rotate, shear, translate, randomCrop, colorShift, warp, compose, colorPca, augmentedDataset } = augment;

const rand = (shape: number[], seed: number, max = 255) => ops.randomUniform(shape, { min: 0, max, seed });
const at = (t: Tensor, y: number, x: number, k = 0) => t.data[(y * t.shape[1] + x) * t.shape[2] + k];

/** A black h x w image with the pixel rectangle [x0, x1) x [y0, y1) white, and its normalised centre box. */
function boxImage(
  h: number,
  w: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): { image: Tensor; box: AugBox } {
  const d = new Float32Array(h * w);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d[y * w + x] = 255;
  return {
    image: new Tensor(d, [h, w, 1]),
    box: { x: (x0 + x1) / 2 / w, y: (y0 + y1) / 2 / h, w: (x1 - x0) / w, h: (y1 - y0) / h },
  };
}

/** Pixel bounds (inclusive) of the pixels brighter than `thr`. */
function brightBounds(t: Tensor, thr: number) {
  const [h, w] = t.shape;
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (at(t, y, x) > thr) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  return { x0, y0, x1, y1 };
}

/** Brightness-weighted centre of an image in pixel coordinates (pixel i's centre is i + 0.5). */
function centroid(t: Tensor): [number, number] {
  const [h, w] = t.shape;
  let s = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = at(t, y, x);
      s += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  return [sx / s, sy / s];
}

const geometric: [string, Transform][] = [
  ['mirror', mirror({ p: 1 })],
  ['mirror vertical', mirror({ p: 1, direction: 'vertical' })],
  ['rotate', rotate({ maxDegrees: 40 })],
  ['rotate 90', rotate({ angles: [90, 180, 270] })],
  ['shear', shear({ maxDegrees: 20 })],
  ['shear y', shear({ maxDegrees: 20, axis: 'y' })],
  ['translate px', translate({ maxPixels: 5 })],
  ['translate fraction', translate({ maxFraction: 0.15 })],
  ['randomCrop', randomCrop({ scale: [0.6, 1] })],
  ['randomCrop to size', randomCrop({ scale: [0.6, 1], size: [30, 24] })],
  ['warp', warp({ alpha: 2.5, sigma: 6 })],
];

describe('vision.augment', () => {
  it('seeded pipelines are reproducible; each image of a batch is drawn independently', () => {
    const all = [mirror(), rotate(), shear(), translate(), randomCrop(), colorShift({ shift: 20, pca: 0.1 }), warp()];
    const img = rand([17, 23, 3], 1);
    const a = compose(all, { seed: 7 }),
      b = compose(all, { seed: 7 }),
      c = compose(all, { seed: 8 });
    const first = a(img),
      again = b(img);
    expect(Array.from(first.data)).toEqual(Array.from(again.data));
    expect(Array.from(c(img).data)).not.toEqual(Array.from(first.data));
    // The stream moves on: a second call differs, and withSeed restarts it.
    expect(Array.from(a(img).data)).not.toEqual(Array.from(first.data));
    expect(Array.from(a.withSeed(7)(img).data)).toEqual(Array.from(first.data));
    // Standalone transforms take a seed too.
    expect(Array.from(rotate()(img, 3).data)).toEqual(Array.from(rotate()(img, 3).data));
    // A batch of two identical images comes out as two different images of the same shape.
    const batch = new Tensor(new Float32Array([...img.data, ...img.data]), [2, 17, 23, 3]);
    const out = compose(all, { seed: 1 })(batch);
    expect(out.shape).toEqual([2, 17, 23, 3]);
    const n = img.size;
    expect(Array.from(out.data.subarray(0, n))).not.toEqual(Array.from(out.data.subarray(n)));
  });

  it('mirror flips exactly and twice is the identity', () => {
    const img = rand([5, 7, 3], 2);
    const once = mirror({ p: 1 })(img);
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 7; x++) for (let k = 0; k < 3; k++) expect(at(once, y, x, k)).toBe(at(img, y, 6 - x, k));
    expect(Array.from(mirror({ p: 1 })(once).data)).toEqual(Array.from(img.data));
    const v = mirror({ p: 1, direction: 'vertical' });
    expect(Array.from(v(v(img)).data)).toEqual(Array.from(img.data));
    expect(at(v(img), 0, 3, 1)).toBe(at(img, 4, 3, 1));
    // p = 0 never flips.
    expect(Array.from(mirror({ p: 0 })(img).data)).toEqual(Array.from(img.data));
  });

  it('a 90° rotation turns counter-clockwise exactly, and four are the identity', () => {
    for (const n of [5, 6]) {
      const img = rand([n, n, 2], n);
      const r90 = rotate({ angles: [90] });
      const once = r90(img);
      // np.rot90: out[r][c] = in[c][n-1-r]
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(at(once, r, c, 1)).toBe(at(img, c, n - 1 - r, 1));
      expect(Array.from(r90(r90(r90(once))).data)).toEqual(Array.from(img.data));
      expect(Array.from(rotate({ angles: [-90] })(once).data)).toEqual(Array.from(img.data));
    }
  });

  it('integer translation moves pixels without blending, zeros shifted in', () => {
    const img = rand([9, 11, 1], 4, 1).data.map((v) => v + 1);
    const t = new Tensor(img, [9, 11, 1]);
    const { image, points } = translate({ maxPixels: 3 })({ image: t, points: [{ x: 0.5, y: 0.5 }] }, 5);
    const dx = Math.round((points![0].x - 0.5) * 11),
      dy = Math.round((points![0].y - 0.5) * 9);
    expect(Math.abs(dx) + Math.abs(dy)).toBeGreaterThan(0);
    for (let y = 0; y < 9; y++)
      for (let x = 0; x < 11; x++) {
        const sy = y - dy,
          sx = x - dx;
        expect(at(image, y, x)).toBe(sy >= 0 && sy < 9 && sx >= 0 && sx < 11 ? at(t, sy, sx) : 0);
      }
  });

  it('randomCrop over the whole square image is the identity; it resizes to `size`', () => {
    const img = rand([8, 8, 3], 6);
    expect(Array.from(randomCrop({ scale: [1, 1], ratio: [1, 1] })(img, 1).data)).toEqual(Array.from(img.data));
    expect(randomCrop({ size: [5, 4] })(img, 2).shape).toEqual([5, 4, 3]);
  });

  for (const [name, t] of geometric) {
    it(`${name}: a box follows the pixels drawn in it`, () => {
      for (let seed = 1; seed <= 4; seed++) {
        const { image, box } = boxImage(40, 48, 13 + seed, 9, 31, 24 + seed);
        const out = t({ image, boxes: [{ ...box, label: 'thing' } as AugBox] }, seed);
        const [H, W] = out.image.shape;
        expect(out.boxes).toHaveLength(1);
        const b = out.boxes![0];
        expect((b as unknown as { label: string }).label).toBe('thing');
        const bb = brightBounds(out.image, 127);
        // Every clearly bright pixel lies inside the box (pixel centres, half a pixel of slack)...
        expect(bb.x0 + 0.5).toBeGreaterThanOrEqual((b.x - b.w / 2) * W - 0.5);
        expect(bb.x1 + 0.5).toBeLessThanOrEqual((b.x + b.w / 2) * W + 0.5);
        expect(bb.y0 + 0.5).toBeGreaterThanOrEqual((b.y - b.h / 2) * H - 0.5);
        expect(bb.y1 + 0.5).toBeLessThanOrEqual((b.y + b.h / 2) * H + 0.5);
        // ...and the box is tight: its edges are within 1.5 pixels of the bright region's.
        expect(bb.x0).toBeLessThanOrEqual((b.x - b.w / 2) * W + 1.5);
        expect(bb.x1 + 1).toBeGreaterThanOrEqual((b.x + b.w / 2) * W - 1.5);
        expect(bb.y0).toBeLessThanOrEqual((b.y - b.h / 2) * H + 1.5);
        expect(bb.y1 + 1).toBeGreaterThanOrEqual((b.y + b.h / 2) * H - 1.5);
      }
    });

    it(`${name}: a landmark follows its spot`, () => {
      for (let seed = 1; seed <= 4; seed++) {
        // A smooth 7x7 blob so its brightness-weighted centre is well defined after resampling.
        const h = 40,
          w = 48,
          cx = 18.5 + seed,
          cy = 21.5;
        const d = new Float32Array(h * w);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) d[y * w + x] = Math.max(0, 1 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / 4) * 255;
        const out = t({ image: new Tensor(d, [h, w, 1]), points: [{ x: cx / w, y: cy / h }] }, seed);
        const [H, W] = out.image.shape;
        const [gx, gy] = centroid(out.image);
        const p = out.points![0];
        expect(Math.abs(p.x * W - gx)).toBeLessThan(0.6);
        expect(Math.abs(p.y * H - gy)).toBeLessThan(0.6);
      }
    });
  }

  it('mirror swaps left/right landmarks named in flipPairs; boxes pushed out of the image are dropped', () => {
    const img = rand([10, 10, 1], 3);
    const pts: AugPoint[] = [
      { x: 0.3, y: 0.4 },
      { x: 0.7, y: 0.4 },
      { x: 0.5, y: 0.8 },
    ];
    const out = mirror({ p: 1, flipPairs: [[0, 1]] })({ image: img, points: pts });
    // The left eye (index 0) is still on the left after the flip: the old right eye, mirrored.
    expect(out.points![0].x).toBeCloseTo(0.3, 12);
    expect(out.points![1].x).toBeCloseTo(0.7, 12);
    expect(out.points![2]).toEqual({ x: 0.5, y: 0.8 });
    const crop = randomCrop({ scale: [0.25, 0.25], ratio: [1, 1] });
    const corners: AugBox[] = [
      { x: 0.05, y: 0.05, w: 0.1, h: 0.1 },
      { x: 0.95, y: 0.95, w: 0.1, h: 0.1 },
    ];
    const kept = crop({ image: img, boxes: corners }, 11).boxes!;
    expect(kept.length).toBeLessThan(2); // a quarter-area crop cannot hold both opposite corners
    for (const b of kept)
      for (const v of [b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
  });

  it('batches carry one box list per image', () => {
    const a = boxImage(20, 20, 2, 2, 8, 8),
      b = boxImage(20, 20, 10, 12, 18, 19);
    const batch = new Tensor(new Float32Array([...a.image.data, ...b.image.data]), [2, 20, 20, 1]);
    const out = compose([mirror({ p: 1 })])({ image: batch, boxes: [[a.box], [b.box]] });
    expect(out.image.shape).toEqual([2, 20, 20, 1]);
    expect(out.boxes![0][0].x).toBeCloseTo(1 - a.box.x, 12);
    expect(out.boxes![1][0].x).toBeCloseTo(1 - b.box.x, 12);
  });

  it('colorShift: one offset per channel within the limit; PCA moves colours along the basis', () => {
    const img = rand([6, 5, 3], 9, 100).data.map((v) => v + 50);
    const t = new Tensor(img, [6, 5, 3]);
    const out = colorShift({ shift: [10, 0, 30] })(t, 4);
    const off = [0, 1, 2].map((k) => out.data[k] - t.data[k]);
    for (let i = 0; i < t.size; i++) expect(out.data[i] - t.data[i]).toBeCloseTo(off[i % 3], 3);
    expect(Math.abs(off[0])).toBeLessThanOrEqual(10);
    expect(off[1]).toBe(0);
    expect(Math.abs(off[2])).toBeLessThanOrEqual(30);
    expect(Math.abs(off[2])).toBeGreaterThan(0);
    // A basis with a single non-zero component along green moves green only.
    const green = colorShift({
      pca: 1,
      basis: {
        values: [0.1, 0, 0],
        vectors: [
          [0, 1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ],
      },
      clamp: false,
    })(t, 2);
    const d = [0, 1, 2].map((k) => green.data[k] - t.data[k]);
    expect(d[0]).toBe(0);
    expect(d[2]).toBe(0);
    expect(Math.abs(d[1])).toBeGreaterThan(0);
    // RGBA: a single shift leaves alpha alone.
    const rgba = new Tensor(new Float32Array(4 * 4 * 4).fill(100), [4, 4, 4]);
    const moved = colorShift({ shift: 50 })(rgba, 3);
    expect(moved.data[3]).toBe(100);
    expect([0, 1, 2].some((k) => moved.data[k] !== 100)).toBe(true);
    // Clamped to [0, range] by default.
    const big = colorShift({ shift: 1000 })(t, 1);
    for (const v of big.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(255);
    }
  });

  it('colorPca finds the principal colour axes (V diag(λ) Vᵀ is the covariance)', () => {
    const g = ops.rng(5),
      n = 400,
      d = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = g.normal() * 40,
        b = g.normal() * 10,
        c = g.normal() * 3;
      d[3 * i] = 128 + a + b;
      d[3 * i + 1] = 128 + a - b + c;
      d[3 * i + 2] = 128 + a - c;
    }
    const basis = colorPca(new Tensor(d, [20, 20, 3]));
    expect(basis.values[0]).toBeGreaterThan(basis.values[1]);
    expect(basis.values[1]).toBeGreaterThan(basis.values[2]);
    const mean = [0, 1, 2].map((k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += d[3 * i + k] / 255;
      return s / n;
    });
    for (let p = 0; p < 3; p++)
      for (let q = 0; q < 3; q++) {
        let cov = 0;
        for (let i = 0; i < n; i++) cov += (d[3 * i + p] / 255 - mean[p]) * (d[3 * i + q] / 255 - mean[q]);
        cov /= n;
        const rec = basis.values.reduce((s, l, i) => s + l * basis.vectors[i][p] * basis.vectors[i][q], 0);
        expect(rec).toBeCloseTo(cov, 5);
      }
    // The main axis is close to gray (all channels together), as built.
    const v0 = basis.vectors[0];
    expect(Math.abs(v0[0] + v0[1] + v0[2]) / Math.sqrt(3)).toBeGreaterThan(0.95);
  });

  it('augmentedDataset feeds fit fresh augmented batches, reproducibly', async () => {
    const n = 24,
      x = rand([n, 6, 6, 1], 12, 1);
    const y = ops.oneHot(
      Array.from({ length: n }, (_, i) => i % 2),
      2,
    );
    let calls = 0;
    const aug = compose([mirror(), translate({ maxPixels: 1 })], { seed: 3 });
    const counting = (b: Tensor) => {
      calls++;
      return aug(b);
    };
    const net = new Sequential(
      [layers.flatten({ inputShape: [6, 6, 1] }), layers.dense({ units: 2, activation: 'softmax' })],
      { seed: 1 },
    );
    net.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    const h = await net.fit(augmentedDataset(x, y, counting, { batchSize: 10, seed: 4 }), { epochs: 2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1]);
    expect(calls).toBe(6); // 3 batches (10, 10, 4) per epoch
    // The same seed gives the same batches; another epoch gives others.
    const ds = augmentedDataset(x, y, aug, { batchSize: 10, seed: 4 });
    const e0 = [...ds(0)],
      e0b = [...ds(0)],
      e1 = [...ds(1)];
    expect(e0.map((b) => (b.xs as Tensor).shape[0])).toEqual([10, 10, 4]);
    expect(Array.from((e0[0].xs as Tensor).data)).toEqual(Array.from((e0b[0].xs as Tensor).data));
    expect(Array.from(e0[2].ys.data)).toEqual(Array.from(e0b[2].ys.data));
    expect(Array.from((e1[0].xs as Tensor).data)).not.toEqual(Array.from((e0[0].xs as Tensor).data));
    // Labels travel with their images: without shuffling or augmentation the batches are x and y in order.
    const plain = [...augmentedDataset(x, y, (b) => b, { batchSize: 24, shuffle: false })(0)];
    expect(Array.from((plain[0].xs as Tensor).data)).toEqual(Array.from(x.data));
    expect(Array.from(plain[0].ys.data)).toEqual(Array.from(y.data));
  });

  it('bad input gives typed errors naming the transform', () => {
    expect(() => rotate()(rand([4, 4], 1))).toThrow(ShapeError);
    expect(() => rotate()(rand([4, 4], 1))).toThrow(
      /augment\.rotate: expected an image \[H,W,C\] or a batch \[N,H,W,C\].*got \[4,4\]/,
    );
    expect(() => compose([mirror()])(rand([2, 2, 2, 2, 1], 1))).toThrow(
      /augment\.compose\(\[mirror\]\).*got \[2,2,2,2,1\]/,
    );
    expect(() => mirror({ p: 2 })).toThrow(ValueError);
    expect(() => mirror({ p: 2 })).toThrow(/augment\.mirror: p must be a number in \[0, 1\], got 2/);
    expect(() => rotate({ maxDegree: 5 } as never)).toThrow(/augment\.rotate: unknown option 'maxDegree'/);
    expect(() => rotate({ maxDegrees: 5, angles: [90] })).toThrow(/augment\.rotate: give maxDegrees or angles/);
    expect(() => shear({ axis: 'z' as never })).toThrow(/augment\.shear: axis/);
    expect(() => translate({ maxPixels: 1.5 })).toThrow(/augment\.translate: maxPixels must be a whole number/);
    expect(() => randomCrop({ scale: [0.9, 0.2] })).toThrow(/augment\.randomCrop: scale must have min <= max/);
    expect(() => randomCrop({ size: [0, 3] })).toThrow(/augment\.randomCrop: size/);
    expect(() => colorShift({})).toThrow(/augment\.colorShift: nothing to do/);
    expect(() => colorShift({ pca: 0.1 })(rand([4, 4, 1], 1))).toThrow(ShapeError);
    expect(() => colorShift({ shift: [1, 2] })(rand([4, 4, 3], 1))).toThrow(
      /augment\.colorShift: shift lists 2 channels/,
    );
    expect(() => warp({ sigma: 0 })).toThrow(/augment\.warp: sigma/);
    expect(() => rotate({ border: 'wrap' as never })).toThrow(/augment\.rotate: border/);
    expect(() =>
      mirror({ p: 1, flipPairs: [[0, 5]] })({ image: rand([4, 4, 1], 1), points: [{ x: 0.1, y: 0.1 }] }),
    ).toThrow(/augment\.mirror: flipPairs \[0, 5\]/);
    expect(() => mirror()({ image: rand([4, 4, 1], 1), boxes: [{ x: 0.5, y: NaN, w: 1, h: 1 }] })).toThrow(
      /augment\.mirror: box 0/,
    );
    expect(() => compose([mirror()])({ image: rand([2, 4, 4, 1], 1), boxes: [[]] })).toThrow(
      /a batch of 2 images needs boxes as 2 arrays/,
    );
    expect(() => compose([mirror(), (x: Tensor) => x] as never)).toThrow(/augment\.compose: item 1 is not a transform/);
    expect(() => augmentedDataset(rand([4, 3, 3, 1], 1), rand([3, 2], 1), (b) => b)).toThrow(
      /augmentedDataset: labels must be a Tensor with 4 rows/,
    );
  });
});
