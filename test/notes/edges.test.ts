// The notes' worked examples on convolution and edge detection ("Edge Detection Example", "More Edge
// Detection", "cross-correlation vs. convolution", "Convolutions Over Volume"), on every backend.
import { it, expect, beforeAll } from 'vitest';
import { ops, tensor, Tensor, init, vision } from '../../src';
import { describeEachBackend } from '../helpers/backends';

const img = (rows: number[][]): Tensor => tensor(rows).reshape([1, rows.length, rows[0].length, 1]);
const out2d = (t: Tensor): number[][] => t.reshape([t.shape[1], t.shape[2]]).toArray() as number[][];

const NOTES_6x6 = [
  [3, 0, 1, 2, 7, 4],
  [1, 5, 8, 9, 3, 1],
  [2, 7, 2, 5, 1, 3],
  [0, 1, 3, 1, 7, 8],
  [4, 2, 1, 6, 2, 8],
  [2, 4, 5, 2, 3, 9],
];
const LIGHT_DARK = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const DARK_LIGHT = Array.from({ length: 6 }, () => [0, 0, 0, 10, 10, 10]);
const CHECKER = [
  ...Array.from({ length: 3 }, () => [10, 10, 10, 0, 0, 0]),
  ...Array.from({ length: 3 }, () => [0, 0, 0, 10, 10, 10]),
];

beforeAll(async () => {
  await init();
});

describeEachBackend('notes: edge detection', () => {
  it("the 6x6 image * the vertical filter is the notes' 4x4", () => {
    const y = ops.conv2d(img(NOTES_6x6), vision.filters.vertical);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(out2d(y)).toEqual([
      [-5, -4, 0, 8],
      [-10, -2, 2, 3],
      [0, -2, -4, -7],
      [-3, -2, -3, -16],
    ]);
  });

  it("its first element is the notes' hand computation 3·1 + 1·1 + 2·1 + 0 + 0 + 0 + 1·−1 + 8·−1 + 2·−1 = −5", () => {
    const hand = 3 * 1 + 1 * 1 + 2 * 1 + 0 * 0 + 3 * 0 + 7 * 0 + 1 * -1 + 8 * -1 + 2 * -1;
    expect(hand).toBe(-5);
    expect(ops.conv2d(img(NOTES_6x6), vision.filters.vertical).data[0]).toBe(hand);
  });

  it('a light-to-dark vertical edge (10s then 0s) gives the 0, 30, 30, 0 columns', () => {
    expect(out2d(ops.conv2d(img(LIGHT_DARK), vision.filters.vertical))).toEqual(
      Array.from({ length: 4 }, () => [0, 30, 30, 0]),
    );
  });

  it('the inverted image (dark to light) gives −30', () => {
    expect(out2d(ops.conv2d(img(DARK_LIGHT), vision.filters.vertical))).toEqual(
      Array.from({ length: 4 }, () => [0, -30, -30, 0]),
    );
  });

  it("the horizontal filter on the notes' checker image gives 0 / 30 10 −10 −30 rows", () => {
    expect(out2d(ops.conv2d(img(CHECKER), vision.filters.horizontal))).toEqual([
      [0, 0, 0, 0],
      [30, 10, -10, -30],
      [30, 10, -10, -30],
      [0, 0, 0, 0],
    ]);
  });

  it('Sobel and Scharr weight the central row/column more (the vertical edge gives 40 and 160)', () => {
    expect(out2d(ops.conv2d(img(LIGHT_DARK), vision.filters.sobelVertical))).toEqual(
      Array.from({ length: 4 }, () => [0, 40, 40, 0]),
    );
    expect(out2d(ops.conv2d(img(LIGHT_DARK), vision.filters.scharrVertical))).toEqual(
      Array.from({ length: 4 }, () => [0, 160, 160, 0]),
    );
    expect(out2d(ops.conv2d(img(LIGHT_DARK), vision.filters.sobelHorizontal))).toEqual(
      Array.from({ length: 4 }, () => [0, 0, 0, 0]),
    );
  });

  it('textbook convolution flips the filter as the notes show (3 4 5 / 1 0 2 / −1 9 7 → 7 9 −1 / 2 0 1 / 5 4 3)', () => {
    const k = tensor([
      [3, 4, 5],
      [1, 0, 2],
      [-1, 9, 7],
    ]).reshape([3, 3, 1, 1]);
    expect(vision.rotate180(k).reshape([3, 3]).toArray()).toEqual([
      [7, 9, -1],
      [2, 0, 1],
      [5, 4, 3],
    ]);
    const flipped = tensor([
      [7, 9, -1],
      [2, 0, 1],
      [5, 4, 3],
    ]).reshape([3, 3, 1, 1]);
    expect(out2d(vision.convolve2d(img(NOTES_6x6), k))).toEqual(out2d(ops.conv2d(img(NOTES_6x6), flipped)));
    expect(out2d(vision.convolve2d(img(NOTES_6x6), k))).not.toEqual(out2d(ops.conv2d(img(NOTES_6x6), k)));
  });

  it('convolution over volume: 6x6x3 * 3x3x3 → 4x4; a red-channel vertical filter ignores green and blue', () => {
    // RGB image: red holds the 10/0 edge, green and blue hold the notes' 6x6 numbers (noise to ignore)
    const rgb = new Float32Array(6 * 6 * 3);
    for (let i = 0; i < 36; i++) {
      rgb[i * 3] = LIGHT_DARK.flat()[i];
      rgb[i * 3 + 1] = NOTES_6x6.flat()[i];
      rgb[i * 3 + 2] = 36 - i;
    }
    const x = new Tensor(rgb, [1, 6, 6, 3]);
    // the notes' filter: vertical edge in the red slice, zeros in green and blue
    const wRed = new Float32Array(27);
    [1, 0, -1, 1, 0, -1, 1, 0, -1].forEach((v, i) => {
      wRed[i * 3] = v;
    });
    const y = ops.conv2d(x, new Tensor(wRed, [3, 3, 3, 1]));
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(out2d(y)).toEqual(Array.from({ length: 4 }, () => [0, 30, 30, 0]));
    // each output is a sum of 27 products: an all-ones filter sums the 3x3x3 cube
    const cube = ops.conv2d(x, new Tensor(new Float32Array(27).fill(1), [3, 3, 3, 1]));
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) s += rgb[(i * 6 + j) * 3 + c];
    expect(cube.data[0]).toBe(s);
  });

  it('two filters (vertical and horizontal) stack into a 4x4x2 output; with bias and ReLU a 6x6x3 → 4x4x2 layer', () => {
    const x = new Tensor(
      new Float32Array(108).map((_, i) => (i * 7) % 11),
      [1, 6, 6, 3],
    );
    const w = new Float32Array(3 * 3 * 3 * 2);
    for (let i = 0; i < 9; i++)
      for (let c = 0; c < 3; c++) {
        w[(i * 3 + c) * 2] = vision.filters.vertical.data[i];
        w[(i * 3 + c) * 2 + 1] = vision.filters.horizontal.data[i];
      }
    const y = ops.conv2d(x, new Tensor(w, [3, 3, 3, 2]), { bias: tensor([1, -2]), activation: 'relu' });
    expect(y.shape).toEqual([1, 4, 4, 2]);
    const sum3 = (f: Tensor): Tensor => ops.conv2d(ops.sum(x, -1, true), f);
    y.data.forEach((v, i) => {
      const ref =
        i % 2 === 0 ? sum3(vision.filters.vertical).data[i >> 1] + 1 : sum3(vision.filters.horizontal).data[i >> 1] - 2;
      expect(v).toBe(Math.max(ref, 0));
    });
  });
});
