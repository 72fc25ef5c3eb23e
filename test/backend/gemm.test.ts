import { describe, it, expect } from 'vitest';
import { backend } from '../../src';

import { rng, randArray } from '../helpers/kernels';
import { WASM_BACKENDS } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { gemmRange, sgemmArgs } from '../../src/backend/wasm/gemm';

const abs = (a: Float32Array) => a.map(Math.abs);

// f32 error grows with the dot length; scale by Σ|a||b| so large and small entries are judged alike.
function expectGemmClose(
  got: Float32Array,
  want: Float32Array,
  absScale: Float32Array,
  k: number,
  what: string,
  shape: number[],
): void {
  expectClose(
    got,
    want,
    absScale.map((s) => 1e-5 * Math.sqrt(Math.max(k, 1)) * s + 1e-6),
    0,
    { what, shape },
  );
}

const builds = WASM_BACKENDS;
const js = backend.kernels('js');

describe('matmul', () => {
  const sizes = [1, 3, 4, 5, 8, 17, 33, 67];
  for (const name of builds) {
    it(`${name} matches the reference on odd shapes, every transpose combination`, () => {
      const k = backend.kernels(name);
      const r = rng(1234);
      let cases = 0;
      for (const m of sizes)
        for (const kk of [1, 3, 5, 17, 67])
          for (const n of sizes) {
            // Thin the grid but keep all four transposes for each kept shape.
            if ((m * 7 + kk * 3 + n) % 3 !== 0 && !(m === 1 || n === 1)) continue;
            const a = randArray(m * kk, r),
              b = randArray(kk * n, r);
            for (const tA of [false, true])
              for (const tB of [false, true]) {
                const got = k.matmul(a, b, m, kk, n, tA, tB, null, 'linear');
                const want = js.matmul(a, b, m, kk, n, tA, tB, null, 'linear');
                const scale = js.matmul(abs(a), abs(b), m, kk, n, tA, tB, null, 'linear');
                expectGemmClose(got, want, scale, kk, `${name} ${m}x${kk}x${n} tA=${tA} tB=${tB}`, [m, n]);
                cases++;
              }
          }
      expect(cases).toBeGreaterThan(100);
    });

    it(`${name} fuses bias and ReLU`, () => {
      const k = backend.kernels(name);
      const r = rng(99);
      for (const [m, kk, n] of [
        [5, 7, 9],
        [4, 8, 8],
        [33, 17, 67],
        [1, 300, 13],
      ]) {
        const a = randArray(m * kk, r),
          b = randArray(kk * n, r),
          bias = randArray(n, r);
        for (const act of ['linear', 'relu'] as const)
          for (const tB of [false, true]) {
            const got = k.matmul(a, b, m, kk, n, false, tB, bias, act);
            const want = js.matmul(a, b, m, kk, n, false, tB, bias, act);
            const scale = js.matmul(abs(a), abs(b), m, kk, n, false, tB, abs(bias), 'linear');
            expectGemmClose(got, want, scale, kk, `${name} ${m}x${kk}x${n} bias ${act}`, [m, n]);
            if (act === 'relu') {
              expect(got.every((v) => v >= 0)).toBe(true);
              expect(want.some((v) => v === 0)).toBe(true);
            }
          }
      }
    });

    it(`${name} handles large shapes across cache blocks (k > 256, m > 128)`, () => {
      const k = backend.kernels(name);
      const r = rng(7);
      for (const [m, kk, n, tA, tB] of [
        [130, 257, 129, false, false],
        [133, 300, 16, false, false], // A read in place (16 columns or fewer), partial row panel and k > 256
        [7, 40, 13, false, true],
        [131, 520, 37, true, true],
        [9, 600, 2100, false, true],
      ] as const) {
        const a = randArray(m * kk, r),
          b = randArray(kk * n, r),
          bias = randArray(n, r);
        const got = k.matmul(a, b, m, kk, n, tA, tB, bias, 'relu');
        const want = js.matmul(a, b, m, kk, n, tA, tB, bias, 'relu');
        const scale = js.matmul(abs(a), abs(b), m, kk, n, tA, tB, abs(bias), 'linear');
        expectGemmClose(got, want, scale, kk, `${name} ${m}x${kk}x${n}`, [m, n]);
      }
    });

    it(`${name} with k = 0 gives the bias alone`, () => {
      const bias = new Float32Array([1, -2, 3]);
      const got = backend
        .kernels(name)
        .matmul(new Float32Array(0), new Float32Array(0), 2, 0, 3, false, false, bias, 'relu');
      expect(Array.from(got)).toEqual([1, 0, 3, 1, 0, 3]);
    });

    it(`${name} sgemm accumulates into a strided sub-block of C, bias included`, () => {
      // The conv kernels call sgemm directly with ldc > n and accumulate = true.
      const mod = backend.module(name)!;
      const { exports: ex, arena } = mod;
      const r = rng(5);
      // A tall case (packed path) and a 3-row one (the few-rows path), with A stored transposed.
      for (const [m, kk, n, tA] of [
        [13, 300, 11, false],
        [3, 40, 21, true],
      ] as const) {
        const ldc = n + 9,
          col0 = 3;
        const a = randArray(m * kk, r),
          b = randArray(kk * n, r),
          c0 = randArray(m * ldc, r),
          bias = randArray(n, r);
        arena.reset();
        const pa = arena.put(a),
          pb = arena.put(b),
          pc = arena.put(c0),
          pbias = arena.put(bias);
        const scratch = arena.allocBytes(ex.gemmScratchBytes(m, n, kk));
        const call = { m, n, k: kk, a: pa, b: pb, c: pc + col0 * 4, ldc, transA: tA, bias: pbias, accumulate: true };
        ex.sgemm(...sgemmArgs({ ...call, scratch }));
        const got = arena.take(pc, m * ldc);
        const prod = js.matmul(a, b, m, kk, n, tA, false, bias, 'linear');
        const scale = js.matmul(abs(a), abs(b), m, kk, n, tA, false, abs(bias), 'linear');
        for (let i = 0; i < m; i++)
          for (let j = 0; j < ldc; j++) {
            const inside = j >= col0 && j < col0 + n;
            const want = c0[i * ldc + j] + (inside ? prod[i * n + j - col0] : 0);
            const tol = inside ? 1e-5 * Math.sqrt(kk) * scale[i * n + j - col0] + 1e-5 : 0;
            expect(Math.abs(got[i * ldc + j] - want), `${m}x${kk}x${n} C[${i}][${j}]`).toBeLessThanOrEqual(tol);
          }
      }
    });

    it(`${name} sgemm parts from gemmRange tile the whole product, every transpose, rows and columns`, () => {
      const mod = backend.module(name)!;
      const { exports: ex, arena } = mod;
      // the argument list matches the export's arity (a field added on one side only would shift the rest); the
      // loader wraps exports in variadic functions, so ask a raw instance on the same memory, as workers make
      const raw = new WebAssembly.Instance(mod.compiled, { env: { abort() {}, memory: mod.arena.memory } });
      const arity = (raw.exports.sgemm as (...a: number[]) => void).length;
      expect(arity).toBe(15);
      expect(sgemmArgs({ m: 1, n: 1, k: 1, a: 0, b: 0, c: 0, scratch: 0 })).toHaveLength(arity);
      const r = rng(77);
      const [m, kk, n] = [13, 19, 21];
      const a = randArray(m * kk, r),
        b = randArray(kk * n, r),
        bias = randArray(n, r);
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const alongN of [false, true]) {
            const got = arena.call([a, b, bias], m * n, ([pa, pb, pbias, pc]) => {
              const whole = { m, n, k: kk, a: pa, b: pb, c: pc, transA, transB, bias: pbias, act: 1 };
              // ranges start on 4-row or 8-column tiles, the last one ragged
              for (const [s, e] of alongN
                ? [
                    [0, 8],
                    [8, 16],
                    [16, 21],
                  ]
                : [
                    [0, 4],
                    [4, 12],
                    [12, 13],
                  ]) {
                const part = gemmRange(whole, alongN, s, e);
                ex.sgemm(...sgemmArgs({ ...part, scratch: arena.allocBytes(ex.gemmScratchBytes(part.m, part.n, kk)) }));
              }
            });
            const want = js.matmul(a, b, m, kk, n, transA, transB, bias, 'relu');
            const scale = js.matmul(abs(a), abs(b), m, kk, n, transA, transB, abs(bias), 'linear');
            expectGemmClose(got, want, scale, kk, `${name} tA=${transA} tB=${transB} alongN=${alongN}`, [m, n]);
          }
    });
  }
});

describe('gram', () => {
  for (const name of builds) {
    it(`${name} matches the reference on odd sizes and batch > 1`, () => {
      const k = backend.kernels(name);
      const r = rng(42);
      for (const [batch, hw, c] of [
        [1, 1, 1],
        [1, 9, 3],
        [2, 25, 5],
        [3, 49, 17],
        [2, 300, 33],
        [1, 17, 130],
      ]) {
        const a = randArray(batch * hw * c, r);
        const got = k.gram(a, batch, hw, c);
        const want = js.gram(a, batch, hw, c);
        expectGemmClose(got, want, js.gram(abs(a), batch, hw, c), hw, `${name} gram ${batch}x${hw}x${c}`, [
          batch,
          c,
          c,
        ]);
      }
    });
  }

  it('the reference is AᵀA and symmetric', () => {
    // a [hw=2, c=2] = [[1, 2], [3, 4]] → AᵀA = [[10, 14], [14, 20]].
    expect(Array.from(js.gram(new Float32Array([1, 2, 3, 4]), 1, 2, 2))).toEqual([10, 14, 14, 20]);
  });
});

describe('builds', () => {
  it('wasm-simd is the SIMD binary and wasm the scalar one', () => {
    expect(backend.module('wasm-simd')!.exports.IS_SIMD.value).toBe(1);
    expect(backend.module('wasm')!.exports.IS_SIMD.value).toBe(0);
    expect(backend.module('wasm-simd')!.exports.peakFlopsPerIter()).toBe(96);
  });
});
