import { describe, it, expect } from 'vitest';
import { backend } from '../../src';
import { uniform } from '../helpers/kernels';
import { BACKENDS, WASM_BACKENDS } from '../helpers/backends';

const BUILDS = BACKENDS;

const rng = uniform;
const rand = (r: () => number, n: number, span: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * span);

// Naive f64 oracle, independent of the kernels: y = x·scale[k] + shift[k].
function oracle(x: Float32Array, s: Float32Array, b: Float32Array, c: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / c; r++) for (let k = 0; k < c; k++) y[r * c + k] = x[r * c + k] * s[k] + b[k];
  return y;
}

describe('channelAffine kernel', () => {
  // channel counts below, at and past the 4-lane width, with tails; row counts incl. 1 and odd
  const cases: [number, number][] = [
    [1, 1],
    [7, 1],
    [3, 3],
    [5, 4],
    [9, 5],
    [2, 8],
    [13, 17],
    [4, 64],
    [3, 67],
    [64, 6],
  ];
  for (const name of BUILDS) {
    it(`${name} matches the f64 oracle on odd shapes`, () => {
      const k = backend.kernels(name),
        r = rng(cases.length + name.length);
      for (const [rows, c] of cases) {
        const x = rand(r, rows * c, 5),
          s = rand(r, c, 2),
          b = rand(r, c, 1);
        const y = k.channelAffine(x, s, b, c),
          want = oracle(x, s, b, c);
        expect(y.length).toBe(rows * c);
        for (let i = 0; i < y.length; i++) {
          if (!(Math.abs(y[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])))) {
            throw new Error(`${name} rows ${rows} channels ${c}: index ${i} got ${y[i]}, want ${want[i]}`);
          }
        }
      }
    });
  }

  it('every WASM build agrees bit for bit with the js reference (mul then add, each rounded to f32)', () => {
    const r = rng(7),
      js = backend.kernels('js');
    const x = rand(r, 31 * 19, 10),
      s = rand(r, 19, 3),
      b = rand(r, 19, 3);
    const want = js.channelAffine(x, s, b, 19);
    for (const name of WASM_BACKENDS)
      expect(Array.from(backend.kernels(name).channelAffine(x, s, b, 19))).toEqual(Array.from(want));
  });

  it('empty input gives empty output', () => {
    for (const name of BUILDS)
      expect(
        backend.kernels(name).channelAffine(new Float32Array(0), Float32Array.of(1, 2), Float32Array.of(0, 0), 2)
          .length,
      ).toBe(0);
  });
});
