import { describe, it, expect } from 'vitest';
import { detect, tensor, grad, ShapeError, ValueError } from '../../src';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i])));
};
/** Central differences of an f64 function of a flat vector. */
function numGrad(f: (v: number[]) => number, v: number[], h = 1e-5): number[] {
  return v.map((_, i) => {
    const a = [...v],
      b = [...v];
    a[i] += h;
    b[i] -= h;
    return (f(a) - f(b)) / (2 * h);
  });
}
const sig = (t: number) => 1 / (1 + Math.exp(-t));

describe('detect.localization', () => {
  it("builds the notes' target vectors (p_c = 1 and p_c = 0)", () => {
    // the notes' car: b_x 0.5, b_y 0.7, b_h 0.3, b_w 0.4, classes 1 pedestrian, 2 car, 3 motorcycle
    const y = detect.localization.target({ present: true, box: { x: 0.5, y: 0.7, w: 0.4, h: 0.3 }, classId: 1 }, 3);
    expect(y.shape).toEqual([8]);
    close(y.data, [1, 0.5, 0.7, 0.3, 0.4, 0, 1, 0], 1e-7);
    const bg = detect.localization.target({ present: false }, 3);
    expect(Array.from(bg.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const both = detect.localization.target(
      [{ present: true, box: { x1: 0.3, y1: 0.55, x2: 0.7, y2: 0.85 }, classId: 1 }, { present: false }],
      3,
    );
    expect(both.shape).toEqual([2, 8]);
    close(both.data.subarray(0, 8), y.data, 1e-6);
    expect(() =>
      detect.localization.target({ present: true, box: { x: 0.5, y: 0.5, w: 0.1, h: 0.1 }, classId: 3 }, 3),
    ).toThrow(/localization\.target: classId/);
    expect(() => detect.localization.target({ present: true }, 3)).toThrow(ValueError);
  });

  it('squared variant: all 8 terms when p_c = 1, only p_c when 0 ("don\'t care" ignored)', () => {
    const yTrue = tensor([1, 0.5, 0.7, 0.3, 0.4, 0, 1, 0]);
    const yPred = tensor([0.9, 0.4, 0.7, 0.3, 0.5, 0.1, 0.8, 0.1]);
    // 0.1² + 0.1² + 0 + 0 + 0.1² + 0.1² + 0.2² + 0.1²
    expect(detect.localization.loss(yTrue, yPred).item()).toBeCloseTo(0.09, 6);
    // background: don't-care entries (even NaN in the target) do not count
    const bgTrue = tensor([0, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
    const bgPred = tensor([0.2, 5, -3, 7, 1, 9, 9, 9]);
    expect(detect.localization.loss(bgTrue, bgPred).item()).toBeCloseTo(0.04, 6);
    // a batch is averaged over examples
    const batchTrue = tensor([
      [1, 0.5, 0.7, 0.3, 0.4, 0, 1, 0],
      [0, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
    ]);
    const batchPred = tensor([
      [0.9, 0.4, 0.7, 0.3, 0.5, 0.1, 0.8, 0.1],
      [0.2, 5, -3, 7, 1, 9, 9, 9],
    ]);
    expect(detect.localization.loss(batchTrue, batchPred).item()).toBeCloseTo((0.09 + 0.04) / 2, 6);
    // gradient: 2(ŷ − y)/N on counted entries, 0 on don't-care ones
    const g = grad((p) => detect.localization.loss(batchTrue, p))(batchPred);
    close(g.data, [-0.1, -0.1, 0, 0, 0.1, 0.1, -0.2, 0.1, 0.2, 0, 0, 0, 0, 0, 0, 0], 1e-5);
  });

  it('practical variant matches an f64 oracle in value and gradient', () => {
    const r = rng(3);
    const C = 3,
      N = 4;
    const yTrue = detect.localization.target(
      [
        { present: true, box: { x: 0.3, y: 0.6, w: 0.2, h: 0.5 }, classId: 2 },
        { present: false },
        { present: true, box: { x: 0.7, y: 0.2, w: 0.4, h: 0.1 }, classId: 0 },
        { present: false },
      ],
      C,
    );
    const pred = Array.from({ length: N * (5 + C) }, () => 2 * r() - 1);
    const oracle = (v: number[]): number => {
      let L = 0;
      for (let n = 0; n < N; n++) {
        const y = Array.from(yTrue.data.subarray(n * 8, n * 8 + 8)),
          p = v.slice(n * 8, n * 8 + 8);
        L += -(y[0] * Math.log(sig(p[0])) + (1 - y[0]) * Math.log(1 - sig(p[0])));
        if (y[0] === 1) {
          for (let j = 1; j < 5; j++) L += (p[j] - y[j]) ** 2;
          const m = Math.max(...p.slice(5)),
            lse = m + Math.log(p.slice(5).reduce((s, t) => s + Math.exp(t - m), 0));
          for (let c = 0; c < C; c++) L -= y[5 + c] * (p[5 + c] - lse);
        }
      }
      return L / N;
    };
    const yPred = tensor(pred, [N, 8]);
    expect(detect.localization.loss(yTrue, yPred, { variant: 'practical' }).item()).toBeCloseTo(oracle(pred), 5);
    const g = grad((p) => detect.localization.loss(yTrue, p, { variant: 'practical' }))(yPred);
    close(g.data, numGrad(oracle, pred), 1e-4);
  });

  it('rejects mismatched shapes, bad variants and bad p_c', () => {
    const y = tensor([1, 0.5, 0.5, 0.1, 0.1, 1]);
    expect(() => detect.localization.loss(y, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => detect.localization.loss(y, tensor([1, 2, 3]))).toThrow(
      /localization\.loss: yTrue \[6\] and yPred \[3\]/,
    );
    expect(() => detect.localization.loss(y, y, { variant: 'huber' as 'squared' })).toThrow(/variant/);
    expect(() => detect.localization.loss(tensor([2, 0, 0, 0, 0, 1]), y)).toThrow(/p_c in yTrue/);
  });
});

describe('detect.landmarks', () => {
  it('builds [present, l1x, l1y, ...] and masks the points when absent', () => {
    const pts = [
      { x: 0.3, y: 0.4 },
      { x: 0.7, y: 0.4 },
      { x: 0.5, y: 0.8 },
    ];
    const y = detect.landmarks.target({ present: true, points: pts }, 3);
    close(y.data, [1, 0.3, 0.4, 0.7, 0.4, 0.5, 0.8], 1e-7);
    // the notes: 64 landmarks → 129 outputs
    expect(detect.landmarks.target({ present: false }, 64).shape).toEqual([129]);
    expect(() => detect.landmarks.target({ present: true, points: pts }, 4)).toThrow(/needs 4 points, got 3/);

    const pred = tensor([0.8, 0.35, 0.4, 0.7, 0.3, 0.5, 0.8]);
    // (0.2)² + 0.05² + 0.1²
    expect(detect.landmarks.loss(y, pred).item()).toBeCloseTo(0.04 + 0.0025 + 0.01, 6);
    const absent = detect.landmarks.target({ present: false }, 3);
    expect(detect.landmarks.loss(absent, pred).item()).toBeCloseTo(0.64, 6);
    const g = grad((p) => detect.landmarks.loss(absent, p))(pred);
    close(g.data, [1.6, 0, 0, 0, 0, 0, 0], 1e-6);
  });

  it('practical variant: logistic loss on the present logit plus masked squared error', () => {
    const y = detect.landmarks.target([{ present: true, points: [{ x: 0.2, y: 0.3 }] }, { present: false }], 1);
    const p = tensor([
      [1.5, 0.25, 0.3],
      [-0.5, 9, 9],
    ]);
    const want = (-Math.log(sig(1.5)) + 0.05 ** 2 - Math.log(1 - sig(-0.5))) / 2;
    expect(detect.landmarks.loss(y, p, { variant: 'practical' }).item()).toBeCloseTo(want, 6);
    expect(() => detect.landmarks.loss(tensor([1, 0.1, 0.2, 0.3]), tensor([1, 0.1, 0.2, 0.3]))).toThrow(/1 \+ 2K/);
  });
});
