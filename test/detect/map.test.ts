import { describe, it, expect } from 'vitest';
import { detect, ValueError } from '../../src';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe('detect.meanAveragePrecision', () => {
  const g1 = box(0, 0, 1, 1),
    g2 = box(2, 2, 3, 3);

  it('gives 1 for perfect detections and 0 for none', () => {
    const gt = [
      { box: g1, classId: 0 },
      { box: g2, classId: 0 },
    ];
    expect(
      detect.meanAveragePrecision(
        [
          { box: g1, score: 0.9, classId: 0 },
          { box: g2, score: 0.8, classId: 0 },
        ],
        gt,
      ).map,
    ).toBe(1);
    expect(detect.meanAveragePrecision([], gt).map).toBe(0);
  });

  it('interpolates all points as VOC does (hand-computed)', () => {
    // scores 0.9 hit, 0.8 miss, 0.7 hit: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
    // interpolated: recall 0..1/2 at precision 1, 1/2..1 at max(2/3) → AP = 0.5 + 0.5 · 2/3
    const dets = [
      { box: g1, score: 0.9, classId: 0 },
      { box: box(5, 5, 6, 6), score: 0.8, classId: 0 },
      { box: g2, score: 0.7, classId: 0 },
    ];
    const r = detect.meanAveragePrecision(dets, [
      { box: g1, classId: 0 },
      { box: g2, classId: 0 },
    ]);
    expect(r.map).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(r.perClass).toEqual([{ classId: 0, ap: r.map, truths: 2, detections: 3 }]);
    // the miss first: precision 0, 1/2, 2/3 at recall 0, 1/2, 1 → AP = 0.5 · 2/3 + 0.5 · 2/3
    const worse = detect.meanAveragePrecision(
      dets.map((d, i) => ({ ...d, score: [0.8, 0.9, 0.7][i] })),
      [
        { box: g1, classId: 0 },
        { box: g2, classId: 0 },
      ],
    );
    expect(worse.map).toBeCloseTo(2 / 3, 12);
  });

  it('counts a second detection of the same object as a false positive', () => {
    const r = detect.meanAveragePrecision(
      [
        { box: g1, score: 0.9, classId: 0 },
        { box: g1, score: 0.8, classId: 0 },
        { box: g2, score: 0.7, classId: 0 },
      ],
      [
        { box: g1, classId: 0 },
        { box: g2, classId: 0 },
      ],
    );
    expect(r.map).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  it("matches at IoU ≥ 0.5 (the notes' rule) and honours iouThreshold", () => {
    const truth = [{ box: box(0, 0, 2, 1), classId: 0 }];
    expect(detect.meanAveragePrecision([{ box: box(0, 0, 1, 1), score: 1, classId: 0 }], truth).map).toBe(1); // IoU 0.5
    expect(detect.meanAveragePrecision([{ box: box(0, 0, 0.99, 1), score: 1, classId: 0 }], truth).map).toBe(0);
    expect(
      detect.meanAveragePrecision([{ box: box(0, 0, 1, 1), score: 1, classId: 0 }], truth, { iouThreshold: 0.75 }).map,
    ).toBe(0);
  });

  it('averages over classes with ground truth, per image', () => {
    // class 0 perfect (AP 1); class 1: one of two truths found (AP 0.5); class 2 has no truth: left out
    const dets = [
      [
        { box: g1, score: 0.9, classId: 0 },
        { box: g2, score: 0.8, classId: 1 },
        { box: g1, score: 0.95, classId: 2 },
      ],
      [{ box: g1, score: 0.6, classId: 1 }], // right place, but image 0's truth does not count in image 1
    ];
    const gts = [
      [
        { box: g1, classId: 0 },
        { box: g2, classId: 1 },
        { box: g1, classId: 1 },
      ],
      [],
    ];
    const r = detect.meanAveragePrecision(dets, gts);
    expect(r.perClass.map((c) => [c.classId, c.ap])).toEqual([
      [0, 1],
      [1, 0.5],
    ]);
    expect(r.map).toBeCloseTo(0.75, 12);
    // class confusion: a class-1 detection on a class-0 object does not count
    expect(detect.meanAveragePrecision([{ box: g1, score: 0.9, classId: 1 }], [{ box: g1, classId: 0 }]).map).toBe(0);
  });

  it('ignores difficult objects and accepts centre boxes', () => {
    const gts = [
      { box: { x: 0.5, y: 0.5, w: 1, h: 1 }, classId: 0 },
      { box: g2, classId: 0, difficult: true },
    ];
    const dets = [
      { box: g2, score: 0.9, classId: 0 },
      { box: g1, score: 0.8, classId: 0 },
    ];
    expect(detect.meanAveragePrecision(dets, gts).map).toBe(1);
    expect(detect.meanAveragePrecision(dets, gts).perClass[0].truths).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => detect.meanAveragePrecision([[]], [[], []])).toThrow(ValueError);
    expect(() => detect.meanAveragePrecision([{ box: g1, score: NaN, classId: 0 }], [{ box: g1, classId: 0 }])).toThrow(
      /meanAveragePrecision: detection score is NaN/,
    );
    expect(() => detect.meanAveragePrecision([], [{ box: { x: 0, y: 0, w: -1, h: 1 }, classId: 0 }])).toThrow(
      /meanAveragePrecision: box has a negative/,
    );
    expect(() => detect.meanAveragePrecision([], [], { iouThreshold: 2 })).toThrow(/iouThreshold/);
    expect(detect.meanAveragePrecision([], []).map).toBe(0);
  });
});
