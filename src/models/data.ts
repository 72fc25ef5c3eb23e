// Data handling for fit/evaluate/predict: validation of x and labels, row gathering, shuffling,
// and dataset batches. Errors name the model, the input or output layer and the shapes.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import * as ops from '../ops';
import { SymbolicTensor, fmtSymShape } from '../layers';
import type { LossInfo } from '../train/losses';

/** One batch from a dataset: inputs (one tensor per model input) and labels. */
export interface Batch {
  xs: Tensor | Tensor[];
  ys: Tensor;
}
/** A source of batches for fit(): an (async) iterable, or a function returning one per epoch. */
export type Dataset =
  Iterable<Batch> | AsyncIterable<Batch> | ((epoch: number) => Iterable<Batch> | AsyncIterable<Batch>);

/** Throws ValueError when t holds NaN or ±Infinity. */
export function checkFinite(t: Tensor, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]))
      throw new ValueError(`${what} contains ${d[i]} at flat index ${i} (shape ${fmtShape(t.shape)})`);
  }
}

/** Checks model inputs against the symbolic input shapes; returns them as a list with their batch size. */
export function checkInputs(
  where: string,
  modelName: string,
  inputs: readonly SymbolicTensor[],
  x: unknown,
  finite: boolean,
): { xs: Tensor[]; n: number } {
  const xs = Array.isArray(x) ? x : [x];
  if (xs.length !== inputs.length)
    throw new ValueError(`${where}: model '${modelName}' has ${inputs.length} input(s), got ${xs.length} tensor(s)`);
  xs.forEach((t, i) => {
    const sym = inputs[i];
    const name = `input '${sym.layer.name}' of model '${modelName}'`;
    if (!(t instanceof Tensor))
      throw new ValueError(`${where}: ${name} expects a Tensor, got ${t === null ? 'null' : typeof t}`);
    const ok = t.rank === sym.rank && sym.shape.every((d, j) => j === 0 || d === null || d === t.shape[j]);
    if (!ok)
      throw new ShapeError(`${where}: ${name} expects shape ${fmtSymShape(sym.shape)}, got ${fmtShape(t.shape)}`);
    if (finite) checkFinite(t, `${where}: data for ${name}`);
  });
  const n = (xs[0] as Tensor).shape[0];
  if (xs.some((t) => (t as Tensor).shape[0] !== n))
    throw new ShapeError(
      `${where}: inputs have different batch sizes ${xs.map((t) => fmtShape((t as Tensor).shape)).join(', ')}`,
    );
  return { xs: xs as Tensor[], n };
}

/** Checks labels against the model output and the loss (class indices for sparse losses). */
export function checkLabels(where: string, output: SymbolicTensor, loss: LossInfo, y: unknown, n: number): Tensor {
  const layer = `the output of layer '${output.layer.name}' ${fmtSymShape(output.shape)}`;
  if (!(y instanceof Tensor))
    throw new ValueError(`${where}: expected labels as a Tensor, got ${y === null ? 'null' : typeof y}`);
  if (y.rank === 0 || y.shape[0] !== n)
    throw new ShapeError(`${where}: labels ${fmtShape(y.shape)} have ${y.rank ? y.shape[0] : 0} rows but x has ${n}`);
  const out = output.shape;
  const ok = loss.sparse
    ? y.rank === out.length - 1 || (y.rank === out.length && y.shape[y.rank - 1] === 1)
    : y.rank === out.length && out.every((d, j) => j === 0 || d === null || d === y.shape[j]);
  if (!ok) {
    const want = loss.sparse ? 'class indices [N]' : `shape ${fmtSymShape(out)}`;
    throw new ShapeError(
      `${where}: labels ${fmtShape(y.shape)} do not match ${layer} for loss ${loss.name} (expected ${want})`,
    );
  }
  checkFinite(y, `${where}: labels`);
  const classes = out[out.length - 1];
  if (loss.sparse && classes !== null) {
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes)
        throw new ValueError(`${where}: label ${v} at index ${i} is not a class index in [0, ${classes}) for ${layer}`);
    }
  }
  return y;
}

/** Copies the rows idx[from..to) of t (the first axis) into a new tensor. */
export function takeRows(t: Tensor, idx: ArrayLike<number>, from: number, to: number): Tensor {
  const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const out = new Float32Array((to - from) * row);
  for (let i = from; i < to; i++) out.set(t.data.subarray(idx[i] * row, idx[i] * row + row), (i - from) * row);
  return new Tensor(out, [to - from, ...t.shape.slice(1)]);
}

/** 0..n-1, shuffled (Fisher-Yates) when a seed is given. */
export function order(n: number, seed?: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  if (seed === undefined) return idx;
  const g = ops.rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.next() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Iterates a dataset's batches for one epoch. */
export async function* datasetBatches(ds: Dataset, epoch: number): AsyncGenerator<Batch> {
  const src = typeof ds === 'function' ? ds(epoch) : ds;
  if (
    !src ||
    (typeof (src as AsyncIterable<Batch>)[Symbol.asyncIterator] !== 'function' &&
      typeof (src as Iterable<Batch>)[Symbol.iterator] !== 'function')
  ) {
    throw new ValueError(
      'fit: a dataset must be an iterable or async iterable of { xs, ys } batches, or a function returning one',
    );
  }
  for await (const b of src as AsyncIterable<Batch>) {
    if (!b || typeof b !== 'object' || !('xs' in b) || !('ys' in b))
      throw new ValueError('fit: each dataset batch must be an object { xs, ys }');
    yield b;
  }
}

/** Lets the event loop run (timers, I/O, UI) between batches. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
