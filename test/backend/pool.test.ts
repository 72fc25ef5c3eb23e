import { describe, it, expect } from 'vitest';
import { backend } from '../../src';
import type { PoolGeometry } from '../../src/backend/kernels';
import { uniform } from '../helpers/kernels';
import { BACKENDS, WASM_BACKENDS } from '../helpers/backends';
import { expectClose as close } from '../helpers/close';

/** Pool results against the reference: tol·(1 + |expected|) per element. */
const expectClose = (got: Float32Array, want: Float32Array, tol: number, what: string) =>
  close(got, want, tol, tol, { what });

const FAST = WASM_BACKENDS;

// mulberry32: small seeded generator so failures reproduce.
const rng = uniform;
const pick = <T>(r: () => number, xs: T[]) => xs[Math.floor(r() * xs.length)];

// Keras's output size: floor((n + padBefore + padAfter - f) / s) + 1, with each pad below the pool size
// so that every window overlaps the input.
function axis(r: () => number, n: number, f: number, s: number) {
  const before = Math.floor(r() * f),
    after = Math.floor(r() * f);
  return { pad: before, out: Math.floor((n + before + after - f) / s) + 1 };
}

function randomGeometry(r: () => number, dims: 1 | 2 | 3): PoolGeometry {
  const pool = pick(r, [2, 3]),
    stride = pick(r, [1, 2, 3]);
  const size = (on: boolean) => (on ? pool + Math.floor(r() * 7) : 1);
  const inD = size(dims === 3),
    inH = size(dims >= 2),
    inW = size(true);
  const d = dims === 3 ? axis(r, inD, pool, stride) : { pad: 0, out: 1 };
  const h = dims >= 2 ? axis(r, inH, pool, stride) : { pad: 0, out: 1 };
  const w = axis(r, inW, pool, stride);
  return {
    batch: pick(r, [1, 2]),
    channels: pick(r, [1, 3, 5, 17]),
    inD,
    inH,
    inW,
    outD: d.out,
    outH: h.out,
    outW: w.out,
    poolD: dims === 3 ? pool : 1,
    poolH: dims >= 2 ? pool : 1,
    poolW: pool,
    strideD: dims === 3 ? stride : 1,
    strideH: dims >= 2 ? stride : 1,
    strideW: stride,
    padFront: d.pad,
    padTop: h.pad,
    padLeft: w.pad,
  };
}

const inLen = (g: PoolGeometry) => g.batch * g.inD * g.inH * g.inW * g.channels;
const outLen = (g: PoolGeometry) => g.batch * g.outD * g.outH * g.outW * g.channels;
const randomArray = (r: () => number, n: number, ints = false) =>
  Float32Array.from({ length: n }, () => (ints ? Math.floor(r() * 3) : r() * 4 - 2));

// The notes' 4x4 example: f = 2, s = 2.
const NOTES_X = Float32Array.of(1, 3, 2, 1, 2, 9, 1, 1, 1, 3, 2, 3, 5, 6, 1, 2);
const NOTES_G: PoolGeometry = {
  batch: 1,
  channels: 1,
  inD: 1,
  inH: 4,
  inW: 4,
  outD: 1,
  outH: 2,
  outW: 2,
  poolD: 1,
  poolH: 2,
  poolW: 2,
  strideD: 1,
  strideH: 2,
  strideW: 2,
  padFront: 0,
  padTop: 0,
  padLeft: 0,
};

describe('pooling kernels', () => {
  for (const name of BACKENDS) {
    it(`${name}: the notes' 4x4 max and average pooling examples`, () => {
      const k = backend.kernels(name);
      expect(Array.from(k.maxPool(NOTES_X, NOTES_G))).toEqual([9, 2, 6, 3]);
      expect(Array.from(k.avgPool(NOTES_X, NOTES_G))).toEqual([3.75, 1.25, 3.75, 2]);
    });
  }

  for (const dims of [1, 2, 3] as const) {
    it(`${dims}D forward and backward: wasm and wasm-simd match the js reference on random geometries`, () => {
      const r = rng(100 + dims);
      const js = backend.kernels('js');
      for (let trial = 0; trial < 40; trial++) {
        const g = randomGeometry(r, dims);
        const x = randomArray(r, inLen(g), trial % 3 === 0),
          dy = randomArray(r, outLen(g));
        const want = {
          max: js.maxPool(x, g),
          avg: js.avgPool(x, g),
          maxB: js.maxPoolBackward(x, dy, g),
          avgB: js.avgPoolBackward(dy, g),
        };
        for (const name of FAST) {
          const k = backend.kernels(name),
            tag = `${name} ${JSON.stringify(g)}`;
          expect(Array.from(k.maxPool(x, g)), `maxPool ${tag}`).toEqual(Array.from(want.max));
          expectClose(k.avgPool(x, g), want.avg, 1e-6, `avgPool ${tag}`);
          expectClose(k.maxPoolBackward(x, dy, g), want.maxB, 1e-6, `maxPoolBackward ${tag}`);
          expectClose(k.avgPoolBackward(dy, g), want.avgB, 1e-6, `avgPoolBackward ${tag}`);
        }
      }
    });
  }

  for (const name of BACKENDS) {
    it(`${name}: max backward sends each gradient to the first of tied maxima`, () => {
      // 2 channels, one 2x2 window: channel 0 all equal, channel 1 max at cells 1 and 3.
      const g: PoolGeometry = { ...NOTES_G, channels: 2, inH: 2, inW: 2, outH: 1, outW: 1 };
      const x = Float32Array.of(5, 0, 5, 7, 5, 1, 5, 7);
      const dx = backend.kernels(name).maxPoolBackward(x, Float32Array.of(10, 20), g);
      expect(Array.from(dx)).toEqual([10, 0, 0, 20, 0, 0, 0, 0]);
    });

    it(`${name}: padding is ignored by max (negative inputs) and by the average's divisor`, () => {
      // 3x3 input, pool 3 stride 1, 'same' padding 1: the corner window holds 4 real cells.
      const g: PoolGeometry = {
        ...NOTES_G,
        inH: 3,
        inW: 3,
        outH: 3,
        outW: 3,
        poolH: 3,
        poolW: 3,
        strideH: 1,
        strideW: 1,
        padTop: 1,
        padLeft: 1,
      };
      const x = Float32Array.from({ length: 9 }, (_, i) => -1 - i);
      const k = backend.kernels(name);
      expect(k.maxPool(x, g)[0]).toBe(-1);
      expect(k.avgPool(x, g)[0]).toBeCloseTo((-1 - 2 - 4 - 5) / 4, 6);
      const dx = k.avgPoolBackward(
        Float32Array.from({ length: 9 }, (_, i) => (i === 0 ? 1 : 0)),
        g,
      );
      expect(Array.from(dx)).toEqual([0.25, 0.25, 0, 0.25, 0.25, 0, 0, 0, 0]);
    });
  }

  it('the SIMD path covers 16-, 4- and 1-channel blocks (64 + 4 + 3 channels, stride 2)', () => {
    const r = rng(7);
    const g: PoolGeometry = {
      ...NOTES_G,
      batch: 2,
      channels: 71,
      inH: 9,
      inW: 11,
      outH: 5,
      outW: 6,
      padTop: 1,
      padLeft: 1,
    };
    const x = randomArray(r, inLen(g)),
      dy = randomArray(r, outLen(g));
    const js = backend.kernels('js'),
      simd = backend.kernels('wasm-simd');
    expect(Array.from(simd.maxPool(x, g))).toEqual(Array.from(js.maxPool(x, g)));
    expectClose(simd.avgPool(x, g), js.avgPool(x, g), 1e-6, 'avgPool');
    expectClose(simd.maxPoolBackward(x, dy, g), js.maxPoolBackward(x, dy, g), 1e-6, 'maxPoolBackward');
    expectClose(simd.avgPoolBackward(dy, g), js.avgPoolBackward(dy, g), 1e-6, 'avgPoolBackward');
  });
});
