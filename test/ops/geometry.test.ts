import { describe, it, expect } from 'vitest';
import { ValueError, ShapeError } from '../../src';
import { resolvePadding, spatialParam, windowGeometry, windowOutputShape } from '../../src/ops/geometry';

describe('padding and output-size maths', () => {
  it("'same' follows TF: output ceil(n/s), the odd pixel of padding goes at the end", () => {
    expect(resolvePadding('op', 'same', [5], [2], [1])).toEqual([[0, 1]]);
    expect(resolvePadding('op', 'same', [7], [3], [2])).toEqual([[1, 1]]);
    expect(resolvePadding('op', 'same', [6], [3], [2])).toEqual([[0, 1]]);
    expect(resolvePadding('op', 'same', [10], [4], [2])).toEqual([[1, 1]]);
    expect(resolvePadding('op', 'same', [5], [1], [3])).toEqual([[0, 0]]);
    for (const n of [5, 6, 7, 8])
      for (const f of [1, 2, 3, 4, 5])
        for (const s of [1, 2, 3]) {
          const [[a, b]] = resolvePadding('op', 'same', [n], [f], [s]);
          expect(Math.floor((n + a + b - f) / s) + 1).toBe(Math.ceil(n / s));
          expect(b - a === 0 || b - a === 1).toBe(true);
        }
  });
  it('accepts a number, a flat [top, bottom, left, right] list and per-axis pairs', () => {
    expect(resolvePadding('op', 2, [5, 5], [3, 3], [1, 1])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(resolvePadding('op', [1, 2, 3, 4], [5, 5], [3, 3], [1, 1])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(
      resolvePadding(
        'op',
        [
          [1, 0],
          [2, 1],
          [0, 3],
        ],
        [5, 5, 5],
        [3, 3, 3],
        [1, 1, 1],
      ),
    ).toEqual([
      [1, 0],
      [2, 1],
      [0, 3],
    ]);
    expect(resolvePadding('op', 'valid', [5], [3], [1])).toEqual([[0, 0]]);
  });
  it('rejects malformed padding and parameters', () => {
    expect(() => resolvePadding('conv2d', -1, [5, 5], [3, 3], [1, 1])).toThrow(ValueError);
    expect(() => resolvePadding('conv2d', [1, 2], [5, 5], [3, 3], [1, 1])).toThrow(/\[top, bottom, left, right\]/);
    expect(() => spatialParam('conv2d', 'strides', [1, 2, 3], 2)).toThrow(/strides must be a number or a list of 2/);
  });
  it('windowGeometry computes sizes and refuses windows larger than the padded input', () => {
    expect(windowGeometry('op', 'filter', [7, 7], [3, 3], [2, 2], [1, 1], 'valid', '')).toEqual({
      out: [3, 3],
      pads: [
        [0, 0],
        [0, 0],
      ],
    });
    expect(windowGeometry('op', 'filter', [9], [3], [1], [2], 'valid', '').out).toEqual([5]);
    expect(() => windowGeometry('op', 'filter', [4, 4], [5, 5], [1, 1], [1, 1], 'valid', 'x')).toThrow(ShapeError);
  });
  it('windowOutputShape keeps unknown sizes unknown and agrees with windowGeometry on the known ones', () => {
    expect(windowOutputShape('op', 'filter', [null, 7], [3, 3], [2, 2], [1, 1], 'same', '')).toEqual([null, 4]);
    expect(
      windowOutputShape(
        'op',
        'filter',
        [9, null, 5],
        [3, 3, 3],
        [1, 1, 2],
        [2, 1, 1],
        [
          [1, 0],
          [2, 2],
          [0, 1],
        ],
        '',
      ),
    ).toEqual([6, null, 2]);
    for (const n of [4, 5, 8])
      for (const f of [1, 2, 3])
        for (const s of [1, 2, 3])
          for (const padding of ['valid', 'same', 1] as const) {
            const { out } = windowGeometry('op', 'filter', [n], [f], [s], [1], padding, '');
            expect(windowOutputShape('op', 'filter', [n], [f], [s], [1], padding, '')).toEqual(out);
          }
    expect(() =>
      windowOutputShape('layer', 'pool', [null, 2], [3, 3], [1, 1], [1, 1], 'valid', 'input (None, 2)'),
    ).toThrow(/layer: pool 3 is larger than the padded input 2 \(input \(None, 2\)\)/);
    expect(() => windowOutputShape('layer', 'pool', [null, 8], [3, 3], [1, 1], [1, 1], [1, 2, 3], '')).toThrow(
      ValueError,
    );
  });
});
