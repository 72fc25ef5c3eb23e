import { describe, it, expect } from 'vitest';
import { detect, ValueError } from '../../src';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

describe('anchors', () => {
  it("assigns the notes' pedestrian to the tall anchor and the car to the wide one", () => {
    const anchors = [
      { w: 0.4, h: 1.2 },
      { w: 1.4, h: 0.6 },
    ]; // anchor 1 tall, anchor 2 wide (in cells)
    expect(detect.bestAnchor({ w: 0.35, h: 1.0 }, anchors)).toBe(0); // pedestrian
    expect(detect.bestAnchor({ w: 1.2, h: 0.5 }, anchors)).toBe(1); // car
    // shape-only IoU: same size, different position does not matter; by hand min(w)·min(h) / union
    expect(detect.shapeIou({ w: 2, h: 1 }, { w: 1, h: 2 })).toBeCloseTo(1 / 3, 12);
  });

  it('k-means with 1 − IoU recovers three well-separated shapes', () => {
    const truth = [
      { w: 0.5, h: 1.5 },
      { w: 1.5, h: 0.6 },
      { w: 3, h: 3 },
    ];
    const r = rng(3);
    const sizes = [];
    for (let i = 0; i < 600; i++) {
      const t = truth[i % 3];
      sizes.push({ w: t.w * (0.9 + 0.2 * r()), h: t.h * (0.9 + 0.2 * r()) });
    }
    const { anchors, meanIou } = detect.kmeansAnchors(sizes, 3, { seed: 42 });
    expect(anchors.length).toBe(3);
    // sorted by area: [0.5x1.5 (0.75), 1.5x0.6 (0.9), 3x3 (9)]
    anchors.forEach((a, i) => {
      expect(a.w).toBeCloseTo(truth[i].w, 1);
      expect(a.h).toBeCloseTo(truth[i].h, 1);
    });
    // meanIou is the mean of each size's best IoU with the returned anchors
    const again = sizes.reduce((s, z) => s + Math.max(...anchors.map((a) => detect.shapeIou(z, a))), 0) / sizes.length;
    expect(meanIou).toBeCloseTo(again, 10);
    expect(meanIou).toBeGreaterThan(0.85);
  });

  it('is reproducible for a seed and improves mean IoU with k', () => {
    const r = rng(9);
    const sizes = Array.from({ length: 300 }, () => ({ w: 0.2 + 3 * r(), h: 0.2 + 3 * r() }));
    const a = detect.kmeansAnchors(sizes, 5, { seed: 1 });
    expect(detect.kmeansAnchors(sizes, 5, { seed: 1 })).toEqual(a);
    for (let i = 1; i < 5; i++)
      expect(a.anchors[i].w * a.anchors[i].h).toBeGreaterThanOrEqual(a.anchors[i - 1].w * a.anchors[i - 1].h);
    const ious = [1, 2, 5, 9].map((k) => detect.kmeansAnchors(sizes, k, { seed: 1 }).meanIou);
    for (let i = 1; i < ious.length; i++) expect(ious[i]).toBeGreaterThan(ious[i - 1]);
    // with k = n every size is its own anchor
    const few = sizes.slice(0, 4);
    expect(detect.kmeansAnchors(few, 4, { seed: 2 }).meanIou).toBeCloseTo(1, 12);
  });

  it('handles identical sizes and rejects bad input', () => {
    const same = Array.from({ length: 5 }, () => ({ w: 1, h: 2 }));
    const r = detect.kmeansAnchors(same, 2, { seed: 0 });
    expect(r.meanIou).toBe(1);
    expect(r.anchors).toEqual([
      { w: 1, h: 2 },
      { w: 1, h: 2 },
    ]);
    expect(() => detect.kmeansAnchors(same, 6)).toThrow(ValueError);
    expect(() => detect.kmeansAnchors(same, 0)).toThrow(/kmeansAnchors: k must be/);
    expect(() => detect.kmeansAnchors([], 1)).toThrow(/kmeansAnchors: expected a non-empty/);
    expect(() => detect.kmeansAnchors([{ w: -1, h: 1 }], 1)).toThrow(/kmeansAnchors: sizes must have finite positive/);
  });
});
