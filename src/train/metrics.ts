// Metrics computed on plain arrays (no tape): each returns the fraction of correct predictions.
/**
 * Metrics on predictions (fractions of correct answers); `compile({ metrics: ['accuracy'] })` picks the right accuracy
 * for the loss, as Keras does.
 *
 * @example
 * ```ts
 * import { tensor, metrics } from 'convkit';
 * metrics.categoricalAccuracy(tensor([[0, 1], [1, 0]]), tensor([[0.2, 0.8], [0.4, 0.6]]));   // 0.5
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';

function argmaxRow(d: Float32Array, off: number, c: number): number {
  let best = 0;
  for (let j = 1; j < c; j++) if (d[off + j] > d[off + best]) best = j;
  return best;
}

/** Fraction of rows whose argmax matches the argmax of the one-hot (or probability) labels. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): number {
  if (yTrue.size !== yPred.size || yTrue.rank !== yPred.rank)
    throw new ShapeError(
      `categoricalAccuracy: labels ${fmtShape(yTrue.shape)} and predictions ${fmtShape(yPred.shape)} must have the same shape`,
    );
  const c = yPred.shape[yPred.rank - 1];
  const n = yPred.size / c;
  let hit = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(yTrue.data, i * c, c) === argmaxRow(yPred.data, i * c, c)) hit++;
  return n === 0 ? 0 : hit / n;
}

/** Fraction of rows whose argmax equals the integer class label. */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): number {
  const c = yPred.shape[yPred.rank - 1];
  const n = yPred.size / c;
  if (yTrue.size !== n)
    throw new ShapeError(
      `sparseCategoricalAccuracy: expected ${n} class labels for predictions ${fmtShape(yPred.shape)}, got ${fmtShape(yTrue.shape)}`,
    );
  let hit = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(yPred.data, i * c, c) === yTrue.data[i]) hit++;
  return n === 0 ? 0 : hit / n;
}

/** Fraction of values where (yPred > threshold) equals (yTrue > 0.5). */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): number {
  if (yTrue.size !== yPred.size)
    throw new ShapeError(
      `binaryAccuracy: labels ${fmtShape(yTrue.shape)} and predictions ${fmtShape(yPred.shape)} must have the same size`,
    );
  let hit = 0;
  for (let i = 0; i < yPred.size; i++) if (yPred.data[i] > threshold === yTrue.data[i] > 0.5) hit++;
  return yPred.size === 0 ? 0 : hit / yPred.size;
}

/** Accuracy, choosing the form from the shapes: binary (one output), sparse (class indices) or categorical. */
export function accuracy(yTrue: Tensor, yPred: Tensor): number {
  const c = yPred.shape[yPred.rank - 1];
  if (c === 1 || yPred.rank === 1) return binaryAccuracy(yTrue, yPred);
  if (yTrue.size === yPred.size) return categoricalAccuracy(yTrue, yPred);
  return sparseCategoricalAccuracy(yTrue, yPred);
}

/** A metric as compile() resolves it: the name used in logs and history, and the function. */
export interface MetricInfo {
  name: string;
  fn: (yTrue: Tensor, yPred: Tensor) => number;
}

const BY_NAME: Record<string, MetricInfo['fn']> = {
  accuracy,
  acc: accuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  binaryAccuracy,
};

/** Resolves a metric name or function; 'accuracy'/'acc' follow the loss as in Keras. */
export function getMetric(spec: string | MetricInfo['fn'], lossName: string): MetricInfo {
  if (typeof spec === 'function') return { name: spec.name || 'metric', fn: spec };
  const fn = BY_NAME[spec];
  if (!fn) throw new ValueError(`compile: unknown metric '${spec}' (valid: ${Object.keys(BY_NAME).join(', ')})`);
  if (fn !== accuracy) return { name: spec, fn };
  const byLoss: Record<string, MetricInfo['fn']> = {
    categoricalCrossentropy: categoricalAccuracy,
    sparseCategoricalCrossentropy: sparseCategoricalAccuracy,
    binaryCrossentropy: binaryAccuracy,
  };
  return { name: spec, fn: byLoss[lossName] ?? accuracy };
}
