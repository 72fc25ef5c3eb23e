// Padding and output-size maths shared by convolutions and pooling (1D, 2D and 3D).
import { ShapeError, ValueError, fmtShape, fmtValue } from '../errors';

/**
 * 'valid' (none), 'same' (TF rule: output = ceil(n / s), extra padding at the end), a number (same on
 * every side), a flat list of before/after pairs ([top, bottom, left, right] in 2D), or one
 * [before, after] pair per spatial axis ([[front, back], [top, bottom], [left, right]] in 3D).
 */
export type Padding = 'valid' | 'same' | number | readonly number[] | readonly (readonly number[])[];

/** The notes' output size: floor((n + 2p - f) / s) + 1, with dilation d widening the filter to (f-1)*d+1. */
export function convOutputSize(n: number, f: number, s = 1, p = 0, d = 1): number {
  return Math.floor((n + 2 * p - ((f - 1) * d + 1)) / s) + 1;
}

/** The notes' 'same' padding for stride 1 and an odd filter: p = (f - 1) / 2. */
export function samePadding(f: number): number {
  if (!Number.isInteger(f) || f < 1 || f % 2 === 0)
    throw new ValueError(`samePadding: f must be a positive odd integer, got ${f}`);
  return (f - 1) / 2;
}

/** Expands a number or per-axis list to one positive integer per spatial axis. */
export function spatialParam(
  op: string,
  name: string,
  v: number | readonly number[] | undefined,
  rank: number,
): number[] {
  const list = typeof v === 'number' ? new Array<number>(rank).fill(v) : Array.isArray(v) ? [...v] : null;
  if (!list || list.length !== rank) {
    throw new ValueError(`${op}: ${name} must be a number or a list of ${rank}, got ${fmtValue(v)}`);
  }
  for (const s of list) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s <= 0) {
      throw new ValueError(`${op}: ${name} must be positive integers, got ${fmtValue(v)}`);
    }
  }
  return list;
}

const isPad = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 0;

/** A padding spec checked against the number of spatial axes: 'valid', 'same' or [before, after] per axis. */
export type CheckedPadding = 'valid' | 'same' | [number, number][];

/** Checks a padding spec without knowing the input sizes (layers check theirs at construction). */
export function checkPadding(op: string, padding: Padding, rank: number): CheckedPadding {
  if (padding === 'valid' || padding === 'same') return padding;
  if (isPad(padding)) return Array.from({ length: rank }, () => [padding, padding]);
  if (Array.isArray(padding)) {
    const flat: unknown[] =
      padding.every((p) => Array.isArray(p) && p.length === 2) && padding.length === rank
        ? (padding as number[][]).flat()
        : padding;
    if (flat.length === 2 * rank && flat.every(isPad)) {
      return Array.from({ length: rank }, (_, i) => [flat[2 * i] as number, flat[2 * i + 1] as number]);
    }
  }
  const hint =
    rank === 2
      ? '[top, bottom, left, right]'
      : rank === 1
        ? '[left, right]'
        : '[[front, back], [top, bottom], [left, right]]';
  throw new ValueError(
    `${op}: padding must be 'valid', 'same', a non-negative integer or ${hint}, got ${fmtValue(padding)}`,
  );
}

/** Resolves a padding spec to [before, after] per spatial axis. fEff is the dilated filter size. */
export function resolvePadding(
  op: string,
  padding: Padding,
  inSize: readonly number[],
  fEff: readonly number[],
  strides: readonly number[],
): [number, number][] {
  const checked = checkPadding(op, padding, inSize.length);
  if (checked === 'valid') return inSize.map(() => [0, 0]);
  if (checked === 'same') {
    return inSize.map((n, i) => {
      const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + fEff[i] - n, 0);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  }
  return checked;
}

/** Output sizes and paddings of a sliding window; throws when the window does not fit the padded input. */
export function windowGeometry(
  op: string,
  what: string,
  inSize: readonly number[],
  f: readonly number[],
  strides: readonly number[],
  dilation: readonly number[],
  padding: Padding,
  shapes: string,
): { out: number[]; pads: [number, number][] } {
  const fEff = f.map((k, i) => (k - 1) * dilation[i] + 1);
  const pads = resolvePadding(op, padding, inSize, fEff, strides);
  const padded = inSize.map((n, i) => n + pads[i][0] + pads[i][1]);
  if (padded.some((n, i) => n < fEff[i])) {
    throw new ShapeError(
      `${op}: ${what} ${fEff.join('x')} is larger than the padded input ${padded.join('x')} (${shapes})`,
    );
  }
  return { out: padded.map((n, i) => Math.floor((n - fEff[i]) / strides[i]) + 1), pads };
}

/**
 * Output sizes of a sliding window over a symbolic shape, as layers infer it before data arrives: an
 * unknown (null) size stays null; the known axes get windowGeometry's sizes and errors.
 */
export function windowOutputShape(
  op: string,
  what: string,
  inSize: readonly (number | null)[],
  f: readonly number[],
  strides: readonly number[],
  dilation: readonly number[],
  padding: Padding,
  shapes: string,
): (number | null)[] {
  const known = inSize.flatMap((n, i) => (n === null ? [] : [i]));
  const pick = <T>(a: readonly T[]): T[] => known.map((i) => a[i]);
  const checked = checkPadding(op, padding, inSize.length);
  const { out } = windowGeometry(
    op,
    what,
    known.map((i) => inSize[i] as number),
    pick(f),
    pick(strides),
    pick(dilation),
    typeof checked === 'string' ? checked : pick(checked),
    shapes,
  );
  return inSize.map((n, i) => (n === null ? null : out[known.indexOf(i)]));
}

/** "input [..], filter [..]" for error messages. */
export const describeShapes = (pairs: Record<string, readonly number[]>): string =>
  Object.entries(pairs)
    .map(([k, s]) => `${k} ${fmtShape(s)}`)
    .join(', ');
