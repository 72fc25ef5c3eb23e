import { describe, it, expect } from 'vitest';
import { detect, tensor, zeros, ShapeError, ValueError } from '../../src';
import type { YoloDetection } from '../../src/detect';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const at = (y: { shape: number[]; data: Float32Array }, r: number, c: number, a: number): number[] => {
  const [, cols, A, D] = y.shape;
  const o = ((r * cols + c) * A + a) * D;
  return Array.from(y.data.subarray(o, o + D));
};
const logit = (p: number) => Math.log(p / (1 - p));

// The notes' YOLO example: 3x3 grid, 2 anchors (1: tall, pedestrian-like; 2: wide, car-like),
// 3 classes (1 pedestrian, 2 car, 3 motorcycle): y is 3x3x2x8.
const anchors = [
  { w: 0.4, h: 1.2 },
  { w: 1.4, h: 0.6 },
];

describe('detect.yolo.encode', () => {
  it("reproduces the notes' 3x3x2x8 example: empty cell 1, car in cell 8 on anchor 2", () => {
    const car = { box: { x: 0.5, y: 0.8, w: 0.4, h: 0.2 }, classId: 1 };
    const y = detect.yolo.encode([car], { grid: 3, anchors, classes: 3 });
    expect(y.shape).toEqual([3, 3, 2, 8]);
    // cell 1 (top-left): p_c = 0 on both anchors, everything else "don't care" (0)
    expect(at(y, 0, 0, 0)[0]).toBe(0);
    expect(at(y, 0, 0, 1)[0]).toBe(0);
    // cell 8 = row 2, column 1: anchor 1 empty, anchor 2 = [1, b_x, b_y, b_h, b_w, 0, 1, 0]
    expect(at(y, 2, 1, 0)[0]).toBe(0);
    const v = at(y, 2, 1, 1);
    // b_x = 0.5·3 − 1, b_y = 0.8·3 − 2 (cell-relative); b_h = 0.2·3, b_w = 0.4·3 in cells (> 1 allowed)
    [1, 0.5, 0.4, 0.6, 1.2, 0, 1, 0].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 6));
    // exactly one entry holds an object
    let objects = 0;
    for (let i = 0; i < y.size; i += 8) objects += y.data[i];
    expect(objects).toBe(1);
  });

  it("puts two objects sharing a cell on different anchors (the notes' anchor example)", () => {
    const pedestrian = { box: { x: 0.52, y: 0.55, w: 0.1, h: 0.35 }, classId: 0 };
    const car = { box: { x: 0.5, y: 0.6, w: 0.45, h: 0.2 }, classId: 1 };
    const y = detect.yolo.encode([pedestrian, car], { grid: 3, anchors, classes: 3 });
    const p = at(y, 1, 1, 0),
      c = at(y, 1, 1, 1);
    expect([p[0], p[5], p[6], p[7]]).toEqual([1, 1, 0, 0]);
    expect([c[0], c[5], c[6], c[7]]).toEqual([1, 0, 1, 0]);
    expect(p[3]).toBeCloseTo(0.35 * 3, 6);
    expect(c[4]).toBeCloseTo(0.45 * 3, 6);
    // a second car on the same cell and anchor does not overwrite the first
    const y2 = detect.yolo.encode([car, { box: { x: 0.45, y: 0.5, w: 0.5, h: 0.25 }, classId: 2 }], {
      grid: 3,
      anchors,
      classes: 3,
    });
    expect(at(y2, 1, 1, 1)).toEqual(at(detect.yolo.encode([car], { grid: 3, anchors, classes: 3 }), 1, 1, 1));
  });

  it('keeps b_x, b_y in [0, 1) and takes corner boxes and rectangular grids', () => {
    const r = rng(4);
    const objs = Array.from({ length: 40 }, () => ({
      box: { x: r() * 0.999, y: r() * 0.999, w: 0.05 + r() * 0.5, h: 0.05 + r() * 0.5 },
      classId: Math.floor(r() * 4),
    }));
    const y = detect.yolo.encode(objs, { grid: [5, 7], anchors, classes: 4 });
    expect(y.shape).toEqual([5, 7, 2, 9]);
    for (let i = 0; i < y.size; i += 9) {
      if (y.data[i] === 0) continue;
      expect(y.data[i + 1]).toBeGreaterThanOrEqual(0);
      expect(y.data[i + 1]).toBeLessThan(1);
      expect(y.data[i + 2]).toBeGreaterThanOrEqual(0);
      expect(y.data[i + 2]).toBeLessThan(1);
    }
    const corner = detect.yolo.encode([{ box: { x1: 0.3, y1: 0.7, x2: 0.7, y2: 0.9 }, classId: 1 }], {
      grid: 3,
      anchors,
      classes: 3,
    });
    expect(Array.from(corner.data)).toEqual(
      Array.from(
        detect.yolo.encode([{ box: { x: 0.5, y: 0.8, w: 0.4, h: 0.2 }, classId: 1 }], { grid: 3, anchors, classes: 3 })
          .data,
      ),
    );
  });

  it('rejects bad objects and options', () => {
    const o = { grid: 3, anchors, classes: 3 };
    expect(() => detect.yolo.encode([{ box: { x: 1.2, y: 0.5, w: 0.1, h: 0.1 }, classId: 0 }], o)).toThrow(
      /yolo\.encode: box centre/,
    );
    expect(() => detect.yolo.encode([{ box: { x: 0.5, y: 0.5, w: -0.1, h: 0.1 }, classId: 0 }], o)).toThrow(ValueError);
    expect(() => detect.yolo.encode([{ box: { x: 0.5, y: 0.5, w: 0.1, h: 0.1 }, classId: 3 }], o)).toThrow(
      /yolo\.encode: classId/,
    );
    expect(() => detect.yolo.encode([], { ...o, grid: 0 })).toThrow(/yolo\.encode: grid/);
    expect(() => detect.yolo.encode([], { ...o, anchors: [] })).toThrow(
      /yolo\.encode: expected a non-empty array of anchors/,
    );
  });
});

describe('detect.yolo.decode', () => {
  it('round-trips encode in activated mode', () => {
    const r = rng(8);
    const objs: { box: { x: number; y: number; w: number; h: number }; classId: number }[] = [];
    // one object per cell, so none collide or overlap enough to be suppressed
    for (let row = 0; row < 4; row++)
      for (let col = 0; col < 4; col++) {
        if (r() < 0.4) continue;
        objs.push({
          box: {
            x: (col + 0.2 + 0.6 * r()) / 4,
            y: (row + 0.2 + 0.6 * r()) / 4,
            w: 0.05 + 0.15 * r(),
            h: 0.05 + 0.15 * r(),
          },
          classId: Math.floor(r() * 3),
        });
      }
    const y = detect.yolo.encode(objs, { grid: 4, anchors, classes: 3 });
    const got = detect.yolo.decode(y, { anchors, activated: true }) as YoloDetection[];
    expect(got.length).toBe(objs.length);
    for (const o of objs) {
      const d = got.find((g) => Math.abs(g.box.x - o.box.x) < 1e-6 && Math.abs(g.box.y - o.box.y) < 1e-6)!;
      expect(d).toBeDefined();
      expect(d.classId).toBe(o.classId);
      expect(d.score).toBe(1);
      expect(d.box.w).toBeCloseTo(o.box.w, 6);
      expect(d.box.h).toBeCloseTo(o.box.h, 6);
    }
  });

  it('decodes raw outputs with sigmoid / exp / softmax (hand-computed)', () => {
    const y = zeros([3, 3, 2, 7]).data.fill(-20);
    const out = tensor(y, [3, 3, 2, 7]);
    // cell (row 1, col 2), anchor 1 (wide 1.4 x 0.6): p_c 0.8, offsets sigmoid(0) = 0.5 and
    // sigmoid(logit 0.25), size exp(ln 2) · anchor, class logits [0, ln 3] → probs [0.25, 0.75]
    const o = ((1 * 3 + 2) * 2 + 1) * 7;
    out.data.set([logit(0.8), 0, logit(0.25), Math.log(2), Math.log(0.5), 0, Math.log(3)], o);
    const [d] = detect.yolo.decode(out, { anchors, scoreThreshold: 0.5 }) as YoloDetection[];
    expect(d.classId).toBe(1);
    expect(d.score).toBeCloseTo(0.8 * 0.75, 6);
    expect(d.box.x).toBeCloseTo((2 + 0.5) / 3, 6);
    expect(d.box.y).toBeCloseTo((1 + 0.25) / 3, 6);
    expect(d.box.h).toBeCloseTo((0.6 * 2) / 3, 6);
    expect(d.box.w).toBeCloseTo((1.4 * 0.5) / 3, 6);
    // score = 0.6: dropped when the threshold is 0.6 (≤), kept at 0.59
    expect(detect.yolo.decode(out, { anchors, scoreThreshold: 0.6 + 1e-6 })).toEqual([]);
    expect((detect.yolo.decode(out, { anchors, scoreThreshold: 0.59 }) as YoloDetection[]).length).toBe(1);
  });

  it('runs NMS per class and decodes batches', () => {
    // two anchors of one cell predict nearly the same box: same class → one kept, classes differ → both
    const mk = (cls2: number) => {
      const y = zeros([2, 2, 2, 7]);
      y.data.set([0.9, 0.5, 0.5, 1, 1, 1, 0], 0);
      y.data.set([0.8, 0.52, 0.5, 1, 1, ...(cls2 === 0 ? [1, 0] : [0, 1])], 7);
      return y;
    };
    const same = detect.yolo.decode(mk(0), { anchors, activated: true }) as YoloDetection[];
    expect(same).toHaveLength(1);
    expect(same[0].score).toBeCloseTo(0.9, 6);
    expect((detect.yolo.decode(mk(1), { anchors, activated: true }) as YoloDetection[]).map((d) => d.classId)).toEqual([
      0, 1,
    ]);
    const batch = tensor(new Float32Array([...mk(0).data, ...mk(1).data]), [2, 2, 2, 2, 7]);
    const per = detect.yolo.decode(batch, { anchors, activated: true }) as YoloDetection[][];
    expect(per.map((l) => l.length)).toEqual([1, 2]);
    expect(detect.yolo.decode(mk(1), { anchors, activated: true, maxOutputs: 1 })).toHaveLength(1);
  });

  it('handles C = 0 (one class: score = p_c)', () => {
    const y = zeros([2, 2, 1, 5]);
    y.data.set([0.7, 0.5, 0.5, 1, 1], 5 * 3);
    const [d] = detect.yolo.decode(y, { anchors: [anchors[0]], activated: true }) as YoloDetection[];
    expect(d.classId).toBe(0);
    expect(d.score).toBeCloseTo(0.7, 6);
    expect(d.box.x).toBeCloseTo(0.75, 6);
  });

  it('names yolo.decode and both shapes on a grid / anchor / class mismatch', () => {
    const y = zeros([3, 3, 2, 8]);
    expect(() => detect.yolo.decode(y, { anchors: [...anchors, { w: 1, h: 1 }] })).toThrow(ShapeError);
    expect(() => detect.yolo.decode(y, { anchors: [...anchors, { w: 1, h: 1 }] })).toThrow(
      /yolo\.decode: output \[3,3,2,8\] does not match .*3 anchors.*expected \[3,3,3,8\]/,
    );
    expect(() => detect.yolo.decode(y, { anchors, grid: 4 })).toThrow(
      /yolo\.decode: output \[3,3,2,8\].*expected \[4,4,2,8\]/,
    );
    expect(() => detect.yolo.decode(y, { anchors, classes: 2 })).toThrow(/yolo\.decode: .*expected \[3,3,2,7\]/);
    expect(() => detect.yolo.decode(zeros([3, 3, 16]), { anchors })).toThrow(/yolo\.decode: expected \[S,S,A,5\+C\]/);
    expect(() => detect.yolo.decode(zeros([3, 3, 2, 4]), { anchors })).toThrow(ShapeError);
    const nan = zeros([3, 3, 2, 8]);
    nan.data[8] = NaN;
    expect(() => detect.yolo.decode(nan, { anchors })).toThrow(/yolo\.decode: NaN/);
  });
});
