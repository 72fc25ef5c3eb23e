// The in-place fast paths of ops (global average pooling, the fused-ReLU mask and bias column sums)
// against naive loops written here, on odd shapes and on the special values they must keep.
import { describe, it, expect } from 'vitest';
import { ops, Tensor, valueAndGrads, variable } from '../../src';
import { reluMask, columnSums } from '../../src/ops/util';

function rng(seed: number) {
  return () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 * 2 - 1; };
}
const rand = (r: () => number, n: number) => Float32Array.from({ length: n }, r);

describe('globalAvgPool fast path', () => {
  for (const shape of [[1, 1, 1, 1], [3, 5, 7, 9], [2, 7, 7, 13], [2, 3, 4, 5, 6]]) {
    it(`matches naive mean and its gradient on ${JSON.stringify(shape)}`, () => {
      const r = rng(shape.reduce((a, b) => a * 31 + b, 1));
      const size = shape.reduce((a, b) => a * b, 1), n = shape[0], c = shape[shape.length - 1], cells = size / (n * c);
      const x = variable(new Tensor(rand(r, size), shape)), w = rand(r, n * c);
      const f = shape.length === 5 ? ops.globalAvgPool3d : ops.globalAvgPool2d;
      const { value, grads } = valueAndGrads(() => ops.sum(ops.mul(f(x), new Tensor(w, [n, c]))), [x]);
      const y = f(x);
      expect(y.shape).toEqual([n, c]);
      let want = 0;
      for (let b = 0; b < n; b++) {
        for (let k = 0; k < c; k++) {
          let s = 0;
          for (let i = 0; i < cells; i++) s += x.data[(b * cells + i) * c + k];
          expect(Math.abs(y.data[b * c + k] - s / cells)).toBeLessThan(1e-6);
          want += w[b * c + k] * (s / cells);
          for (let i = 0; i < cells; i++) expect(Math.abs(grads[0].data[(b * cells + i) * c + k] - w[b * c + k] / cells)).toBeLessThan(1e-7);
        }
      }
      expect(Math.abs(value.item() - want)).toBeLessThan(1e-4);
    });
  }
});

describe('fused-ReLU backward helpers', () => {
  it('reluMask keeps dy exactly where y > 0 (not at ±0, negatives or NaN; at +Infinity)', () => {
    const r = rng(5);
    const y = Float32Array.of(0, -0, 1e-45, Infinity, NaN, -Infinity, -1, 3.4e38, ...rand(r, 37).map((v) => Math.max(v, 0)));
    const dy = rand(r, y.length);
    const g = reluMask(dy, y);
    for (let i = 0; i < y.length; i++) expect(Object.is(g[i], y[i] > 0 ? dy[i] : 0), `index ${i}`).toBe(true);
  });

  it('reluMask reads views at an offset into a larger buffer', () => {
    const buf = new Float32Array(20).map((_, i) => (i % 3 === 0 ? -1 : i));
    const g = reluMask(buf.subarray(3, 13), buf.subarray(5, 15));
    for (let i = 0; i < 10; i++) expect(g[i]).toBe(buf[5 + i] > 0 ? buf[3 + i] : 0);
  });

  for (const cols of [1, 3, 6, 16, 17, 120]) {
    it(`columnSums over ${cols} columns matches f64 sums`, () => {
      const r = rng(cols), rows = 37, d = rand(r, rows * cols);
      const s = columnSums(d, cols);
      for (let c = 0; c < cols; c++) {
        let want = 0;
        for (let i = 0; i < rows; i++) want += d[i * cols + c];
        expect(s[c]).toBe(Math.fround(want));
      }
    });
  }
});
