// Helpers the detection losses share: slices along the last axis (differentiable, via ops.slice)
// and per-row masks read from target tensors (constants: targets get no gradient).
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { slice, sub, mul, square, sum, div } from '../ops';

/** Columns [start, start + len) of the last axis, as a differentiable slice. */
export function lastCols(x: Tensor, start: number, len: number): Tensor {
  const r = x.rank;
  return slice(
    x,
    x.shape.map((_, i) => (i === r - 1 ? start : 0)),
    x.shape.map((d, i) => (i === r - 1 ? len : d)),
  );
}

/** Column `col` of the last axis of a target, as a constant of shape [..., 1]. */
export function targetCol(y: Tensor, col: number): Tensor {
  const D = y.shape[y.rank - 1],
    rows = y.size / D;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = y.data[r * D + col];
  return new Tensor(out, [...y.shape.slice(0, -1), 1]);
}

/**
 * A copy of a target with every entry but column 0 set to 0 in rows whose column 0 (p_c) is 0:
 * the notes' "don't care" entries may hold anything (NaN included) without reaching the loss.
 */
export function clearDontCare(y: Tensor): Tensor {
  const D = y.shape[y.rank - 1],
    out = new Float32Array(y.data);
  for (let o = 0; o < out.length; o += D) if (out[o] === 0) out.fill(0, o + 1, o + D);
  return new Tensor(out, y.shape);
}

/** Checks yTrue and yPred have the same [..., D] shape with D ≥ min; returns the number of rows. */
export function checkPair(op: string, yTrue: Tensor, yPred: Tensor, min: number): number {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor))
    throw new ValueError(`${op}: yTrue and yPred must be Tensors`);
  const same = yTrue.rank === yPred.rank && yTrue.shape.every((d, i) => d === yPred.shape[i]);
  if (!same || yTrue.rank < 1 || yTrue.shape[yTrue.rank - 1] < min) {
    throw new ShapeError(
      `${op}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same shape [..., ${min}+]`,
    );
  }
  for (let o = 0; o < yTrue.size; o += yTrue.shape[yTrue.rank - 1]) {
    const p = yTrue.data[o];
    if (!(p >= 0 && p <= 1)) throw new ValueError(`${op}: p_c in yTrue must be in [0, 1], got ${p}`);
  }
  return yTrue.size / yTrue.shape[yTrue.rank - 1];
}

/** Σ over rows of (ŷ_0 − y_0)² + y_0 · Σ_{j≥1} (ŷ_j − y_j)², divided by the number of rows. */
export function maskedSquared(yTrue: Tensor, yPred: Tensor, rows: number): Tensor {
  const y = clearDontCare(yTrue);
  const D = y.shape[y.rank - 1],
    w = new Float32Array(y.size);
  for (let o = 0; o < w.length; o += D) {
    w[o] = 1;
    w.fill(y.data[o], o + 1, o + D);
  }
  return div(sum(mul(square(sub(yPred, y)), new Tensor(w, y.shape))), rows);
}
