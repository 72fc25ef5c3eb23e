// Classification with localization (the notes' "Object Localization"): the target vector
// y = [p_c, b_x, b_y, b_h, b_w, c_1..c_n] and its loss, built from ops so it is differentiable.
/**
 * Classification with localization: the target y = [p_c, b_x, b_y, b_h, b_w, c_1..c_n] and its loss.
 *
 * @example
 * ```ts
 * import { detect } from 'convkit';
 * const objects = [{ present: true, box: { x: 0.5, y: 0.4, w: 0.3, h: 0.2 }, classId: 2 }, { present: false }];
 * const y = detect.localization.target(objects, 3); // [2, 8]
 * const l = detect.localization.loss(y, y);   // 0: a perfect prediction
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { add, sub, mul, square, sum, div, sigmoidCrossEntropy, softmaxCrossEntropy } from '../ops';
import { Box, toCenter } from './box';
import { lastCols, targetCol, clearDontCare, checkPair, maskedSquared } from './columns';

/** One labelled image: is there an object, and if so its box (normalised) and class index. */
export interface LocalizationLabel {
  present: boolean;
  box?: Box;
  classId?: number;
}

/** Options of localization.loss. */
export interface LocalizationLossOptions {
  /**
   * 'squared' (default): the notes' loss on outputs, Σ (ŷ_i − y_i)² when p_c = 1, (ŷ_1 − y_1)² when 0.
   * 'practical': yPred holds logits for p_c and the classes: logistic loss for p_c, softmax log
   * loss for the classes and squared error for the box, the last two only when p_c = 1.
   */
  variant?: 'squared' | 'practical';
}

/**
 * The target y = [p_c, b_x, b_y, b_h, b_w, c_1..c_n] (notes' order, h before w) for one label ([5 + C])
 * or a list of labels ([N, 5 + C]). Absent objects give p_c = 0 and 0 in the "don't care" entries.
 */
export function target(label: LocalizationLabel | readonly LocalizationLabel[], classes: number): Tensor {
  if (!Number.isInteger(classes) || classes < 0)
    throw new ValueError(`localization.target: classes must be a non-negative integer, got ${classes}`);
  const list = Array.isArray(label) ? label : [label as LocalizationLabel];
  const D = 5 + classes,
    out = new Float32Array(list.length * D);
  list.forEach((l, i) => {
    if (!l.present) return;
    if (!l.box) throw new ValueError('localization.target: a present object needs a box');
    const b = toCenter(l.box);
    out.set([1, b.x, b.y, b.h, b.w], i * D);
    if (classes > 0) {
      if (!(Number.isInteger(l.classId) && l.classId! >= 0 && l.classId! < classes))
        throw new ValueError(`localization.target: classId must be an integer in [0, ${classes}), got ${l.classId}`);
      out[i * D + 5 + l.classId!] = 1;
    }
  });
  return new Tensor(out, Array.isArray(label) ? [list.length, D] : [D]);
}

/**
 * The localization loss, averaged over the batch (rows of [N, 5 + C], or one [5 + C] vector):
 * see LocalizationLossOptions.variant. A scalar Tensor that grad / valueAndGrads differentiate.
 */
export function loss(yTrue: Tensor, yPred: Tensor, opts: LocalizationLossOptions = {}): Tensor {
  const op = 'localization.loss';
  const rows = checkPair(op, yTrue, yPred, 5);
  const variant = opts.variant ?? 'squared';
  if (variant === 'squared') return maskedSquared(yTrue, yPred, rows);
  if (variant !== 'practical')
    throw new ValueError(`${op}: variant must be 'squared' or 'practical', got '${variant}'`);
  const y = clearDontCare(yTrue),
    pc = targetCol(y, 0);
  const C = y.shape[y.rank - 1] - 5;
  let total = add(
    sum(sigmoidCrossEntropy(lastCols(yPred, 0, 1), pc)),
    sum(mul(square(sub(lastCols(yPred, 1, 4), lastCols(y, 1, 4))), pc)),
  );
  if (C > 0) {
    const ce = softmaxCrossEntropy(lastCols(yPred, 5, C), lastCols(y, 5, C)); // one value per row
    total = add(total, sum(mul(ce, new Tensor(pc.data, ce.shape))));
  }
  return div(total, rows);
}
