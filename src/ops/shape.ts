// Shape ops: reshape, flatten, transpose, concat, slice, pad, stack, gather, expandDims, squeeze,
// broadcastTo. Each copies (or shares, for reshape) data in plain TypeScript and records its backward.
import { acquire, acquireFilled } from '../backend/pool';
import { Tensor, sizeOf, allocFor } from '../tensor';
import { record } from '../autograd/tape';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, normAxis, stridesOf, sameShape } from './util';
import { sumTo } from './reduce';

/** Same values, new shape (one dimension may be -1); shares the data buffer. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return checkTensor(x, 'reshape').reshape(shape);
}

/** [N, ...] -> [N, product of the rest]. */
export function flatten(x: Tensor): Tensor {
  checkTensor(x, 'flatten');
  if (x.rank < 1) throw new ShapeError(`flatten: expected a tensor of rank >= 1, got ${fmtShape(x.shape)}`);
  return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
}

/** Inserts a dimension of size 1 at axis (negative counts from the end of the result). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  checkTensor(x, 'expandDims');
  const a = normAxis(axis, x.rank + 1, 'expandDims', x.shape);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes dimensions of size 1 (all of them, or the listed axes). */
export function squeeze(x: Tensor, axes?: number[]): Tensor {
  checkTensor(x, 'squeeze');
  const drop = axes
    ? axes.map((a) => normAxis(a, x.rank, 'squeeze', x.shape))
    : x.shape.map((d, i) => (d === 1 ? i : -1));
  for (const a of drop) {
    if (a >= 0 && x.shape[a] !== 1)
      throw new ShapeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.includes(i)),
  );
}

function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const out = new Float32Array(data.length);
  if (rank === 0 || data.length === 0) {
    out.set(data);
    return out;
  }
  const outShape = perm.map((p) => shape[p]);
  const inStr = stridesOf(shape);
  const srcStr = perm.map((p) => inStr[p]);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1,
    n = outShape[last],
    step = srcStr[last];
  let src = 0;
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0, s = src; j < n; j++, s += step) out[o + j] = data[s];
    // advance the odometer over all but the last output axis
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      src += srcStr[d];
      if (idx[d] < outShape[d]) break;
      src -= srcStr[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Permutes the axes (default: reversed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor(x, 'transpose');
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ValueError(
      `transpose: perm ${JSON.stringify(perm)} is not a permutation of the ${x.rank} axes of ${fmtShape(x.shape)}`,
    );
  }
  const out = new Tensor(
    permute(x.data, x.shape, p),
    p.map((a) => x.shape[a]),
  );
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => {
    inv[a] = i;
  });
  return record([x], out, (dy) => [new Tensor(permute(dy.data, dy.shape, inv), x.shape)]);
}

/** Copies the box `size` at srcStart of src into dst at dstStart (row-major, any rank). */
function copyBox(
  src: Float32Array,
  srcShape: readonly number[],
  srcStart: readonly number[],
  dst: Float32Array,
  dstShape: readonly number[],
  dstStart: readonly number[],
  size: readonly number[],
): void {
  const rank = size.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  if (size.some((d) => d === 0)) return;
  const ss = stridesOf(srcShape),
    ds = stridesOf(dstShape);
  const idx = new Array<number>(rank).fill(0);
  const n = size[rank - 1];
  let s = srcStart.reduce((a, v, i) => a + v * ss[i], 0);
  let d = dstStart.reduce((a, v, i) => a + v * ds[i], 0);
  for (;;) {
    dst.set(src.subarray(s, s + n), d);
    let k = rank - 2;
    for (; k >= 0; k--) {
      idx[k]++;
      s += ss[k];
      d += ds[k];
      if (idx[k] < size[k]) break;
      s -= ss[k] * size[k];
      d -= ds[k] * size[k];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** Joins tensors along an axis; all other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = -1): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ValueError('concat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor(t, 'concat', `tensors[${i}]`));
  const first = tensors[0];
  const a = normAxis(axis, first.rank, 'concat', first.shape);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d: number, i: number) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(
        `concat: shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')} differ outside axis ${a}`,
      );
    }
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((acc, t) => acc + t.shape[a], 0);
  const out = acquire(sizeOf(shape)); // the parts tile it
  const starts: number[] = [];
  let off = 0;
  for (const t of tensors) {
    const at = shape.map((_, i) => (i === a ? off : 0));
    copyBox(
      t.data,
      t.shape,
      t.shape.map(() => 0),
      out,
      shape,
      at,
      t.shape,
    );
    starts.push(off);
    off += t.shape[a];
  }
  return record([...tensors], new Tensor(out, shape), (dy) =>
    tensors.map((t, j) => {
      const g = new Float32Array(t.size);
      copyBox(
        dy.data,
        shape,
        shape.map((_, i) => (i === a ? starts[j] : 0)),
        g,
        t.shape,
        t.shape.map(() => 0),
        t.shape,
      );
      return new Tensor(g, t.shape);
    }),
  );
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ValueError('stack: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor(t, 'stack', `tensors[${i}]`));
  if (tensors.some((t) => !sameShape(t.shape, tensors[0].shape))) {
    throw new ShapeError(
      `stack: all tensors must have the same shape, got ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`,
    );
  }
  const a = normAxis(axis, tensors[0].rank + 1, 'stack', tensors[0].shape);
  return concat(
    tensors.map((t) => expandDims(t, a)),
    a,
  );
}

/** The box starting at `begin` with `size` per axis (-1 = to the end); numbers apply to axis 0 onward. */
export function slice(x: Tensor, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  checkTensor(x, 'slice');
  const b = typeof begin === 'number' ? [begin] : [...begin];
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  if (b.length > x.rank || s.length > x.rank) {
    throw new ShapeError(
      `slice: begin ${JSON.stringify(begin)} / size ${JSON.stringify(size)} do not fit ${fmtShape(x.shape)}`,
    );
  }
  const start = x.shape.map((_, i) => b[i] ?? 0);
  const len = x.shape.map((d, i) => (s[i] === undefined || s[i] === -1 ? d - start[i] : s[i]));
  if (
    start.some(
      (v, i) => !Number.isInteger(v) || v < 0 || !Number.isInteger(len[i]) || len[i] < 0 || v + len[i] > x.shape[i],
    )
  ) {
    throw new ShapeError(
      `slice: begin ${fmtShape(start)} size ${fmtShape(len)} is out of bounds for ${fmtShape(x.shape)}`,
    );
  }
  const out = acquire(sizeOf(len)); // the box fills it
  copyBox(
    x.data,
    x.shape,
    start,
    out,
    len,
    len.map(() => 0),
    len,
  );
  return record([x], new Tensor(out, len), (dy) => {
    const g = new Float32Array(x.size);
    copyBox(
      dy.data,
      len,
      len.map(() => 0),
      g,
      x.shape,
      start,
      len,
    );
    return [new Tensor(g, x.shape)];
  });
}

/** Pads with a constant: paddings holds [before, after] for every axis. */
export function pad(x: Tensor, paddings: readonly (readonly number[])[], value = 0): Tensor {
  checkTensor(x, 'pad');
  if (
    !Array.isArray(paddings) ||
    paddings.length !== x.rank ||
    paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))
  ) {
    throw new ValueError(
      `pad: paddings must be ${x.rank} pairs [before, after] of non-negative integers for ${fmtShape(x.shape)}, got ${JSON.stringify(paddings)}`,
    );
  }
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = acquireFilled(sizeOf(shape), value);
  const at = paddings.map((p) => p[0]);
  copyBox(
    x.data,
    x.shape,
    x.shape.map(() => 0),
    out,
    shape,
    at,
    x.shape,
  );
  return record([x], new Tensor(out, shape), (dy) => {
    const g = new Float32Array(x.size);
    copyBox(
      dy.data,
      shape,
      at,
      g,
      x.shape,
      x.shape.map(() => 0),
      x.shape,
    );
    return [new Tensor(g, x.shape)];
  });
}

/** Picks entries along an axis by index (rows of a batch for axis 0). */
export function gather(x: Tensor, indices: readonly number[] | Int32Array | Tensor, axis = 0): Tensor {
  checkTensor(x, 'gather');
  const a = normAxis(axis, x.rank, 'gather', x.shape);
  const idx = indices instanceof Tensor ? Array.from(indices.data) : Array.from(indices);
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= x.shape[a]) {
      throw new ValueError(
        `gather: index ${i} is out of range [0, ${x.shape[a]}) for axis ${a} of ${fmtShape(x.shape)}`,
      );
    }
  }
  const outer = sizeOf(x.shape.slice(0, a)),
    dim = x.shape[a],
    inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape];
  shape[a] = idx.length;
  const out = acquire(sizeOf(shape)); // one row per index
  for (let o = 0; o < outer; o++) {
    idx.forEach((i, j) =>
      out.set(x.data.subarray((o * dim + i) * inner, (o * dim + i + 1) * inner), (o * idx.length + j) * inner),
    );
  }
  return record([x], new Tensor(out, shape), (dy) => {
    const g = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      idx.forEach((i, j) => {
        const d = (o * dim + i) * inner,
          s = (o * idx.length + j) * inner;
        for (let k = 0; k < inner; k++) g[d + k] += dy.data[s + k];
      });
    }
    return [new Tensor(g, x.shape)];
  });
}

/** Broadcasts x to a shape (numpy rules); the gradient sums over the broadcast axes. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'broadcastTo');
  const r = shape.length,
    off = r - x.rank;
  if (off < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[off + i])) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const xs = stridesOf(x.shape);
  const src = shape.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : xs[i - off]));
  const out = allocFor(shape, 'broadcastTo');
  const idx = new Array<number>(r).fill(0);
  let s = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x.data[s];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      s += src[d];
      if (idx[d] < shape[d]) break;
      s -= src[d] * shape[d];
      idx[d] = 0;
    }
  }
  return record([x], new Tensor(out, [...shape]), (dy) => [sumTo(dy, x.shape)]);
}

function reverseData(data: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const r = shape.length,
    st = stridesOf(shape);
  const idx = new Array<number>(r).fill(0);
  // source offset walks backwards along reversed axes
  const step = shape.map((_, i) => (axes.includes(i) ? -st[i] : st[i]));
  let s = axes.reduce((acc, a) => acc + (shape[a] - 1) * st[a], 0);
  for (let o = 0; o < out.length; o++) {
    out[o] = data[s];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      s += step[d];
      if (idx[d] < shape[d]) break;
      s -= step[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Reverses the order of entries along the given axes (all when omitted). */
export function reverse(x: Tensor, axes?: number | readonly number[]): Tensor {
  checkTensor(x, 'reverse');
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const ax = list.map((a) => normAxis(a, x.rank, 'reverse', x.shape));
  const out = new Tensor(reverseData(x.data, x.shape, ax), x.shape);
  return record([x], out, (dy) => [new Tensor(reverseData(dy.data, x.shape, ax), x.shape)]);
}
