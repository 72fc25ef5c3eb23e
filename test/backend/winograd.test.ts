import { describe, it, expect, afterAll, vi } from 'vitest';
import { backend, init } from '../../src/backend';
import { setConvAlgorithm } from '../../src/backend/wasm/conv';
import type { ConvGeometry } from '../../src/backend/kernels';
import {
  WINOGRAD,
  filterTile,
  inputTile,
  outputTile,
  winogradConv,
  winogradApplies,
  type WinogradSize,
} from '../../src/backend/js/winograd';
import {
  rng,
  randArray,
  geometry,
  inLen,
  filterLen,
  terms,
  outShape,
  expectRelClose,
  relError,
  type Spec,
} from '../helpers/kernels';
import { WASM_BACKENDS } from '../helpers/backends';

const js = backend.kernels('js');
const wasmBackends = WASM_BACKENDS;

// 3x3 stride-1 shapes: odd sizes, channels not divisible by 4, 'valid' / 'same' / asymmetric padding
// (bottom padding implied by inH/outH, as in the row bands threads give a kernel), batches, tiny images.
const same = (batch: number, h: number, w: number, inC: number, outC: number): Spec => ({
  batch,
  in: [1, h, w],
  inC,
  outC,
  f: [1, 3, 3],
  padBefore: [0, 1, 1],
  padAfter: [0, 1, 1],
});
const CASES: [string, Spec][] = [
  ['same, odd 7x9, 3 -> 5', same(1, 7, 9, 3, 5)],
  ['valid, 11x13, 6 -> 7, batch 3', { batch: 3, in: [1, 11, 13], inC: 6, outC: 7, f: [1, 3, 3] }],
  ['same, 13x10, 17 -> 19 (4-lane groups + tails), batch 2', same(2, 13, 10, 17, 19)],
  ['same, 1x1 image', same(2, 1, 1, 5, 6)],
  ['same, 2x2 image', same(1, 2, 2, 9, 4)],
  ['valid, 3x3 image (one output)', { batch: 2, in: [1, 3, 3], inC: 8, outC: 8, f: [1, 3, 3] }],
  ['same, 3x3 image', same(1, 3, 3, 4, 12)],
  [
    'asymmetric: top 2 bottom 0, left 0 right 2',
    { batch: 2, in: [1, 9, 7], inC: 5, outC: 9, f: [1, 3, 3], padBefore: [0, 2, 0], padAfter: [0, 0, 2] },
  ],
  [
    'band of rows: padTop 1, no bottom padding, outH 3',
    { batch: 1, in: [1, 4, 12], inC: 12, outC: 8, f: [1, 3, 3], padBefore: [0, 1, 1], padAfter: [0, 0, 1] },
  ],
  [
    'band of rows: padTop 0, outH 1 (rows past the input are zero)',
    { batch: 1, in: [1, 2, 10], inC: 8, outC: 8, f: [1, 3, 3], padBefore: [0, 0, 1], padAfter: [0, 1, 1] },
  ],
  ['1D-like: one output row, 1 x 15', same(1, 1, 15, 7, 3)],
  [
    'padding wider than the filter reach (3 and 2 before, 3 after): rows and columns of only padding',
    { batch: 2, in: [1, 5, 6], inC: 6, outC: 5, f: [1, 3, 3], padBefore: [0, 3, 2], padAfter: [0, 3, 3] },
  ],
  ['large channels: 12x12, 130 -> 96', same(1, 12, 12, 130, 96)],
  ['long sums: 12x12, 1024 -> 9', same(1, 12, 12, 1024, 9)],
  ['large channels, batch 2: 30x30, 64 -> 66', same(2, 30, 30, 64, 66)],
  // Chunks hold 2^20 floats of transformed tiles (36 * 8 per tile here): 4500 tiles make two, split inside an image.
  ['two chunks of tiles: batch 5 of 120x118, 8 -> 8', same(5, 120, 118, 8, 8)],
];

const problem = (s: Spec, seed: number) => {
  const g = geometry(s),
    r = rng(seed);
  return { g, x: randArray(inLen(g), r), w: randArray(filterLen(g), r), bias: randArray(g.outC, r) };
};

describe('Winograd reference (src/backend/js/winograd.ts)', () => {
  for (const m of [2, 4] as WinogradSize[]) {
    it(`F(${m}x${m}, 3x3): Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the tile's correlation`, () => {
      const r = rng(m),
        t = m + 2;
      const d = Array.from({ length: t }, () => Array.from({ length: t }, r));
      const f = Array.from({ length: 3 }, () => Array.from({ length: 3 }, r));
      const U = filterTile(m, f),
        V = inputTile(m, d);
      const Y = outputTile(
        m,
        U.map((row, i) => row.map((u, j) => u * V[i][j])),
      );
      expect(Y.length).toBe(m);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) {
          let want = 0;
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) want += d[i + a][j + b] * f[a][b];
          expect(Y[i][j]).toBeCloseTo(want, 12);
        }
      expect(WINOGRAD[m].BT.length).toBe(t);
    });
  }
  for (const [name, s] of CASES.slice(0, 9)) {
    it(`whole conv matches the direct reference: ${name}`, () => {
      const { g, x, w, bias } = problem(s, 7);
      const want = js.conv(x, w, g, bias, 'relu');
      for (const m of [2, 4] as WinogradSize[])
        expectRelClose(winogradConv(x, w, g, bias, 'relu', m), want, `F(${m})`, {
          tol: 1e-6,
          terms: terms.forward(g),
          shape: outShape(g),
        });
    });
  }
  it('applies only to 2D 3x3 stride-1 dilation-1 geometries, and says so', () => {
    expect(winogradApplies(geometry(same(1, 5, 5, 2, 2)))).toBe(true);
    const strided = geometry({ ...same(1, 5, 5, 2, 2), stride: [1, 2, 2] });
    expect(winogradApplies(strided)).toBe(false);
    expect(winogradApplies(geometry({ ...same(1, 5, 5, 2, 2), dilation: [1, 2, 2] }))).toBe(false);
    expect(() => winogradConv(new Float32Array(50), new Float32Array(36), strided, null, 'linear')).toThrow(
      /winogradConv.*stride 2x2/,
    );
  });
});

describe.each(wasmBackends)('Winograd F(4x4, 3x3) in the %s build', (name) => {
  const k = backend.kernels(name);
  const force = (mode: number) =>
    setConvAlgorithm(backend.module(name)!, { winograd: mode > 0 ? 'always' : mode < 0 ? 'never' : 'auto' });
  afterAll(() => {
    force(0);
  });

  // F(4x4) multiplies by up to 8 and 1/24 in its transforms: its f32 error is a few times a direct sum's.
  const TOL = 1e-4;
  let worst = 0;
  for (const [cname, s] of CASES) {
    it(`forced on, matches the direct reference (bias + relu and linear): ${cname}`, () => {
      const { g, x, w, bias } = problem(s, 3);
      force(1);
      const relu = k.conv(x, w, g, bias, 'relu'),
        linear = k.conv(x, w, g, null, 'linear');
      force(0);
      const want = { relu: js.conv(x, w, g, bias, 'relu'), linear: js.conv(x, w, g, null, 'linear') },
        t = terms.forward(g);
      worst = Math.max(worst, relError(relu, want.relu, t), relError(linear, want.linear, t));
      expectRelClose(relu, want.relu, `${cname}, relu`, { tol: TOL, terms: t, shape: outShape(g) });
      expectRelClose(linear, want.linear, `${cname}, linear`, { tol: TOL, terms: t, shape: outShape(g) });
    });
  }
  it('is a different path from the direct kernels (results differ in the last bits) and both are close', () => {
    const { g, x, w, bias } = problem(same(1, 14, 14, 32, 32), 5);
    force(1);
    const wino = k.conv(x, w, g, bias, 'linear');
    force(-1);
    const direct = k.conv(x, w, g, bias, 'linear');
    force(0);
    expect(Array.from(wino)).not.toEqual(Array.from(direct));
    expectRelClose(direct, js.conv(x, w, g, bias, 'linear'), 'direct', { terms: terms.forward(g), shape: outShape(g) });
    expectRelClose(wino, direct, 'winograd vs direct', { tol: TOL, terms: terms.forward(g), shape: outShape(g) });
  });
  it('forcing it on leaves geometries it does not apply to on their own kernels', () => {
    const shapes: Spec[] = [
      { ...same(2, 9, 8, 8, 8), stride: [1, 2, 2] },
      { ...same(1, 9, 9, 8, 8), dilation: [1, 2, 2], padBefore: [0, 2, 2], padAfter: [0, 2, 2] },
      { batch: 1, in: [1, 9, 9], inC: 8, outC: 8, f: [1, 5, 5] },
    ];
    force(1);
    for (const s of shapes) {
      const { g, x, w, bias } = problem(s, 9);
      expectRelClose(k.conv(x, w, g, bias, 'relu'), js.conv(x, w, g, bias, 'relu'), 'not 3x3 s1', {
        terms: terms.forward(g),
        shape: outShape(g),
      });
    }
    force(0);
  });
  it('by the heuristic (the default), 3x3 same 28x28x64 -> 64 and 10x10x512 -> 16 keep the 2e-5 bound of the other kernels', () => {
    for (const s of [same(1, 28, 28, 64, 64), same(1, 10, 10, 512, 16)]) {
      const { g, x, w, bias } = problem(s, 11);
      const got = k.conv(x, w, g, bias, 'relu'),
        want = js.conv(x, w, g, bias, 'relu');
      worst = Math.max(worst, relError(got, want, terms.forward(g)));
      expectRelClose(got, want, 'heuristic', { terms: terms.forward(g), shape: outShape(g) });
    }
    console.log(
      `winograd ${name}: worst error ${worst.toExponential(2)} in units of √terms + |expected| (bound ${TOL} forced, 2e-5 by the heuristic)`,
    );
  });
});

describe.skipIf(backend.module('wasm-simd')?.build !== 'simdThreads')(
  'Winograd under threads (row bands with their own padding)',
  () => {
    afterAll(() => {
      backend.setThreads(null);
    });
    it('wasm-simd on 2 threads, heuristic on: one image and a batch match the reference, with parts run by a worker', async () => {
      backend.use('wasm-simd');
      backend.setThreads(2);
      await init(); // resolves once the worker is up, so parts really leave this thread
      const pool = backend.module('wasm-simd')!.pool!;
      expect(pool.ready).toBe(1);
      const run = vi.spyOn(pool, 'run');
      const cases: ConvGeometry[] = [geometry(same(1, 37, 29, 32, 24)), geometry(same(3, 21, 19, 16, 40))];
      for (const g of cases) {
        const r = rng(13),
          x = randArray(inLen(g), r),
          w = randArray(filterLen(g), r),
          bias = randArray(g.outC, r);
        expectRelClose(
          backend.kernels('wasm-simd').conv(x, w, g, bias, 'relu'),
          js.conv(x, w, g, bias, 'relu'),
          `${g.outH}x${g.outW}`,
          { tol: 1e-4, terms: terms.forward(g), shape: outShape(g) },
        );
      }
      // each conv was split into two parts, one for the ready worker
      expect(run.mock.calls.length).toBeGreaterThanOrEqual(cases.length);
      for (const [, parts] of run.mock.calls) expect(parts.length).toBe(2);
      run.mockRestore();
    });
  },
);
