// Losses (Keras names, (yTrue, yPred) order) returning the scalar mean over the batch. Each also
// has a from-logits form that Model.fit uses when the model ends in softmax/sigmoid, so the
// softmax and the log fuse into one stable op.
/**
 * Losses with Keras names and the `(yTrue, yPred)` order, each the mean over the batch; `compile` also takes them by
 * name.
 *
 * @example
 * ```ts
 * import { tensor, losses } from 'convkit';
 * const yTrue = tensor([[0, 1], [1, 0]]), yPred = tensor([[0.2, 0.8], [0.6, 0.4]]);
 * losses.categoricalCrossentropy(yTrue, yPred);   // -(ln 0.8 + ln 0.6) / 2 = 0.367
 * losses.meanSquaredError(yTrue, yPred);
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import * as ops from '../ops';

/** Keras's epsilon: probabilities are clipped to [EPS, 1 - EPS] before the log. */
const EPS = 1e-7;

function sameShape(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new ShapeError(
      `${name}: labels ${fmtShape(yTrue.shape)} and predictions ${fmtShape(yPred.shape)} must have the same shape`,
    );
  }
}

/** Class indices [N] (or [N,1]) for predictions [N, C]; checks every label is an integer in [0, C). */
function sparseLabels(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  const n = yPred.size / yPred.shape[yPred.rank - 1];
  const c = yPred.shape[yPred.rank - 1];
  const okShape =
    yTrue.size === n &&
    (yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1));
  if (!okShape)
    throw new ShapeError(
      `${name}: expected class indices of shape ${fmtShape(yPred.shape.slice(0, -1))} for predictions ${fmtShape(yPred.shape)}, got ${fmtShape(yTrue.shape)}`,
    );
  for (let i = 0; i < yTrue.size; i++) {
    const v = yTrue.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= c)
      throw new ValueError(`${name}: label ${v} at index ${i} is not a class index in [0, ${c})`);
  }
  return new Tensor(yTrue.data, [n]);
}

/** One-hot rows from class indices (labels need no gradient). */
function oneHotRows(labels: Tensor, c: number): Tensor {
  const out = new Float32Array(labels.size * c);
  for (let i = 0; i < labels.size; i++) out[i * c + labels.data[i]] = 1;
  return new Tensor(out, [labels.size, c]);
}

const rows = (t: Tensor): Tensor => (t.rank === 2 ? t : ops.reshape(t, [-1, t.shape[t.rank - 1]]));

/** Mean over examples of -Σ yTrue·log(yPred); yPred are probabilities. */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('categoricalCrossentropy', yTrue, yPred);
  const logp = ops.log(ops.clip(yPred, EPS, 1 - EPS));
  return ops.neg(ops.mean(ops.sum(ops.mul(yTrue, logp), -1)));
}

/** categoricalCrossentropy with integer class labels [N]. */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  const labels = sparseLabels('sparseCategoricalCrossentropy', yTrue, yPred);
  return categoricalCrossentropy(oneHotRows(labels, yPred.shape[yPred.rank - 1]).reshape(yPred.shape), yPred);
}

/** Mean of -(y·log p + (1-y)·log(1-p)) over all values. */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('binaryCrossentropy', yTrue, yPred);
  const p = ops.clip(yPred, EPS, 1 - EPS);
  const pos = ops.mul(yTrue, ops.log(p));
  const neg = ops.mul(ops.sub(1, yTrue), ops.log(ops.sub(1, p)));
  return ops.neg(ops.mean(ops.add(pos, neg)));
}

/** Mean of (yPred - yTrue)² over all values. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanSquaredError', yTrue, yPred);
  return ops.mean(ops.square(ops.sub(yPred, yTrue)));
}

/** A loss as compile() resolves it. */
export interface LossInfo {
  name: string;
  fn: (yTrue: Tensor, yPred: Tensor) => Tensor;
  /** The final activation this loss can fuse with, and the fused form on logits. */
  fuses?: 'softmax' | 'sigmoid';
  fromLogits?: (yTrue: Tensor, logits: Tensor) => Tensor;
  /** Labels are class indices rather than the output's shape. */
  sparse?: boolean;
}

const BUILTIN: LossInfo[] = [
  {
    name: 'categoricalCrossentropy',
    fn: categoricalCrossentropy,
    fuses: 'softmax',
    fromLogits: (y, z) => {
      sameShape('categoricalCrossentropy', y, z);
      return ops.mean(ops.softmaxCrossEntropy(rows(z), rows(y)));
    },
  },
  {
    name: 'sparseCategoricalCrossentropy',
    fn: sparseCategoricalCrossentropy,
    fuses: 'softmax',
    sparse: true,
    fromLogits: (y, z) =>
      ops.mean(ops.sparseSoftmaxCrossEntropy(rows(z), sparseLabels('sparseCategoricalCrossentropy', y, z))),
  },
  {
    name: 'binaryCrossentropy',
    fn: binaryCrossentropy,
    fuses: 'sigmoid',
    fromLogits: (y, z) => {
      sameShape('binaryCrossentropy', y, z);
      return ops.mean(ops.sigmoidCrossEntropy(z, y));
    },
  },
  { name: 'meanSquaredError', fn: meanSquaredError },
];

const ALIASES: Record<string, string> = {
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
};

/** Resolves a loss name or function; a builtin function object keeps its fused form. */
export function getLoss(spec: string | ((yTrue: Tensor, yPred: Tensor) => Tensor)): LossInfo {
  if (typeof spec === 'function') return BUILTIN.find((l) => l.fn === spec) ?? { name: spec.name || 'loss', fn: spec };
  const found = BUILTIN.find((l) => l.name === (ALIASES[spec] ?? spec));
  if (!found) throw new ValueError(`compile: unknown loss '${spec}' (valid: ${BUILTIN.map((l) => l.name).join(', ')})`);
  return found;
}
