import { describe, it, expect } from 'vitest';
import { detect, ValueError } from '../../src';

/** Seeded generator for reproducible random cases. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** IoU by counting unit cells of integer boxes: an oracle independent of the formula. */
function rasterIou(a: number[], b: number[]): number {
  let inter = 0,
    union = 0;
  for (let y = 0; y < 20; y++)
    for (let x = 0; x < 20; x++) {
      const inA = x >= a[0] && x < a[2] && y >= a[1] && y < a[3];
      const inB = x >= b[0] && x < b[2] && y >= b[1] && y < b[3];
      if (inA && inB) inter++;
      if (inA || inB) union++;
    }
  return union ? inter / union : 0;
}

describe('detect.iou', () => {
  it('computes intersection over union by hand', () => {
    // two 2x2 squares overlapping in one unit square: 1 / (4 + 4 - 1)
    expect(detect.iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 1, y1: 1, x2: 3, y2: 3 })).toBeCloseTo(1 / 7, 12);
    // the same boxes in centre form, and mixed
    expect(detect.iou({ x: 1, y: 1, w: 2, h: 2 }, { x: 2, y: 2, w: 2, h: 2 })).toBeCloseTo(1 / 7, 12);
    expect(detect.iou({ x: 1, y: 1, w: 2, h: 2 }, { x1: 1, y1: 1, x2: 3, y2: 3 })).toBeCloseTo(1 / 7, 12);
    // a box inside another: ratio of areas
    expect(detect.iou({ x: 0.5, y: 0.5, w: 0.4, h: 0.4 }, { x: 0.5, y: 0.5, w: 0.8, h: 0.8 })).toBeCloseTo(0.25, 12);
    expect(detect.iou({ x: 0.3, y: 0.4, w: 0.2, h: 0.1 }, { x: 0.3, y: 0.4, w: 0.2, h: 0.1 })).toBe(1);
  });

  it('follows the notes: a detection is correct when IoU ≥ 0.5', () => {
    const truth = { x1: 0, y1: 0, x2: 2, y2: 1 };
    const half = { x1: 0, y1: 0, x2: 1, y2: 1 }; // exactly half the truth: IoU 0.5, counts as correct
    const less = { x1: 0, y1: 0, x2: 0.99, y2: 1 };
    expect(detect.iou(truth, half)).toBe(0.5);
    expect(detect.iou(truth, half) >= 0.5).toBe(true);
    expect(detect.iou(truth, less) >= 0.5).toBe(false);
  });

  it('gives 0 for disjoint, touching and zero-area boxes', () => {
    expect(detect.iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 2, y1: 2, x2: 3, y2: 3 })).toBe(0);
    expect(detect.iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 1, y1: 0, x2: 2, y2: 1 })).toBe(0);
    expect(detect.iou({ x: 0.5, y: 0.5, w: 0, h: 0.3 }, { x: 0.5, y: 0.5, w: 0.5, h: 0.5 })).toBe(0);
    expect(detect.iou({ x: 0.5, y: 0.5, w: 0, h: 0 }, { x: 0.5, y: 0.5, w: 0, h: 0 })).toBe(0);
  });

  it('matches cell counting on random integer boxes, symmetric and in [0, 1]', () => {
    const r = rng(7);
    const box = (): number[] => {
      const x1 = Math.floor(r() * 15),
        y1 = Math.floor(r() * 15);
      return [x1, y1, x1 + 1 + Math.floor(r() * 5), y1 + 1 + Math.floor(r() * 5)];
    };
    for (let t = 0; t < 300; t++) {
      const a = box(),
        b = box();
      const ca = { x1: a[0], y1: a[1], x2: a[2], y2: a[3] },
        cb = { x1: b[0], y1: b[1], x2: b[2], y2: b[3] };
      const v = detect.iou(ca, cb);
      expect(v).toBeCloseTo(rasterIou(a, b), 12);
      expect(detect.iou(cb, ca)).toBe(v);
      expect(detect.iou(detect.toCenter(ca), cb)).toBeCloseTo(v, 12);
    }
  });

  it('rejects negative sizes, inverted corners and NaN with ValueError naming iou', () => {
    const ok = { x: 0.5, y: 0.5, w: 0.2, h: 0.2 };
    expect(() => detect.iou({ x: 0.5, y: 0.5, w: -0.1, h: 0.2 }, ok)).toThrow(ValueError);
    expect(() => detect.iou(ok, { x: 0.5, y: 0.5, w: 0.1, h: -0.2 })).toThrow(/detect\.iou.*negative/);
    expect(() => detect.iou({ x1: 2, y1: 0, x2: 1, y2: 1 }, ok)).toThrow(/detect\.iou.*x2 < x1/);
    expect(() => detect.iou({ x: NaN, y: 0.5, w: 0.1, h: 0.1 }, ok)).toThrow(/detect\.iou.*finite/);
  });

  it('converts between centre and corner form', () => {
    const k = detect.toCorners({ x: 0.5, y: 0.7, w: 0.4, h: 0.3 });
    [k.x1, k.y1, k.x2, k.y2].forEach((v, i) => expect(v).toBeCloseTo([0.3, 0.55, 0.7, 0.85][i], 12));
    const c = detect.toCenter({ x1: 1, y1: 2, x2: 5, y2: 3 });
    expect(c).toEqual({ x: 3, y: 2.5, w: 4, h: 1 });
  });
});
