import { describe, it, expect } from 'vitest';
import { detect, tensor, grad, ShapeError, ValueError } from '../../src';
import type { YoloDetection } from '../../src/detect';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const sig = (t: number) => 1 / (1 + Math.exp(-t));
const anchors = [
  { w: 0.4, h: 1.2 },
  { w: 1.4, h: 0.6 },
];
const objects = [
  { box: { x: 0.5, y: 0.8, w: 0.4, h: 0.2 }, classId: 1 }, // the notes' car in cell 8
  { box: { x: 0.2, y: 0.3, w: 0.1, h: 0.4 }, classId: 0 }, // a pedestrian in cell 1
  { box: { x: 0.82, y: 0.15, w: 0.3, h: 0.15 }, classId: 2 },
];

/** The loss formula in f64 over flat arrays (independent of ops). */
function oracle(
  yTrue: Float32Array,
  v: number[],
  D: number,
  N: number,
  o: { lc?: number; ln?: number; ce?: boolean } = {},
): number {
  const lc = o.lc ?? 5,
    ln = o.ln ?? 0.5,
    A = anchors.length,
    C = D - 5;
  let L = 0;
  for (let e = 0; e < yTrue.length / D; e++) {
    const y = yTrue.subarray(e * D, e * D + D),
      t = v.slice(e * D, e * D + D),
      a = anchors[e % A];
    const p = sig(t[0]);
    if (y[0] === 0) {
      L += ln * p * p;
      continue;
    }
    const h = a.h * Math.exp(t[3]),
      w = a.w * Math.exp(t[4]);
    L +=
      lc *
      ((sig(t[1]) - y[1]) ** 2 +
        (sig(t[2]) - y[2]) ** 2 +
        (Math.sqrt(h) - Math.sqrt(y[3])) ** 2 +
        (Math.sqrt(w) - Math.sqrt(y[4])) ** 2);
    L += (p - 1) ** 2;
    const m = Math.max(...t.slice(5)),
      z = t.slice(5).reduce((s, x) => s + Math.exp(x - m), 0);
    for (let c = 0; c < C; c++) {
      const q = Math.exp(t[5 + c] - m) / z;
      L += o.ce ? -y[5 + c] * Math.log(q) : (q - y[5 + c]) ** 2;
    }
  }
  return L / N;
}

describe('detect.yolo.loss', () => {
  it('is 0 for a perfect activated prediction and hand-computable on one cell', () => {
    const y = detect.yolo.encode(objects, { grid: 3, anchors, classes: 3 });
    expect(detect.yolo.loss(y, y, { activated: true }).item()).toBe(0);
    // one cell, one anchor, 2 classes: target [1, .5, .5, h 4, w 1, 0, 1], prediction [.8, .6, .5, 1, 1, .3, .7]
    // 5 · (0.1² + (√1 − √4)²) + (0.8 − 1)² + (0.3² + 0.3²) = 5.05 + 0.04 + 0.18
    const yt = tensor([1, 0.5, 0.5, 4, 1, 0, 1], [1, 1, 1, 7]);
    const yp = tensor([0.8, 0.6, 0.5, 1, 1, 0.3, 0.7], [1, 1, 1, 7]);
    expect(detect.yolo.loss(yt, yp, { activated: true }).item()).toBeCloseTo(5.27, 5);
    expect(detect.yolo.loss(yt, yp, { activated: true, lambdaCoord: 1 }).item()).toBeCloseTo(1.01 + 0.22, 5);
    // an empty cell only pays λ_noobj · p̂²
    const empty = tensor([0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 7]);
    expect(detect.yolo.loss(empty, yp, { activated: true }).item()).toBeCloseTo(0.5 * 0.64, 6);
    expect(detect.yolo.loss(empty, yp, { activated: true, lambdaNoobj: 0 }).item()).toBe(0);
  });

  it('matches the f64 formula on raw outputs, value and gradient, batched', () => {
    const r = rng(12);
    const y1 = detect.yolo.encode(objects, { grid: 3, anchors, classes: 3 });
    const y2 = detect.yolo.encode(objects.slice(1), { grid: 3, anchors, classes: 3 });
    const yTrue = tensor(new Float32Array([...y1.data, ...y2.data]), [2, 3, 3, 2, 8]);
    const v = Array.from({ length: yTrue.size }, () => 2 * r() - 1);
    const yPred = tensor(v, yTrue.shape);
    for (const classLoss of ['squared', 'crossentropy'] as const) {
      const f = (p: typeof yPred) => detect.yolo.loss(yTrue, p, { anchors, classLoss });
      const want = oracle(yTrue.data, v, 8, 2, { ce: classLoss === 'crossentropy' });
      expect(f(yPred).item()).toBeCloseTo(want, 4);
      const g = grad(f)(yPred);
      const h = 1e-5;
      for (let i = 0; i < v.length; i++) {
        const a = [...v],
          b = [...v];
        a[i] += h;
        b[i] -= h;
        const num =
          (oracle(yTrue.data, a, 8, 2, { ce: classLoss === 'crossentropy' }) -
            oracle(yTrue.data, b, 8, 2, { ce: classLoss === 'crossentropy' })) /
          (2 * h);
        expect(Math.abs(g.data[i] - num)).toBeLessThan(1e-4 * (1 + Math.abs(num)));
      }
    }
    // the batch loss is the mean of the per-image losses
    const single = (k: number) =>
      detect.yolo
        .loss(
          tensor(yTrue.data.slice(k * 144, k * 144 + 144), [3, 3, 2, 8]),
          tensor(v.slice(k * 144, k * 144 + 144), [3, 3, 2, 8]),
          { anchors },
        )
        .item();
    expect(detect.yolo.loss(yTrue, yPred, { anchors }).item()).toBeCloseTo((single(0) + single(1)) / 2, 4);
  });

  it('trains raw outputs by gradient descent until decode finds the encoded objects', () => {
    const y = detect.yolo.encode(objects, { grid: 3, anchors, classes: 3 });
    let p = tensor(new Float32Array(y.size), y.shape);
    const f = (x: typeof p) => detect.yolo.loss(y, x, { anchors, classLoss: 'crossentropy' });
    const first = f(p).item();
    for (let step = 0; step < 300; step++) {
      const g = grad(f)(p);
      p = tensor(
        p.data.map((v, i) => v - 0.5 * g.data[i]),
        p.shape,
      );
    }
    expect(f(p).item()).toBeLessThan(first / 20);
    const found = detect.yolo.decode(p, { anchors, scoreThreshold: 0.5 }) as YoloDetection[];
    expect(found.length).toBe(objects.length);
    for (const o of objects) {
      const d = found.find((x) => x.classId === o.classId)!;
      expect(detect.iou(d.box, o.box)).toBeGreaterThan(0.9);
    }
  });

  it('rejects mismatched shapes, missing anchors and bad targets', () => {
    const y = detect.yolo.encode(objects, { grid: 3, anchors, classes: 3 });
    expect(() => detect.yolo.loss(y, tensor(new Float32Array(3 * 3 * 2 * 7), [3, 3, 2, 7]), { anchors })).toThrow(
      ShapeError,
    );
    expect(() => detect.yolo.loss(y, tensor(new Float32Array(3 * 3 * 2 * 7), [3, 3, 2, 7]), { anchors })).toThrow(
      /yolo\.loss: yTrue \[3,3,2,8\] and yPred \[3,3,2,7\]/,
    );
    expect(() => detect.yolo.loss(y, y)).toThrow(/yolo\.loss: raw predictions need opts\.anchors/);
    expect(() => detect.yolo.loss(y, y, { anchors: [anchors[0]] })).toThrow(ShapeError);
    const bad = tensor(y.data.slice(), y.shape);
    bad.data[0] = 0.5;
    expect(() => detect.yolo.loss(bad, y, { anchors })).toThrow(ValueError);
    expect(() => detect.yolo.loss(y, y, { activated: true, classLoss: 'crossentropy' })).toThrow(
      /needs raw class logits/,
    );
  });
});
