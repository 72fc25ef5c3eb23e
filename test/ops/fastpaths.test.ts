// The in-place fast paths of ops (global average pooling and the bias-gradient channel sums kernel)
// against naive loops written here, on odd shapes and on the special values they must keep.
import { describe, it, expect } from 'vitest';
import { ops, Tensor, valueAndGrads, variable, backend } from '../../src';
import type { BackendName } from '../../src/backend/kernels';
import { sizeOf } from '../../src/tensor';

function rng(seed: number) {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  };
}
const rand = (r: () => number, n: number) => Float32Array.from({ length: n }, r);

describe('globalAvgPool fast path', () => {
  for (const shape of [
    [1, 1, 1, 1],
    [3, 5, 7, 9],
    [2, 7, 7, 13],
    [2, 3, 4, 5, 6],
  ]) {
    it(`matches naive mean and its gradient on ${JSON.stringify(shape)}`, () => {
      const r = rng(shape.reduce((a, b) => a * 31 + b, 1));
      const size = sizeOf(shape),
        n = shape[0],
        c = shape[shape.length - 1],
        cells = size / (n * c);
      const x = variable(new Tensor(rand(r, size), shape)),
        w = rand(r, n * c);
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
          for (let i = 0; i < cells; i++)
            expect(Math.abs(grads[0].data[(b * cells + i) * c + k] - w[b * c + k] / cells)).toBeLessThan(1e-7);
        }
      }
      expect(Math.abs(value.item() - want)).toBeLessThan(1e-4);
    });
  }
});

describe('bias gradient channel sums', () => {
  // row counts past the SIMD build's 1024-float blocks, with a partial block and a tail of rows
  for (const name of ['js', 'wasm', 'wasm-simd'] as BackendName[]) {
    for (const cols of [1, 3, 5, 6, 16, 17, 120]) {
      it(`${name}: channelSums over ${cols} columns matches f64 sums`, () => {
        for (const rows of [1, 37, 2111]) {
          const r = rng(cols * rows),
            d = rand(r, rows * cols);
          const s = backend.kernels(name).channelSums(d, cols);
          expect(s.length).toBe(cols);
          for (let c = 0; c < cols; c++) {
            let want = 0,
              mag = 0;
            for (let i = 0; i < rows; i++) {
              want += d[i * cols + c];
              mag += Math.abs(d[i * cols + c]);
            }
            // js sums in f64; the SIMD build in f32 per block (error bound ~ eps·block·Σ|x|)
            if (name === 'wasm-simd') expect(Math.abs(s[c] - want)).toBeLessThanOrEqual(1e-5 * mag + 1e-7);
            else expect(s[c]).toBe(Math.fround(want));
          }
        }
      });
    }
  }
});

describe('max pooling folds the ReLU mask of a fused conv into its backward', () => {
  // inputs with windows where the conv + ReLU output is all zero (the case the fold changes)
  for (const name of ['js', 'wasm', 'wasm-simd'] as BackendName[]) {
    it(`${name}: gradients equal the unfused conv, relu, maxPool chain; a ReLU output as source keeps the plain routing`, () => {
      backend.with(name, () => {
        const r = rng(77),
          x = new Tensor(rand(r, 2 * 9 * 8 * 3), [2, 9, 8, 3]);
        const w = variable(new Tensor(rand(r, 3 * 3 * 3 * 6), [3, 3, 3, 6])),
          b = variable(
            new Tensor(
              rand(r, 6).map((v) => v - 1.5),
              [6],
            ),
          );
        const head = new Tensor(rand(r, 2 * 5 * 4 * 6), [2, 5, 4, 6]);
        const loss = (y: Tensor) =>
          ops.sum(ops.mul(ops.maxPool2d(y, { poolSize: 2, strides: 2, padding: 'same' }), head));
        const fused = valueAndGrads(
          () => loss(ops.conv2d(x, w, { bias: b, activation: 'relu', padding: 'same' })),
          [w, b],
        );
        const plain = valueAndGrads(() => loss(ops.relu(ops.conv2d(x, w, { bias: b, padding: 'same' }))), [w, b]);
        const y = ops.conv2d(x, w, { bias: b, activation: 'relu', padding: 'same' });
        // windows whose maximum is 0 are all zero
        expect(
          ops.maxPool2d(y, { poolSize: 2, strides: 2, padding: 'same' }).data.filter((v) => v === 0).length,
        ).toBeGreaterThan(3);
        for (let k = 0; k < 2; k++) {
          const a = fused.grads[k].data,
            p = plain.grads[k].data;
          for (let i = 0; i < a.length; i++)
            expect(Math.abs(a[i] - p[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(p[i])));
        }
        // differentiating maxPool itself at a ReLU output: ties (all-zero windows) still route to the first cell
        const [gy] = valueAndGrads(() => loss(y), [y]).grads;
        const yc = new Tensor(Float32Array.from(y.data), y.shape);
        const [gPlain] = valueAndGrads(() => loss(yc), [yc]).grads;
        expect(Array.from(gy.data)).toEqual(Array.from(gPlain.data));
      });
    });
  }
});
