// Reductions over any set of axes (plain TypeScript, f64 accumulation): sum, mean, max, min,
// argMax/argMin, moments, and sumTo (the gradient of broadcasting).
import { Tensor, sizeOf } from '../tensor';
import { record } from '../autograd/tape';
import { ShapeError, fmtShape } from '../errors';
import { checkTensor, normAxis, stridesOf, sameShape } from './util';
import { reshape } from './shape';
import { sub, square } from './eltwise';

/** One axis, several, or all (undefined). Negative axes count from the end. */
export type Axis = number | readonly number[] | undefined;

interface Plan {
  axes: number[];
  keptShape: number[];
  outShape: number[];
  outSize: number;
  map: Int32Array;
}

/** For every input element, the flat index of the output cell it reduces into. */
function plan(x: Tensor, axis: Axis, keepDims: boolean, op: string): Plan {
  const list = axis === undefined ? x.shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : [...axis];
  const axes = [...new Set(list.map((a) => normAxis(a, x.rank, op, x.shape)))].sort((a, b) => a - b);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  const map = new Int32Array(x.size);
  if (axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1) {
    // contiguous axes (the common case: batch, spatial or channel blocks): x is [outer, mid, inner]
    const a0 = axes[0] ?? 0,
      a1 = axes.length ? axes[axes.length - 1] : -1;
    const outer = sizeOf(x.shape.slice(0, a0)),
      mid = sizeOf(x.shape.slice(a0, a1 + 1)),
      inner = sizeOf(x.shape.slice(a1 + 1));
    let i = 0;
    for (let o = 0; o < outer; o++)
      for (let m = 0; m < mid; m++) for (let k = 0; k < inner; k++) map[i++] = o * inner + k;
  } else {
    const ks = stridesOf(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
    const r = x.rank,
      idx = new Array<number>(r).fill(0);
    let o = 0;
    for (let i = 0; i < map.length; i++) {
      map[i] = o;
      for (let d = r - 1; d >= 0; d--) {
        idx[d]++;
        o += ks[d];
        if (idx[d] < x.shape[d]) break;
        o -= ks[d] * x.shape[d];
        idx[d] = 0;
      }
    }
  }
  return { axes, keptShape, outShape, outSize: sizeOf(keptShape), map };
}

/** dx[i] = scale[i] * dy[map[i]]: spreads an output gradient back over the reduced cells. */
function spread(dy: Tensor, p: Plan, x: Tensor, weight?: (i: number, o: number) => number): Tensor {
  const g = new Float32Array(x.size);
  for (let i = 0; i < g.length; i++) g[i] = dy.data[p.map[i]] * (weight ? weight(i, p.map[i]) : 1);
  return new Tensor(g, x.shape);
}

/** Sum over axes (all when omitted). */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkTensor(x, 'sum');
  const p = plan(x, axis, keepDims, 'sum');
  const acc = new Float64Array(p.outSize);
  for (let i = 0; i < x.size; i++) acc[p.map[i]] += x.data[i];
  return record([x], new Tensor(Float32Array.from(acc), p.outShape), (dy) => [spread(dy, p, x)]);
}

/** Mean over axes (all when omitted). */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkTensor(x, 'mean');
  const p = plan(x, axis, keepDims, 'mean');
  const n = x.size / Math.max(p.outSize, 1);
  const acc = new Float64Array(p.outSize);
  for (let i = 0; i < x.size; i++) acc[p.map[i]] += x.data[i];
  for (let o = 0; o < acc.length; o++) acc[o] /= n;
  return record([x], new Tensor(Float32Array.from(acc), p.outShape), (dy) => [spread(dy, p, x, () => 1 / n)]);
}

function extreme(x: Tensor, axis: Axis, keepDims: boolean, op: 'max' | 'min'): Tensor {
  checkTensor(x, op);
  if (x.size === 0) throw new ShapeError(`${op}: cannot reduce an empty tensor ${fmtShape(x.shape)}`);
  const p = plan(x, axis, keepDims, op);
  const sign = op === 'max' ? 1 : -1;
  const best = new Float32Array(p.outSize).fill(-Infinity);
  for (let i = 0; i < x.size; i++) {
    const v = sign * x.data[i];
    if (v > best[p.map[i]] || Number.isNaN(v)) best[p.map[i]] = v;
  }
  for (let o = 0; o < best.length; o++) best[o] *= sign;
  return record([x], new Tensor(best, p.outShape), (dy) => {
    // ties share the gradient equally (as TensorFlow does)
    const count = new Float32Array(p.outSize);
    for (let i = 0; i < x.size; i++) if (x.data[i] === best[p.map[i]]) count[p.map[i]]++;
    return [spread(dy, p, x, (i, o) => (x.data[i] === best[o] ? 1 / count[o] : 0))];
  });
}

/** Maximum over axes (all when omitted); ties share the gradient. */
export const max = (x: Tensor, axis?: Axis, keepDims = false): Tensor => extreme(x, axis, keepDims, 'max');
/** Minimum over axes (all when omitted); ties share the gradient. */
export const min = (x: Tensor, axis?: Axis, keepDims = false): Tensor => extreme(x, axis, keepDims, 'min');

function argExtreme(x: Tensor, axis: number, op: 'argMax' | 'argMin'): Tensor {
  checkTensor(x, op);
  const a = normAxis(axis, x.rank, op, x.shape);
  const dim = x.shape[a];
  if (dim === 0) throw new ShapeError(`${op}: axis ${a} of ${fmtShape(x.shape)} is empty`);
  const outer = sizeOf(x.shape.slice(0, a)),
    inner = sizeOf(x.shape.slice(a + 1));
  const out = new Float32Array(outer * inner);
  const sign = op === 'argMax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let bi = 0,
        bv = sign * x.data[o * dim * inner + k];
      for (let j = 1; j < dim; j++) {
        const v = sign * x.data[(o * dim + j) * inner + k];
        if (v > bv) {
          bv = v;
          bi = j;
        }
      }
      out[o * inner + k] = bi;
    }
  }
  return new Tensor(
    out,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Index of the largest value along an axis (first on ties), as a float tensor; not differentiable. */
export const argMax = (x: Tensor, axis = -1): Tensor => argExtreme(x, axis, 'argMax');
/** Index of the smallest value along an axis (first on ties), as a float tensor; not differentiable. */
export const argMin = (x: Tensor, axis = -1): Tensor => argExtreme(x, axis, 'argMin');

/** Mean and (biased) variance over axes, both differentiable. */
export function moments(x: Tensor, axes?: Axis, keepDims = false): { mean: Tensor; variance: Tensor } {
  checkTensor(x, 'moments');
  const m = mean(x, axes, true);
  const variance = mean(square(sub(x, m)), axes, keepDims);
  return { mean: keepDims ? m : reshape(m, variance.shape), variance };
}

/** Sums a broadcast result back down to `shape` (the gradient of broadcasting). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'sumTo');
  if (sameShape(x.shape, shape)) return x;
  const off = x.rank - shape.length;
  if (off < 0 || shape.some((d, i) => d !== 1 && d !== x.shape[off + i])) {
    throw new ShapeError(`sumTo: cannot sum ${fmtShape(x.shape)} down to ${fmtShape(shape)}`);
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i < off || (shape[i - off] === 1 && x.shape[i] !== 1));
  return reshape(sum(x, axes), shape);
}
