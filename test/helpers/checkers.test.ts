// The checkers checked: each must fail on a wrong gradient, a NaN and an infinity, and report where.
import { describe, it, expect } from 'vitest';
import { Tensor, ops, scalar, zeros } from '../../src';
import { record, noGrad } from '../../src/autograd/tape';
import { gradcheck, rand } from './gradcheck';
import { expectClose, unflatten } from './close';

/** y = x², with a backward the test chooses. */
const squareWith =
  (backward: (x: Tensor, dy: Tensor) => Tensor) =>
  (x: Tensor): Tensor =>
    record(
      [x],
      noGrad(() => ops.square(x)),
      (dy) => [backward(x, dy)],
    );
const map = (t: Tensor, f: (v: number) => number) => new Tensor(Float32Array.from(t.data, f), t.shape);

describe('gradcheck', () => {
  const x = rand([2, 3], 1);
  it('passes a correct gradient', () => {
    expect(
      gradcheck(
        squareWith((x, dy) => ops.mul(dy, ops.mul(x, scalar(2)))),
        [x],
      ),
    ).toBeLessThanOrEqual(1);
  });
  it('fails a wrong gradient (half the true one)', () => {
    expect(() =>
      gradcheck(
        squareWith((x, dy) => ops.mul(dy, x)),
        [x],
      ),
    ).toThrow(/gradcheck: input 0 element 0 of shape \[2, 3\]/);
  });
  it('fails a NaN gradient: sqrt(square(x)) at 0', () => {
    const f = (x: Tensor) => ops.sqrt(ops.square(x));
    expect(() => gradcheck(f, [zeros([3])])).toThrow(/analytic NaN/);
  });
  it('fails an infinite analytic gradient, and an infinite numeric one', () => {
    expect(() =>
      gradcheck(
        squareWith((x, dy) => map(dy, () => Infinity)),
        [x],
      ),
    ).toThrow(/analytic Infinity/);
    const blowsUp = (x: Tensor) => map(x, (v) => (v > 0.5 ? Infinity : v));
    expect(() =>
      gradcheck((x) => record([x], blowsUp(x), (dy) => [dy]), [new Tensor(Float32Array.of(0.5), [1])]),
    ).toThrow(/numeric -?Infinity/);
  });
});

describe('expectClose', () => {
  it('passes within atol + rtol·|expected| and fails just outside it', () => {
    expectClose([1.0001, 100.01], [1, 100], 1e-4, 1e-4);
    expect(() => expectClose([1.0003, 100], [1, 100], 1e-4, 1e-4)).toThrow(/element 0/);
  });
  it('checks small elements beside large ones on their own scale', () => {
    // a whole-array scale (max |expected| = 1000) would let the 1e-3 error on the tiny element pass
    expect(() => expectClose([1000, 1e-3], [1000, 0], 1e-5, 1e-5)).toThrow(/element 1/);
  });
  it('fails NaN and unmatched infinities, passes matched ones', () => {
    expect(() => expectClose([NaN], [0])).toThrow(/got NaN/);
    expect(() => expectClose([0], [NaN])).toThrow(/expected NaN/);
    expect(() => expectClose([Infinity], [1e30])).toThrow(/got Infinity/);
    expect(() => expectClose([1e30], [Infinity])).toThrow(/expected Infinity/);
    expect(() => expectClose([-Infinity], [Infinity])).toThrow();
    expectClose([Infinity, -Infinity], [Infinity, -Infinity]);
  });
  it('reports the index and the shape of the first element that differs, and how many differ', () => {
    const want = new Float32Array(2 * 3 * 4),
      got = want.slice();
    got[17] = 1;
    got[20] = 1;
    expect(() => expectClose(got, want, 1e-6, 0, { shape: [2, 3, 4], what: 'conv' })).toThrow(
      'conv: element 17 [1, 1, 1] of shape [2, 3, 4]: got 1, expected 0 (|diff| 1 > 0.000001 + 0·|expected|); 2 of 24 elements differ',
    );
    expect(unflatten(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(() => expectClose([1, 2], [1, 2, 3])).toThrow(/length 2, expected 3/);
  });
});
