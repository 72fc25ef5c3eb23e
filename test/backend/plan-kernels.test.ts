// The small kernels only inference plans call (in-place activation, strided row copy, per-image row
// means), on every WebAssembly build that loads, against plain loops; odd lengths leave SIMD tails.
import { describe, it } from 'vitest';
import { instantiateSync, supports, type Build } from '../../src/backend/wasm/module';
import { expectClose } from '../helpers/close';

const BUILDS = (['scalar', 'simd', 'relaxed'] as Build[]).filter(supports);
const LINEAR = 0,
  RELU = 1,
  RELU6 = 2,
  LEAKY = 3,
  RELU_MAX = 4;

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 16 - 8);
}

/** The activation by its definition. */
function activate(v: number, act: number, alpha: number): number {
  if (act === RELU) return Math.max(v, 0);
  if (act === RELU6) return Math.min(Math.max(v, 0), 6);
  if (act === LEAKY) return v > 0 ? v : v * alpha;
  if (act === RELU_MAX) return Math.min(Math.max(v, 0), alpha);
  return v;
}

describe.each(BUILDS)('plan kernels on the %s build', (build) => {
  const mod = instantiateSync(build);
  const ex = mod.exports;
  const heap = () => new Float32Array(ex.memory.buffer);

  it.each([LINEAR, RELU, RELU6, LEAKY, RELU_MAX])('activateInPlace, code %i, lengths 1 to 37', (act) => {
    for (const n of [1, 3, 4, 5, 8, 13, 37]) {
      const x = seeded(n, n + act);
      const alpha = act === RELU_MAX ? 3.5 : 0.5;
      mod.arena.reset();
      const p = mod.arena.put(x);
      ex.activateInPlace(p, n, act, alpha);
      expectClose(
        heap().subarray(p / 4, p / 4 + n),
        Array.from(x, (v) => activate(v, act, alpha)),
        0,
        1e-6,
      );
    }
  });

  it('copyRows copies a block between strided layouts, short and long rows', () => {
    for (const [rows, cols, srcStride, dstStride] of [
      [3, 5, 7, 9],
      [4, 1, 3, 2],
      [2, 45, 50, 47],
    ]) {
      const src = seeded(rows * srcStride, cols);
      mod.arena.reset();
      const ps = mod.arena.put(src);
      const dst = new Float32Array(rows * dstStride).fill(-1);
      const pd = mod.arena.put(dst);
      ex.copyRows(ps, srcStride, pd, dstStride, rows, cols);
      const want = dst.slice();
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[r * dstStride + c] = src[r * srcStride + c];
      expectClose(heap().subarray(pd / 4, pd / 4 + dst.length), want, 0, 0);
    }
  });

  it('meanRows averages each image over its cells, channels not a multiple of 4', () => {
    for (const [batch, cells, channels] of [
      [1, 49, 7],
      [3, 4, 13],
      [2, 1, 4],
    ]) {
      const x = seeded(batch * cells * channels, cells + channels);
      mod.arena.reset();
      const px = mod.arena.put(x);
      const py = mod.arena.alloc(batch * channels);
      ex.meanRows(px, py, batch, cells, channels);
      const want = new Float64Array(batch * channels);
      for (let n = 0; n < batch; n++)
        for (let i = 0; i < cells; i++)
          for (let c = 0; c < channels; c++) want[n * channels + c] += x[(n * cells + i) * channels + c] / cells;
      expectClose(heap().subarray(py / 4, py / 4 + want.length), want, 1e-6, 1e-5);
    }
  });
});
