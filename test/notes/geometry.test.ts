// The notes' padding, stride, 1D and 3D examples: output sizes floor((n + 2p − f)/s) + 1, 'same'
// padding p = (f − 1)/2, the padded 6x6 example, 7x7 * 3x3 stride 2 → 3x3, 14 * 5 → 10, 14³ * 5³ → 10³.
import { describe, it, expect, beforeAll } from 'vitest';
import { ops, tensor, init, vision } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

beforeAll(async () => {
  await init();
});

describe('notes: output-size formula', () => {
  it('(n − f + 1) without padding, (n + 2p − f + 1) with, floor((n + 2p − f)/s) + 1 with stride', () => {
    expect(ops.convOutputSize(6, 3)).toBe(4);
    expect(ops.convOutputSize(6, 3, 1, 1)).toBe(6);
    expect(ops.convOutputSize(7, 3, 2)).toBe(3);
    expect(ops.convOutputSize(8, 3, 2)).toBe(3); // floor((8 − 3)/2) + 1
    expect(ops.convOutputSize(39, 3)).toBe(37);
    expect(ops.convOutputSize(14, 5)).toBe(10);
  });
  it("'same' padding p = (f − 1)/2: f = 3 → 1, f = 5 → 2", () => {
    expect(ops.samePadding(3)).toBe(1);
    expect(ops.samePadding(5)).toBe(2);
    expect(() => ops.samePadding(4)).toThrow(/odd/);
  });
});

describeEachBackend('notes: padding, stride, 1D and 3D', () => {
  it('the formula agrees with conv2d for many n, f, p, s', () => {
    for (const n of [5, 6, 7, 8, 11])
      for (const f of [1, 2, 3, 5])
        for (const p of [0, 1, 2])
          for (const s of [1, 2, 3]) {
            if (n + 2 * p < f) continue;
            const y = ops.conv2d(rand([1, n, n, 1], n), rand([f, f, 1, 1], f), { padding: p, strides: s });
            const o = Math.floor((n + 2 * p - f) / s) + 1;
            expect(y.shape).toEqual([1, o, o, 1]);
          }
  });

  it('a 6x6 image padded by 1 becomes 8x8 and the output stays 6x6', () => {
    const x = tensor([
      [3, 3, 4, 4, 7, 0],
      [9, 7, 6, 5, 8, 2],
      [6, 5, 5, 6, 9, 2],
      [7, 1, 3, 2, 7, 8],
      [0, 3, 7, 1, 8, 3],
      [4, 0, 4, 3, 2, 2],
    ]).reshape([1, 6, 6, 1]);
    expect(
      ops.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]).shape,
    ).toEqual([1, 8, 8, 1]);
    const y = ops.conv2d(x, vision.filters.vertical, { padding: 1 });
    expect(y.shape).toEqual([1, 6, 6, 1]);
    // The notes print a partial output "−10 −13 1 / −9 3 0". The cells (0,0) = −10, (0,2) = 1,
    // (1,1) = 3 and (1,2) = 0 follow from the printed padded image; (0,1) and (1,0) do not:
    // by hand (0,1) = (0−0) + (3−4) + (9−6) = 2 and (1,0) = (0−3) + (0−7) + (0−5) = −15.
    const at = (i: number, j: number): number => y.data[i * 6 + j];
    expect([at(0, 0), at(0, 2), at(1, 1), at(1, 2)]).toEqual([-10, 1, 3, 0]);
    expect([at(0, 1), at(1, 0)]).toEqual([0 - 0 + (3 - 4) + (9 - 6), 0 - 3 + (0 - 7) + (0 - 5)]);
  });

  it("'same' equals padding (f − 1)/2 on every side for odd f", () => {
    for (const f of [1, 3, 5, 7]) {
      const x = rand([2, 9, 8, 3], f),
        w = rand([f, f, 3, 2], 10 + f);
      const same = ops.conv2d(x, w, { padding: 'same' });
      expect(same.shape).toEqual([2, 9, 8, 2]);
      expect(same.data).toEqual(ops.conv2d(x, w, { padding: (f - 1) / 2 }).data);
    }
  });

  it('a 7x7 image * 3x3 filter with stride 2 gives a 3x3 output, sampling every second position', () => {
    const x = rand([1, 7, 7, 1], 1),
      w = rand([3, 3, 1, 1], 2);
    const y = ops.conv2d(x, w, { strides: 2 });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    const full = ops.conv2d(x, w);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(y.data[i * 3 + j]).toBe(full.data[2 * i * 5 + 2 * j]);
  });

  it('the 39x39x3 network: 10 filters 3x3, no padding, stride 1 → 37x37x10; two 5x5 stride-2 layers → 7x7x40 = 1960 features', () => {
    const a1 = ops.conv2d(rand([1, 39, 39, 3], 1), rand([3, 3, 3, 10], 2));
    expect(a1.shape).toEqual([1, 37, 37, 10]);
    const a2 = ops.conv2d(a1, rand([5, 5, 10, 20], 3), { strides: 2 });
    const a3 = ops.conv2d(a2, rand([5, 5, 20, 40], 4), { strides: 2 });
    expect(a3.shape).toEqual([1, 7, 7, 40]);
    expect(ops.flatten(a3).shape).toEqual([1, 1960]);
  });

  it('1D: a 14-sample signal * a 5-tap filter → 10 outputs (× #filters)', () => {
    expect(ops.conv1d(rand([1, 14, 1], 1), rand([5, 1, 1], 2)).shape).toEqual([1, 10, 1]);
    expect(ops.conv1d(rand([1, 14, 1], 1), rand([5, 1, 16], 2)).shape).toEqual([1, 10, 16]);
    // the notes' printed samples 1 20 15 3 18 12 4 17 with the filter 1 3 10 3 1
    const sig = [1, 20, 15, 3, 18, 12, 4, 17],
      f = [1, 3, 10, 3, 1];
    const y = ops.conv1d(tensor(sig).reshape([1, 8, 1]), tensor(f).reshape([5, 1, 1]));
    expect(Array.from(y.data)).toEqual([0, 1, 2, 3].map((i) => f.reduce((s, v, k) => s + v * sig[i + k], 0)));
    expect(y.data[0]).toBe(1 + 60 + 150 + 9 + 18);
  });

  it('3D: 14x14x14 * 5x5x5 → 10x10x10 (× #filters, with n_c channels)', () => {
    expect(ops.conv3d(rand([1, 14, 14, 14, 1], 1), rand([5, 5, 5, 1, 1], 2)).shape).toEqual([1, 10, 10, 10, 1]);
    const y = ops.conv3d(rand([1, 14, 14, 14, 2], 3), rand([5, 5, 5, 2, 4], 4));
    expect(y.shape).toEqual([1, 10, 10, 10, 4]);
    // and a 2D 14x14 * 5x5 → 10x10
    expect(ops.conv2d(rand([1, 14, 14, 1], 5), rand([5, 5, 1, 3], 6)).shape).toEqual([1, 10, 10, 3]);
  });

  it('a 3D convolution over a volume of depth 1 is the 2D convolution', () => {
    const x = rand([2, 6, 7, 3], 7),
      w = rand([3, 3, 3, 2], 8);
    const y3 = ops.conv3d(x.reshape([2, 1, 6, 7, 3]), w.reshape([1, 3, 3, 3, 2]));
    expectClose(y3.data, ops.conv2d(x, w).data, 1e-5);
  });
});
