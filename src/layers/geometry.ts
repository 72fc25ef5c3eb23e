// Output-shape maths for conv and pooling layers (symbolic shapes, so unknown sizes stay null).
import { ShapeError, ValueError, fmtValue } from '../errors';

/** Layer padding: Keras's 'valid' | 'same', or explicit amounts as accepted by the ops. */
export type PaddingSpec = 'valid' | 'same' | number | number[] | number[][];

/** A number or an n-tuple of positive integers, as an n-tuple. */
export function tuple(v: number | number[] | undefined, n: number, def: number, what: string, where: string): number[] {
  const t = v === undefined ? new Array(n).fill(def) : typeof v === 'number' ? new Array(n).fill(v) : v;
  if (!Array.isArray(t) || t.length !== n || t.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(`${where}: ${what} must be a positive integer or ${n} of them, got ${fmtValue(v)}`);
  }
  return [...t];
}

/** Padding per spatial axis as [before, after], or 'same' / 'valid'. */
export function normalizePadding(p: PaddingSpec | undefined, n: number, where: string): 'same' | 'valid' | [number, number][] {
  const bad = (): never => { throw new ValueError(`${where}: padding must be 'valid', 'same', a number or explicit amounts per axis, got ${fmtValue(p)}`); };
  if (p === undefined || p === 'valid') return 'valid';
  if (p === 'same') return 'same';
  const ok = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
  if (typeof p === 'number') return ok(p) ? new Array(n).fill(0).map(() => [p, p] as [number, number]) : bad();
  if (!Array.isArray(p)) return bad();
  if (p.every((q) => Array.isArray(q))) {
    const pairs = p as number[][];
    return pairs.length === n && pairs.every((q) => q.length === 2 && q.every(ok)) ? pairs.map((q) => [q[0], q[1]] as [number, number]) : bad();
  }
  const flat = p as number[];
  if (flat.every(ok) && flat.length === 2 * n) return Array.from({ length: n }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [number, number]);
  return bad();
}

/** Output length along one axis: floor((n + before + after - effective f) / s) + 1, or ceil(n / s) for 'same'. */
export function outLength(n: number | null, f: number, s: number, d: number, pad: 'same' | 'valid' | [number, number], where: string): number | null {
  if (n === null) return null;
  const fe = (f - 1) * d + 1;
  const out = pad === 'same' ? Math.ceil(n / s) : Math.floor((n + (pad === 'valid' ? 0 : pad[0] + pad[1]) - fe) / s) + 1;
  if (out <= 0) throw new ShapeError(`${where}: window ${fe} is larger than the (padded) input size ${n}`);
  return out;
}

