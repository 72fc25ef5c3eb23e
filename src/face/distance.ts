// Distances between face encodings: the notes' d(x1, x2) = ‖f(x1) − f(x2)‖², verification by a
// threshold on d, and the L2 normalisation that puts every encoding on the unit sphere.
import { Tensor, tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import * as ops from '../ops';
import { noGrad } from '../autograd';

/** An embedding: a Tensor [d] or [n, d], or plain numbers. */
export type EmbeddingLike = Tensor | readonly number[] | Float32Array;

/** Converts an embedding to a Tensor of rank 1 or 2, naming `op` in errors. */
export function asEmbedding(e: EmbeddingLike, op: string, what = 'embedding'): Tensor {
  const t = e instanceof Tensor ? e : tensor(e instanceof Float32Array ? e : Float32Array.from(e as number[]));
  if (t.rank !== 1 && t.rank !== 2)
    throw new ShapeError(`${op}: expected ${what} [d] or [batch, d], got ${fmtShape(t.shape)}`);
  if (t.shape[t.rank - 1] === 0) throw new ShapeError(`${op}: ${what} is empty ${fmtShape(t.shape)}`);
  return t;
}

/** Throws ShapeError unless a and b have the same shape (embeddings of one encoder). */
export function checkSameShape(op: string, a: Tensor, b: Tensor, names = ['e1', 'e2']): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      `${op}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} differ; embeddings must come from the same encoder`,
    );
  }
}

/** x / ‖x‖ along the last axis (ε guards an all-zero row), differentiable. */
export function l2Normalize(x: Tensor, epsilon = 1e-12): Tensor {
  const norm2 = ops.sum(ops.square(x), -1, true);
  return ops.div(x, ops.sqrt(ops.maximum(norm2, epsilon)));
}

/**
 * d(e1, e2) = ‖e1 − e2‖² (squared Euclidean distance, the notes' d). For [d] inputs a scalar tensor,
 * for [batch, d] inputs one distance per row [batch]. Differentiable.
 */
export function distance(e1: EmbeddingLike, e2: EmbeddingLike): Tensor {
  const a = asEmbedding(e1, 'face.distance', 'e1'),
    b = asEmbedding(e2, 'face.distance', 'e2');
  checkSameShape('face.distance', a, b);
  return ops.sum(ops.square(ops.sub(a, b)), -1);
}

/** Verification: distance(e1, e2) < threshold; one boolean for [d] inputs, one per row for [batch, d]. */
export function verify(e1: EmbeddingLike, e2: EmbeddingLike, threshold: number): boolean | boolean[] {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold))
    throw new ValueError(`face.verify: threshold must be a finite number, got ${threshold}`);
  const d = noGrad(() => distance(e1, e2));
  return d.rank === 0 ? d.data[0] < threshold : Array.from(d.data, (v) => v < threshold);
}
