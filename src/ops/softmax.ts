// Softmax family: softmax (kernel-backed along the last axis), logSoftmax, and the fused, stable
// cross-entropies whose gradients are the short closed forms (softmax - labels, sigmoid - labels).
import { Tensor, sizeOf } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, normAxis, sameShape } from './util';
import { transpose } from './shape';

/** Moves `axis` last (returns the permutation, or null when it already is). */
function lastAxisPerm(rank: number, axis: number): number[] | null {
  if (axis === rank - 1) return null;
  const p = [...Array(rank).keys()].filter((i) => i !== axis);
  p.push(axis);
  return p;
}
const inverse = (p: number[]): number[] => {
  const q = new Array<number>(p.length);
  p.forEach((a, i) => {
    q[a] = i;
  });
  return q;
};

/** Runs a last-axis op on another axis by transposing around it (the transposes record too). */
function alongAxis(x: Tensor, axis: number, op: string, f: (t: Tensor) => Tensor): Tensor {
  if (x.rank === 0) throw new ShapeError(`${op}: expected a tensor of rank >= 1, got a scalar`);
  const p = lastAxisPerm(x.rank, normAxis(axis, x.rank, op, x.shape));
  return p ? transpose(f(transpose(x, p)), inverse(p)) : f(x);
}

function softmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1],
    rows = x.size / Math.max(cols, 1);
  const y = new Tensor(x.size ? kernels().softmax(x.data, rows, cols) : new Float32Array(0), x.shape);
  return record([x], y, (dy) => {
    // dx = y * (dy - Σ dy·y) per row
    const g = new Float32Array(x.size);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += dy.data[o + c] * y.data[o + c];
      for (let c = 0; c < cols; c++) g[o + c] = y.data[o + c] * (dy.data[o + c] - dot);
    }
    return [new Tensor(g, x.shape)];
  });
}

/** exp(x) / Σ exp(x) along an axis (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor(x, 'softmax');
  return alongAxis(x, axis, 'softmax', softmaxLast);
}

/** Row-wise log-softmax (x - logsumexp) in f64, and the row softmax. */
function logSoftmaxRows(x: Float32Array, rows: number, cols: number): { ls: Float32Array; sm: Float32Array } {
  const ls = new Float32Array(x.length),
    sm = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[o + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[o + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < cols; c++) {
      ls[o + c] = x[o + c] - lse;
      sm[o + c] = Math.exp(x[o + c] - lse);
    }
  }
  return { ls, sm };
}

function logSoftmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1],
    rows = x.size / Math.max(cols, 1);
  const { ls, sm } = logSoftmaxRows(x.data, rows, cols);
  return record([x], new Tensor(ls, x.shape), (dy) => {
    const g = new Float32Array(x.size);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let s = 0;
      for (let c = 0; c < cols; c++) s += dy.data[o + c];
      for (let c = 0; c < cols; c++) g[o + c] = dy.data[o + c] - sm[o + c] * s;
    }
    return [new Tensor(g, x.shape)];
  });
}

/** log(softmax(x)) along an axis, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor(x, 'logSoftmax');
  return alongAxis(x, axis, 'logSoftmax', logSoftmaxLast);
}

/**
 * Per-example cross-entropy −Σ labels·log softmax(logits) over the last axis, fused and stable.
 * logits and labels [..., C] (one-hot or probabilities) → [...]. Gradient: softmax·Σlabels − labels.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  checkTensor(logits, 'softmaxCrossEntropy', 'logits');
  checkTensor(labels, 'softmaxCrossEntropy', 'labels');
  if (logits.rank < 1 || !sameShape(logits.shape, labels.shape)) {
    throw new ShapeError(
      `softmaxCrossEntropy: logits and labels must have the same shape [..., classes], got logits ${fmtShape(logits.shape)}, labels ${fmtShape(labels.shape)}`,
    );
  }
  const cols = logits.shape[logits.rank - 1],
    rows = logits.size / Math.max(cols, 1);
  const { ls, sm } = logSoftmaxRows(logits.data, rows, cols);
  const loss = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s -= labels.data[r * cols + c] * ls[r * cols + c];
    loss[r] = s;
  }
  const out = new Tensor(loss, logits.shape.slice(0, -1));
  return record([logits, labels], out, (dy) => {
    const gz = new Float32Array(logits.size),
      gl = new Float32Array(logits.size);
    for (let r = 0; r < rows; r++) {
      const o = r * cols,
        d = dy.data[r];
      let sl = 0;
      for (let c = 0; c < cols; c++) sl += labels.data[o + c];
      for (let c = 0; c < cols; c++) {
        gz[o + c] = d * (sm[o + c] * sl - labels.data[o + c]);
        gl[o + c] = -d * ls[o + c];
      }
    }
    return [new Tensor(gz, logits.shape), new Tensor(gl, labels.shape)];
  });
}

/** Cross-entropy with integer class labels: logits [..., C], labels [...] of indices → [...]. */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor | readonly number[]): Tensor {
  checkTensor(logits, 'sparseSoftmaxCrossEntropy', 'logits');
  const lab = labels instanceof Tensor ? labels : new Tensor(Float32Array.from(labels), [labels.length]);
  const cols = logits.shape[logits.rank - 1],
    rows = logits.size / Math.max(cols, 1);
  if (logits.rank < 1 || lab.size !== rows || sizeOf(logits.shape.slice(0, -1)) !== lab.size) {
    throw new ShapeError(
      `sparseSoftmaxCrossEntropy: expected labels with one index per row of logits ${fmtShape(logits.shape)}, got labels ${fmtShape(lab.shape)}`,
    );
  }
  for (const v of lab.data) {
    if (!Number.isInteger(v) || v < 0 || v >= cols) {
      throw new ValueError(
        `sparseSoftmaxCrossEntropy: label ${v} is not a class index in [0, ${cols}) (logits ${fmtShape(logits.shape)})`,
      );
    }
  }
  const { ls, sm } = logSoftmaxRows(logits.data, rows, cols);
  const loss = new Float32Array(rows);
  for (let r = 0; r < rows; r++) loss[r] = -ls[r * cols + lab.data[r]];
  return record([logits], new Tensor(loss, logits.shape.slice(0, -1)), (dy) => {
    const g = new Float32Array(logits.size);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) g[r * cols + c] = dy.data[r] * sm[r * cols + c];
      g[r * cols + lab.data[r]] -= dy.data[r];
    }
    return [new Tensor(g, logits.shape)];
  });
}

/** Elementwise max(x,0) − x·z + log(1 + e^−|x|): binary cross-entropy on logits, stable. */
export function sigmoidCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  checkTensor(logits, 'sigmoidCrossEntropy', 'logits');
  checkTensor(labels, 'sigmoidCrossEntropy', 'labels');
  if (!sameShape(logits.shape, labels.shape)) {
    throw new ShapeError(
      `sigmoidCrossEntropy: logits ${fmtShape(logits.shape)} and labels ${fmtShape(labels.shape)} must have the same shape`,
    );
  }
  const x = logits.data,
    z = labels.data;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(x[i], 0) - x[i] * z[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
  return record([logits, labels], new Tensor(out, logits.shape), (dy) => {
    const gx = new Float32Array(x.length),
      gz = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      gx[i] = dy.data[i] * (1 / (1 + Math.exp(-x[i])) - z[i]);
      gz[i] = -dy.data[i] * x[i];
    }
    return [new Tensor(gx, logits.shape), new Tensor(gz, labels.shape)];
  });
}
