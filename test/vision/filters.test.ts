import { describe, it, expect, beforeAll } from 'vitest';
import { ops, tensor, Tensor, init, vision, ShapeError } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

const grid = (t: Tensor): number[][] => t.reshape([3, 3]).toArray() as number[][];

beforeAll(async () => {
  await init();
});

describe('vision.filters', () => {
  it("hold the notes' six 3x3 filters as [3,3,1,1] conv2d filters", () => {
    const f = vision.filters;
    for (const k of Object.values(f)) expect(k.shape).toEqual([3, 3, 1, 1]);
    expect(grid(f.vertical)).toEqual([
      [1, 0, -1],
      [1, 0, -1],
      [1, 0, -1],
    ]);
    expect(grid(f.horizontal)).toEqual([
      [1, 1, 1],
      [0, 0, 0],
      [-1, -1, -1],
    ]);
    expect(grid(f.sobelVertical)).toEqual([
      [1, 0, -1],
      [2, 0, -2],
      [1, 0, -1],
    ]);
    expect(grid(f.sobelHorizontal)).toEqual([
      [1, 2, 1],
      [0, 0, 0],
      [-1, -2, -1],
    ]);
    expect(grid(f.scharrVertical)).toEqual([
      [3, 0, -3],
      [10, 0, -10],
      [3, 0, -3],
    ]);
    expect(grid(f.scharrHorizontal)).toEqual([
      [3, 10, 3],
      [0, 0, 0],
      [-3, -10, -3],
    ]);
  });
  it('each horizontal filter is its vertical one transposed', () => {
    const f = vision.filters;
    for (const [v, h] of [
      [f.vertical, f.horizontal],
      [f.sobelVertical, f.sobelHorizontal],
      [f.scharrVertical, f.scharrHorizontal],
    ]) {
      expect(ops.transpose(v.reshape([3, 3])).toArray()).toEqual(grid(h));
    }
  });
});

describeEachBackend('vision.convolve2d', () => {
  it('equals conv2d with the kernel rotated 180° (asymmetric kernel, channels, stride, padding)', () => {
    const x = rand([2, 7, 6, 3], 1),
      k = rand([3, 2, 3, 4], 2);
    const rotated = new Float32Array(k.size);
    // rotated[i][j] = k[fH−1−i][fW−1−j], per (inC, outC)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < 12; c++) {
          rotated[(i * 2 + j) * 12 + c] = k.data[((2 - i) * 2 + (1 - j)) * 12 + c];
        }
    const opts = { strides: 2, padding: 'same' as const };
    expectClose(vision.convolve2d(x, k, opts).data, ops.conv2d(x, new Tensor(rotated, k.shape), opts).data, 1e-6);
    expect(vision.convolve2d(x, k).data).not.toEqual(ops.conv2d(x, k).data);
  });

  it('is the textbook convolution: a delta image reproduces the kernel (conv2d gives it rotated)', () => {
    const x = new Tensor(new Float32Array(25), [1, 5, 5, 1]);
    x.data[12] = 1;
    const k = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]).reshape([3, 3, 1, 1]);
    const conv = vision.convolve2d(x, k, { padding: 'same' }).reshape([5, 5]).toArray() as number[][];
    expect(conv.slice(1, 4).map((r) => r.slice(1, 4))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const xc = ops.conv2d(x, k, { padding: 'same' }).reshape([5, 5]).toArray() as number[][];
    expect(xc.slice(1, 4).map((r) => r.slice(1, 4))).toEqual([
      [9, 8, 7],
      [6, 5, 4],
      [3, 2, 1],
    ]);
  });

  it('is differentiable in the image and the kernel', () => {
    gradcheck((x, k) => vision.convolve2d(x, k, { padding: 1 }), [rand([1, 4, 5, 2], 3), rand([2, 3, 2, 2], 4)]);
  });

  it('rejects a kernel that is not [fH,fW,inC,outC]', () => {
    expect(() => vision.convolve2d(rand([1, 4, 4, 1], 1), rand([3, 3], 2))).toThrow(ShapeError);
    expect(() => vision.convolve2d(rand([1, 4, 4, 1], 1), rand([3, 3], 2))).toThrow(
      /convolve2d: expected kernel \[fH,fW,inC,outC\], got \[3,3\]/,
    );
  });
});
