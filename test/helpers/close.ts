// One closeness check for every comparison of float arrays: per element, |actual - expected| must be
// at most atol + rtol·|expected|. NaN never passes, and an infinity must be matched exactly. A failure
// names the first element that differs by its flat index and, given the shape, its index along each axis.
import { sizeOf } from '../../src/tensor';
export interface Where {
  /** Shape of the arrays, to report a failing element as [i, j, ...]. */
  shape?: readonly number[];
  /** What is compared, for the message. */
  what?: string;
}

/** Whether actual is within atol + rtol·|expected| of expected (false for NaN; infinities must be equal). */
export function isClose(actual: number, expected: number, atol: number, rtol: number): boolean {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** The multi-index of flat index i in a row-major shape. */
export function unflatten(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

/**
 * Throws unless the arrays have the same length and agree element by element. atol may be one number or
 * one per element (a bound that depends on each element's own sum, as for GEMM).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number | ArrayLike<number> = 1e-4,
  rtol = 1e-4,
  where: Where = {},
): void {
  const { shape, what } = where;
  const label = what ? `${what}: ` : '';
  const inShape = shape ? ` of shape [${shape.join(', ')}]` : '';
  if (actual.length !== expected.length)
    throw new Error(`${label}length ${actual.length}, expected ${expected.length}${inShape}`);
  if (shape && sizeOf(shape) !== expected.length)
    throw new Error(`${label}shape [${shape.join(', ')}] does not hold ${expected.length} elements`);
  let first = -1,
    count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!isClose(actual[i], expected[i], typeof atol === 'number' ? atol : atol[i], rtol)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const at = shape ? ` [${unflatten(first, shape).join(', ')}]${inShape}` : '';
  const d = Math.abs(actual[first] - expected[first]),
    a = typeof atol === 'number' ? atol : atol[first];
  throw new Error(
    `${label}element ${first}${at}: got ${actual[first]}, expected ${expected[first]} (|diff| ${d} > ${a} + ${rtol}·|expected|); ${count} of ${expected.length} elements differ`,
  );
}
