import { describe, it, expect } from 'vitest';
import { backend } from '../../src';
import type { UnaryOp, BinaryOp } from '../../src/backend/kernels';
import { uniform } from '../helpers/kernels';
import { WASM_BACKENDS } from '../helpers/backends';
import { expectClose as close } from '../helpers/close';

const FAST = WASM_BACKENDS;
const UNARY: UnaryOp[] = ['relu', 'sigmoid', 'tanh', 'exp', 'log', 'neg', 'abs', 'square', 'sqrt'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
// Ops whose f32 result is the correctly rounded f64 one, so every build must agree bit for bit.
const EXACT = new Set<string>(['relu', 'neg', 'abs', 'square', 'sqrt', ...BINARY]);
const LENGTHS = [...Array.from({ length: 38 }, (_, i) => i), 4099];

const rng = uniform;
// Domain-aware inputs: log and sqrt get positive values, the rest span negatives, zero and large logits.
function input(r: () => number, n: number, op?: UnaryOp): Float32Array {
  const positive = op === 'log' || op === 'sqrt';
  return Float32Array.from({ length: n }, (_, i) => {
    if (!positive && i % 11 === 5) return 0;
    const v = (r() * 2 - 1) * (i % 7 === 3 ? 30 : 3);
    return positive ? Math.abs(v) + 1e-3 : v;
  });
}

/** Exact ops must match bit for bit (but for the sign of zero); the others within 2e-6·(1 + |expected|). */
function expectClose(got: Float32Array, want: Float32Array, exact: boolean, what: string) {
  close(got, want, exact ? 0 : 2e-6, exact ? 0 : 2e-6, { what });
}

describe('elementwise kernels', () => {
  const js = backend.kernels('js');

  it('the js reference computes the textbook values', () => {
    const x = Float32Array.of(-2, 0, 0.5, 4);
    expect(Array.from(js.unary('relu', x))).toEqual([0, 0, 0.5, 4]);
    expect(js.unary('sigmoid', x)[1]).toBe(0.5);
    expect(js.unary('tanh', x)[2]).toBeCloseTo(Math.tanh(0.5), 7);
    expect(Array.from(js.binary('sub', x, Float32Array.of(1, 2)))).toEqual([-3, -2, -0.5, 2]);
    const s = js.softmax(Float32Array.of(1, 2, 3, 1000, 1000, 1000), 2, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1],
      z = e[0] + e[1] + e[2];
    for (let j = 0; j < 3; j++) {
      expect(s[j]).toBeCloseTo(e[j] / z, 7);
      expect(s[3 + j]).toBeCloseTo(1 / 3, 7);
    }
  });

  for (const op of UNARY) {
    it(`unary ${op} and its backward: wasm and wasm-simd match js for lengths 0..37 and 4099`, () => {
      const r = rng(op.length * 31 + op.charCodeAt(0));
      for (const n of LENGTHS) {
        const x = input(r, n, op),
          dy = input(r, n);
        const y = js.unary(op, x),
          dx = js.unaryBackward(op, x, y, dy);
        for (const name of FAST) {
          const k = backend.kernels(name);
          expectClose(k.unary(op, x), y, EXACT.has(op), `${name} ${op} n=${n}`);
          expectClose(k.unaryBackward(op, x, y, dy), dx, false, `${name} ${op} backward n=${n}`);
        }
      }
    });
  }

  for (const op of BINARY) {
    it(`binary ${op}: same length, scalar and repeating b on every backend`, () => {
      const r = rng(op.charCodeAt(0) * 7 + op.charCodeAt(1));
      const cases: [number, number][] = [];
      for (const n of LENGTHS) cases.push([n, n], [n, n ? 1 : 0]);
      for (const [reps, bn] of [
        [3, 3],
        [5, 4],
        [7, 17],
        [2, 64],
        [64, 6],
      ])
        cases.push([reps * bn, bn]);
      for (const [an, bn] of cases) {
        const a = input(r, an),
          b = Float32Array.from(input(r, bn), (v) => (op === 'div' && v === 0 ? 0.5 : v));
        const want = js.binary(op, a, b);
        for (let i = 0; i < an; i++) {
          const bi = b[i % bn];
          const ref =
            op === 'add'
              ? a[i] + bi
              : op === 'sub'
                ? a[i] - bi
                : op === 'mul'
                  ? a[i] * bi
                  : op === 'div'
                    ? a[i] / bi
                    : op === 'max'
                      ? Math.max(a[i], bi)
                      : Math.min(a[i], bi);
          expect(want[i]).toBe(Math.fround(ref));
        }
        for (const name of FAST)
          expectClose(backend.kernels(name).binary(op, a, b), want, true, `${name} ${op} ${an}/${bn}`);
      }
    });
  }

  for (const name of FAST) {
    it(`${name}: relu keeps NaN and gives +0 for -0 and negatives, in the vector body and the tail`, () => {
      const x = Float32Array.from({ length: 37 }, (_, i) => [NaN, -0, 0, -1e-30, 2, -3, Infinity, -Infinity][i % 8]);
      const got = backend.kernels(name).unary('relu', x),
        want = x.map((v) => Math.max(v, 0));
      got.forEach((v, i) => expect(Object.is(v, want[i]), `relu(${x[i]}) = ${v}, want ${want[i]}`).toBe(true));
    });

    it(`${name}: exp, sigmoid and tanh at the extremes and near zero (SIMD polynomial range patches)`, () => {
      const k = backend.kernels(name);
      const x = Float32Array.of(100, -200, NaN, 0, 88.72, -103, 1, -1, 1e-6, -3e-4, 0.6, -0.65, 20, -20, 1e-30, 5);
      const e = k.unary('exp', x),
        s = k.unary('sigmoid', x),
        t = k.unary('tanh', x);
      expect([e[0], e[1], e[3]]).toEqual([Infinity, 0, 1]);
      expect(Number.isNaN(e[2]) && Number.isNaN(s[2]) && Number.isNaN(t[2])).toBe(true);
      expect([s[0], s[1], t[12], t[13]]).toEqual([1, 0, 1, -1]);
      for (let i = 0; i < x.length; i++) {
        if (i === 2) continue;
        const want = [Math.exp(x[i]), 1 / (1 + Math.exp(-x[i])), Math.tanh(x[i])].map(Math.fround);
        [e[i], s[i], t[i]].forEach((got, j) => {
          if (!(
            got === want[j] ||
            Math.abs(got - want[j]) <= 2.4e-7 * Math.abs(want[j]) ||
            Math.abs(want[j]) < 1.2e-38
          )) {
            throw new Error(`${name} ${['exp', 'sigmoid', 'tanh'][j]}(${x[i]}) = ${got}, want ${want[j]}`);
          }
        });
      }
    });
  }

  it('sigmoid on every build: within 4 ulp (3e-7 relative) of the exact value over [-90, 90], odd lengths', () => {
    // the SIMD kernel's stated bound is 3 ulp (2.7e-7 relative); values below 1.2e-38 (denormal) may be 0
    const n = 200_003;
    const x = Float32Array.from({ length: n }, (_, i) => -90 + (180 * i) / (n - 1));
    const ref = js.unary('sigmoid', x);
    for (const name of FAST) {
      const got = backend.kernels(name).unary('sigmoid', x);
      let worst = 0,
        at = 0;
      for (let i = 0; i < n; i++) {
        const want = 1 / (1 + Math.exp(-x[i]));
        if (want < 1.2e-38) continue;
        const rel = Math.abs(got[i] - want) / want;
        if (rel > worst) [worst, at] = [rel, x[i]];
      }
      expect(worst, `${name} sigmoid worst at x = ${at}`).toBeLessThanOrEqual(3e-7);
      close(got, ref, 1e-37, 6e-7, { what: `${name} sigmoid vs js` });
    }
  });

  it('softmax: rows sum to 1, large logits do not overflow, builds agree with js', () => {
    const r = rng(5);
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [2, 10],
      [7, 37],
      [64, 1000],
    ]) {
      const x = Float32Array.from({ length: rows * cols }, () => (r() - 0.5) * 40 + (r() < 0.1 ? 500 : 0));
      const want = js.softmax(x, rows, cols);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += want[i * cols + j];
        expect(s).toBeCloseTo(1, 5);
      }
      for (const name of FAST)
        expectClose(backend.kernels(name).softmax(x, rows, cols), want, false, `${name} softmax ${rows}x${cols}`);
    }
  });
});
