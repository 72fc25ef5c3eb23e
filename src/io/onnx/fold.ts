// Constant folding for ONNX import: the shape arithmetic PyTorch emits (Shape → Gather → Unsqueeze →
// Concat → Reshape, pads built with ConstantOfShape/Slice/Transpose) runs here on small host arrays,
// so the layers see plain numbers. An unknown dimension (the batch) travels as null.
import { sizeOf } from '../../tensor';

/** A constant: dims and row-major values (null = unknown, only in integer shape arithmetic). */
export interface Const {
  dims: number[];
  data: Float32Array | (number | null)[];
  float: boolean;
}

/** Row-major strides. */
const stridesOf = (dims: readonly number[]): number[] => {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
};

/** Calls f for every multi-index of dims (row-major order). */
function eachIndex(dims: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = sizeOf(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

/** Normalises a possibly negative axis. */
export function axisOf(a: number, rank: number, what: string): number {
  const r = a < 0 ? a + rank : a;
  if (!Number.isInteger(r) || r < 0 || r >= rank) throw new RangeError(`${what} ${a} is out of range for rank ${rank}`);
  return r;
}

/** Numpy broadcasting of elementwise f over two constants. */
export function broadcast(a: Const, b: Const, f: (x: number, y: number) => number): Const {
  const r = Math.max(a.dims.length, b.dims.length);
  const pa = [...new Array(r - a.dims.length).fill(1), ...a.dims],
    pb = [...new Array(r - b.dims.length).fill(1), ...b.dims];
  const dims = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new RangeError(`cannot broadcast [${a.dims}] with [${b.dims}]`);
    return d === 1 ? pb[i] : d;
  });
  const sa = stridesOf(pa),
    sb = stridesOf(pb);
  const data = new Array<number | null>(sizeOf(dims));
  eachIndex(dims, (idx, flat) => {
    let ia = 0,
      ib = 0;
    idx.forEach((v, i) => {
      ia += (pa[i] === 1 ? 0 : v) * sa[i];
      ib += (pb[i] === 1 ? 0 : v) * sb[i];
    });
    const x = a.data[ia],
      y = b.data[ib];
    data[flat] = x === null || y === null ? null : f(x, y);
  });
  return { dims, data, float: a.float || b.float };
}

/** Permutes axes. */
export function transposeConst(c: Const, perm: readonly number[]): Const {
  const dims = perm.map((p) => c.dims[p]);
  const s = stridesOf(c.dims);
  const data = new Array<number | null>(c.data.length);
  eachIndex(dims, (idx, flat) => {
    data[flat] = c.data[idx.reduce((a, v, i) => a + v * s[perm[i]], 0)];
  });
  return { dims, data, float: c.float };
}

/** Picks indices along an axis (ONNX Gather; negative indices count from the end). */
export function gatherConst(c: Const, indices: Const, axis: number): Const {
  const a = axisOf(axis, c.dims.length, 'Gather axis');
  const n = c.dims[a];
  const idx = indices.data.map((i) => {
    if (i === null || !Number.isInteger(i) || i < -n || i >= n)
      throw new RangeError(`Gather index ${i} is out of range for size ${n}`);
    return i < 0 ? i + n : i;
  });
  const dims = [...c.dims.slice(0, a), ...indices.dims, ...c.dims.slice(a + 1)];
  const outer = sizeOf(c.dims.slice(0, a)),
    inner = sizeOf(c.dims.slice(a + 1));
  const data: (number | null)[] = [];
  for (let o = 0; o < outer; o++)
    for (const i of idx) for (let k = 0; k < inner; k++) data.push(c.data[(o * n + i) * inner + k]);
  return { dims, data, float: c.float };
}

/** Joins constants along an axis. */
export function concatConst(cs: Const[], axis: number): Const {
  const a = axisOf(axis, cs[0].dims.length, 'Concat axis');
  for (const c of cs) {
    if (c.dims.length !== cs[0].dims.length || c.dims.some((d, i) => i !== a && d !== cs[0].dims[i]))
      throw new RangeError(`Concat of [${cs.map((x) => x.dims).join('], [')}] on axis ${a}`);
  }
  const dims = [...cs[0].dims];
  dims[a] = cs.reduce((t, c) => t + c.dims[a], 0);
  const outer = sizeOf(dims.slice(0, a)),
    inner = sizeOf(dims.slice(a + 1));
  const data: (number | null)[] = [];
  for (let o = 0; o < outer; o++)
    for (const c of cs) data.push(...Array.from(c.data.slice(o * c.dims[a] * inner, (o + 1) * c.dims[a] * inner)));
  return { dims, data, float: cs.some((c) => c.float) };
}

/** ONNX Slice (any steps, negative included) on a constant. */
export function sliceConst(c: Const, starts: number[], ends: number[], axes: number[], steps: number[]): Const {
  const r = c.dims.length;
  const lo = new Array<number>(r).fill(0),
    step = new Array<number>(r).fill(1),
    count = [...c.dims];
  axes.forEach((ax, k) => {
    const a = axisOf(ax, r, 'Slice axis'),
      n = c.dims[a],
      s = steps[k] ?? 1;
    if (!Number.isInteger(s) || s === 0) throw new RangeError(`Slice step ${s}`);
    const clampIdx = (v: number, min: number, max: number) => Math.min(Math.max(v < 0 ? v + n : v, min), max);
    const b = s > 0 ? clampIdx(starts[k], 0, n) : clampIdx(starts[k], -1, n - 1);
    const e = s > 0 ? clampIdx(ends[k], 0, n) : clampIdx(ends[k], -1, n - 1);
    lo[a] = b;
    step[a] = s;
    count[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const st = stridesOf(c.dims);
  const data = new Array<number | null>(sizeOf(count));
  eachIndex(count, (idx, flat) => {
    data[flat] = c.data[idx.reduce((acc, v, i) => acc + (lo[i] + v * step[i]) * st[i], 0)];
  });
  return { dims: count, data, float: c.float };
}

/** A scalar or 1-D constant as numbers (throws on unknown entries). */
export function ints(c: Const, what: string): number[] {
  return Array.from(c.data, (v) => {
    if (v === null || !Number.isFinite(v))
      throw new RangeError(`${what} must be known numbers, got ${JSON.stringify(Array.from(c.data))}`);
    return v;
  });
}

/** The float values of a constant (unknown entries refused). */
export function floats(c: Const, what: string): Float32Array {
  return c.data instanceof Float32Array ? c.data : Float32Array.from(ints(c, what));
}
