import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { detect, tensor, ShapeError, ValueError } from '../../src';
import type { Box } from '../../src/detect';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function randomBoxes(n: number, seed: number, maxSize = 0.3): { boxes: Box[]; scores: number[] } {
  const r = rng(seed);
  const boxes: Box[] = [],
    scores: number[] = [];
  for (let i = 0; i < n; i++) {
    boxes.push({ x: r(), y: r(), w: 0.01 + r() * maxSize, h: 0.01 + r() * maxSize });
    scores.push(r());
  }
  return { boxes, scores };
}

describe('detect.nms', () => {
  // The notes' example: car A detected with p_c 0.9, 0.6, 0.7; car B with 0.8, 0.7.
  const carA = [
    { x: 0.3, y: 0.5, w: 0.2, h: 0.12 },
    { x: 0.32, y: 0.51, w: 0.2, h: 0.12 },
    { x: 0.28, y: 0.49, w: 0.21, h: 0.13 },
  ];
  const carB = [
    { x: 0.75, y: 0.55, w: 0.18, h: 0.1 },
    { x: 0.76, y: 0.56, w: 0.17, h: 0.1 },
  ];
  const boxes = [carA[0], carA[1], carB[0], carA[2], carB[1]];
  const scores = [0.9, 0.6, 0.8, 0.7, 0.7];

  it('reproduces the notes: discard p_c ≤ 0.6, keep the best, suppress IoU ≥ 0.5', () => {
    expect(detect.nms(boxes, scores, { scoreThreshold: 0.6, iouThreshold: 0.5 })).toEqual([0, 2]);
    // without the score threshold the 0.6 box is still suppressed by the 0.9 one
    expect(detect.nms(boxes, scores)).toEqual([0, 2]);
    // a far-away 0.6 box survives IoU but not the score threshold
    const far = [...boxes, { x: 0.1, y: 0.1, w: 0.05, h: 0.05 }];
    expect(detect.nms(far, [...scores, 0.6])).toEqual([0, 2, 5]);
    expect(detect.nms(far, [...scores, 0.6], { scoreThreshold: 0.6 })).toEqual([0, 2]);
  });

  it('suppresses at exactly IoU = iouThreshold and drops score = scoreThreshold', () => {
    const b = [
      { x1: 0, y1: 0, x2: 2, y2: 1 },
      { x1: 0, y1: 0, x2: 1, y2: 1 },
    ]; // IoU exactly 0.5
    expect(detect.nms(b, [0.9, 0.8], { iouThreshold: 0.5 })).toEqual([0]);
    expect(detect.nms(b, [0.9, 0.8], { iouThreshold: 0.51 })).toEqual([0, 1]);
    expect(detect.nms(b, [0.9, 0.8], { iouThreshold: 0.51, scoreThreshold: 0.8 })).toEqual([0]);
  });

  it('returns [] for empty input, honours maxOutputs, takes Float32Array and Tensor scores', () => {
    expect(detect.nms([], [])).toEqual([]);
    expect(detect.nms(boxes, scores, { maxOutputs: 1 })).toEqual([0]);
    expect(detect.nms(boxes, scores, { maxOutputs: 0 })).toEqual([]);
    expect(detect.nms(boxes, Float32Array.from(scores))).toEqual([0, 2]);
    expect(detect.nms(boxes, tensor(scores))).toEqual([0, 2]);
    // ties keep the lower index first
    expect(
      detect.nms(
        [
          { x: 0.2, y: 0.2, w: 0.1, h: 0.1 },
          { x: 0.8, y: 0.8, w: 0.1, h: 0.1 },
        ],
        [0.5, 0.5],
      ),
    ).toEqual([0, 1]);
  });

  it('rejects NaN scores, mismatched lengths, bad boxes and bad options', () => {
    expect(() => detect.nms(boxes, [0.9, NaN, 0.8, 0.7, 0.7])).toThrow(ValueError);
    expect(() => detect.nms(boxes, [0.9, NaN, 0.8, 0.7, 0.7])).toThrow(/nms: score 1 is NaN/);
    expect(() => detect.nms(boxes, [0.9])).toThrow(ShapeError);
    expect(() => detect.nms(boxes, [0.9])).toThrow(/nms: 5 boxes but 1 scores/);
    expect(() => detect.nms([{ x: 0, y: 0, w: -1, h: 1 }], [1])).toThrow(/nms: box has a negative width/);
    expect(() => detect.nms(boxes, scores, { iouThreshold: 1.5 })).toThrow(/nms: iouThreshold/);
    expect(() => detect.nms(boxes, scores, { maxOutputs: -1 })).toThrow(/nms: maxOutputs/);
  });

  it('keeps zero-area boxes (IoU 0 with everything)', () => {
    const b = [
      { x: 0.5, y: 0.5, w: 0, h: 0 },
      { x: 0.5, y: 0.5, w: 0, h: 0 },
      { x: 0.5, y: 0.5, w: 0.2, h: 0.2 },
    ];
    expect(detect.nms(b, [0.9, 0.8, 0.7])).toEqual([0, 1, 2]);
  });

  it('satisfies the NMS invariants on random boxes', () => {
    for (const [n, seed, thr] of [
      [1, 1, 0.5],
      [37, 2, 0.3],
      [200, 3, 0.5],
      [513, 4, 0.7],
    ] as const) {
      const { boxes: b, scores: s } = randomBoxes(n, seed);
      const kept = detect.nms(b, s, { iouThreshold: thr, scoreThreshold: 0.2 });
      const bad: string[] = [];
      for (let i = 1; i < kept.length; i++) if (s[kept[i]] > s[kept[i - 1]]) bad.push(`order at ${i}`);
      for (let i = 0; i < kept.length; i++)
        for (let j = 0; j < i; j++) if (detect.iou(b[kept[i]], b[kept[j]]) >= thr) bad.push(`overlap ${i},${j}`);
      const keptSet = new Set(kept);
      for (let i = 0; i < n; i++) {
        // dropped: low score, or overlapped by a kept box with a higher score
        if (keptSet.has(i) || s[i] <= 0.2) continue;
        if (!kept.some((k) => s[k] >= s[i] && detect.iou(b[k], b[i]) >= thr)) bad.push(`dropped ${i}`);
      }
      if (n > 1) expect(kept.length).toBeGreaterThan(0);
      expect(bad).toEqual([]);
    }
  });

  it('agrees with TensorFlow.js tf.image.nonMaxSuppression on random boxes', async () => {
    await tf.setBackend('cpu');
    for (const [n, seed, thr, sthr] of [
      [50, 11, 0.5, 0],
      [300, 12, 0.4, 0.3],
      [1000, 13, 0.6, 0.1],
    ] as const) {
      const { boxes: b, scores: s } = randomBoxes(n, seed);
      const yx = b.map((x) => detect.toCorners(x)).map((c) => [c.y1, c.x1, c.y2, c.x2]);
      const ref = tf.image.nonMaxSuppression(tf.tensor2d(yx), tf.tensor1d(s), n, thr, sthr);
      const want = Array.from(await ref.data());
      expect(detect.nms(b, s, { iouThreshold: thr, scoreThreshold: sthr })).toEqual(want);
      expect(detect.nms(b, s, { iouThreshold: thr, scoreThreshold: sthr, maxOutputs: 7 })).toEqual(want.slice(0, 7));
    }
  });
});

describe('detect.nmsPerClass', () => {
  it('never lets one class suppress another (the notes: run NMS per class)', () => {
    const b = [
      { x: 0.5, y: 0.5, w: 0.3, h: 0.6 },
      { x: 0.5, y: 0.5, w: 0.3, h: 0.55 },
      { x: 0.51, y: 0.5, w: 0.3, h: 0.6 },
    ];
    const s = [0.9, 0.8, 0.7];
    expect(detect.nms(b, s)).toEqual([0]);
    expect(detect.nmsPerClass(b, s, [0, 1, 0])).toEqual([0, 1]);
    expect(detect.nmsPerClass(b, s, [0, 1, 2])).toEqual([0, 1, 2]);
    expect(detect.nmsPerClass(b, s, [0, 1, 2], { maxOutputs: 2 })).toEqual([0, 1]);
    expect(detect.nmsPerClass(b, s, [0, 1, 2], { scoreThreshold: 0.75 })).toEqual([0, 1]);
    expect(detect.nmsPerClass([], [], [])).toEqual([]);
  });

  it('equals running nms on each class and merging by score', () => {
    const { boxes: b, scores: s } = randomBoxes(300, 21, 0.4);
    const r = rng(5);
    const cls = b.map(() => Math.floor(r() * 3));
    const merged: number[] = [];
    for (let k = 0; k < 3; k++) {
      const idx = cls.map((c, i) => (c === k ? i : -1)).filter((i) => i >= 0);
      merged.push(
        ...detect
          .nms(
            idx.map((i) => b[i]),
            idx.map((i) => s[i]),
            { iouThreshold: 0.45 },
          )
          .map((j) => idx[j]),
      );
    }
    merged.sort((x, y) => s[y] - s[x]);
    expect(detect.nmsPerClass(b, s, cls, { iouThreshold: 0.45 })).toEqual(merged);
    const capped = detect.nmsPerClass(b, s, cls, { iouThreshold: 0.45, maxOutputsPerClass: 2 });
    expect(capped.length).toBe(6);
  });

  it('checks class ids against boxes', () => {
    expect(() => detect.nmsPerClass([{ x: 0, y: 0, w: 1, h: 1 }], [1], [0, 1])).toThrow(
      /nmsPerClass: 1 boxes but 2 class ids/,
    );
    expect(() => detect.nmsPerClass([{ x: 0, y: 0, w: 1, h: 1 }], [NaN], [0])).toThrow(/nmsPerClass: score 0 is NaN/);
  });
});
