import { it, expect, beforeAll } from 'vitest';
import { ops, init, ShapeError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

/** G[k][k'] = Σ_i Σ_j a[i][j][k]·a[i][j][k'] written out. */
function refGram(a: Float32Array, hw: number, c: number): number[] {
  const g: number[] = [];
  for (let k = 0; k < c; k++)
    for (let l = 0; l < c; l++) {
      let s = 0;
      for (let i = 0; i < hw; i++) s += a[i * c + k] * a[i * c + l];
      g.push(s);
    }
  return g;
}

beforeAll(async () => {
  await init();
});

describeEachBackend('gram', () => {
  it('matches the notes formula for [H,W,C] and batched [N,H,W,C]', () => {
    for (const [h, w, c] of [
      [1, 1, 1],
      [3, 5, 7],
      [4, 4, 17],
      [6, 7, 3],
    ]) {
      const a = rand([h, w, c], h * 100 + c);
      const g = ops.gram(a);
      expect(g.shape).toEqual([c, c]);
      expectClose(g.data, refGram(a.data, h * w, c), 1e-4, 1e-5);
    }
    const a = rand([3, 4, 5, 6], 9);
    const g = ops.gram(a);
    expect(g.shape).toEqual([3, 6, 6]);
    for (let n = 0; n < 3; n++)
      expectClose(
        g.data.subarray(n * 36, (n + 1) * 36),
        refGram(a.data.subarray(n * 120, (n + 1) * 120), 20, 6),
        1e-4,
        1e-5,
      );
  });

  it('gradient', () => {
    gradcheck((a) => ops.gram(a), [rand([3, 4, 5], 1)]);
    gradcheck((a) => ops.gram(a), [rand([2, 2, 3, 4], 2)]);
  });

  it('rejects other ranks', () => {
    expect(() => ops.gram(rand([4, 5], 1))).toThrow(ShapeError);
    expect(() => ops.gram(rand([4, 5], 1))).toThrow(/gram: expected input \[H,W,C\] or \[N,H,W,C\], got \[4,5\]/);
  });
});
