// Landmark detection (the notes: a face with 64 landmarks gives 129 outputs): the target
// [present, l_1x, l_1y, ..., l_Kx, l_Ky] and its loss, masked when no face/object is present.
/**
 * Landmark detection: the target [present, l_1x, l_1y, ..., l_Kx, l_Ky] and its masked loss.
 *
 * @example
 * ```ts
 * import { detect } from 'convkit';
 * const y = detect.landmarks.target({ present: true, points: [{ x: 0.3, y: 0.4 }, { x: 0.7, y: 0.4 }]}, 2);   // [5]
 * const l = detect.landmarks.loss(y, y);
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { add, sub, mul, square, sum, div, sigmoidCrossEntropy } from '../ops';
import { lastCols, targetCol, clearDontCare, checkPair, maskedSquared } from './columns';

/** One labelled image: is the object there, and its K landmark points (normalised to the image). */
export interface LandmarkLabel {
  present: boolean;
  points?: readonly { x: number; y: number }[];
}

/** Options of landmarks.loss. */
export interface LandmarkLossOptions {
  /**
   * 'squared' (default): (p̂ − p)² + p · Σ (l̂ − l)² on outputs. 'practical': yPred[0] is a logit,
   * logistic loss for "present" plus the masked squared error of the points.
   */
  variant?: 'squared' | 'practical';
}

/**
 * The target [present, l_1x, l_1y, ..., l_Kx, l_Ky] for one label ([1 + 2K]) or a list ([N, 1 + 2K]).
 * Absent objects give 0 everywhere (the points are "don't care").
 */
export function target(label: LandmarkLabel | readonly LandmarkLabel[], k: number): Tensor {
  if (!Number.isInteger(k) || k < 1)
    throw new ValueError(`landmarks.target: k (number of points) must be a positive integer, got ${k}`);
  const list = Array.isArray(label) ? label : [label as LandmarkLabel];
  const D = 1 + 2 * k,
    out = new Float32Array(list.length * D);
  list.forEach((l, i) => {
    if (!l.present) return;
    if (!l.points || l.points.length !== k)
      throw new ValueError(`landmarks.target: a present object needs ${k} points, got ${l.points?.length ?? 0}`);
    out[i * D] = 1;
    l.points.forEach((p: { x: number; y: number }, j: number) => {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y))
        throw new ValueError(`landmarks.target: point ${j} is not finite: ${JSON.stringify(p)}`);
      out[i * D + 1 + 2 * j] = p.x;
      out[i * D + 2 + 2 * j] = p.y;
    });
  });
  return new Tensor(out, Array.isArray(label) ? [list.length, D] : [D]);
}

/** The landmark loss averaged over the batch ([N, 1 + 2K] or one [1 + 2K] vector); differentiable. */
export function loss(yTrue: Tensor, yPred: Tensor, opts: LandmarkLossOptions = {}): Tensor {
  const op = 'landmarks.loss';
  const rows = checkPair(op, yTrue, yPred, 3);
  const D = yTrue.shape[yTrue.rank - 1];
  if (D % 2 !== 1)
    throw new ValueError(`landmarks.loss: the last axis must be 1 + 2K (present, then x, y per point), got ${D}`);
  const variant = opts.variant ?? 'squared';
  if (variant === 'squared') return maskedSquared(yTrue, yPred, rows);
  if (variant !== 'practical')
    throw new ValueError(`${op}: variant must be 'squared' or 'practical', got '${variant}'`);
  const y = clearDontCare(yTrue),
    p = targetCol(y, 0);
  const present = sum(sigmoidCrossEntropy(lastCols(yPred, 0, 1), p));
  const points = sum(mul(square(sub(lastCols(yPred, 1, D - 1), lastCols(y, 1, D - 1))), p));
  return div(add(present, points), rows);
}
