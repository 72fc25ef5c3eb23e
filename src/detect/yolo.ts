// YOLO targets, decoding and loss. The volume is [S, S, A, 5 + C] (the notes' 3x3x2x8): for each
// grid cell and anchor, [p_c, b_x, b_y, b_h, b_w, c_1..c_C] in the notes' order (h before w).
//
// Units. Targets (encode) follow the notes: b_x, b_y are the midpoint relative to the cell's
// top-left corner, in [0, 1); b_h, b_w are the box size in cells (may exceed 1). Anchors are
// { w, h } in cells too (YOLOv2's convention). Boxes outside this file are normalised to the image.
//
// Raw network outputs (decode / loss default) use YOLOv2's parameterisation, per cell (row, col):
//   p_c = sigmoid(t_o)   b_x = (col + sigmoid(t_x)) / S   b_y = (row + sigmoid(t_y)) / S
//   b_h = anchor_h · exp(t_h) / S   b_w = anchor_w · exp(t_w) / S   class probs = softmax(t_c)
// With { activated: true } the volume already holds encode's values (probabilities, cell offsets,
// sizes in cells), so decode(encode(objects)) gives the objects back. The loss (YOLOv1's sum of
// squares, on YOLOv2's parameterisation) compares activated predictions with encode's targets.
// A conv head outputs [N, S, S, A·(5 + C)]: reshape it to [N, S, S, A, 5 + C] for decode and loss.
/**
 * YOLO as in the notes: grid-and-anchor targets, decoding of the network's output, and the loss.
 *
 * @example
 * ```ts
 * import { detect } from 'convkit';
 * const opts = { grid: 3, anchors: [{ w: 1, h: 2 }, { w: 2, h: 1 }], classes: 3 };
 * const y = detect.yolo.encode([{ box: { x: 0.5, y: 0.5, w: 0.2, h: 0.4 }, classId: 1 }], opts);   // [3, 3, 2, 8]
 * const found = detect.yolo.decode(y.reshape([1, 3, 3, 2, 8]), { ...opts, scoreThreshold: 0.5 });
 * ```
 * @module
 */
import { Tensor, zeros } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkOptions, optionNames } from '../options';
import { Box, Size, CenterBox, toCenter } from './box';
import { bestAnchor } from './anchors';
import { nmsPerClass } from './nms';
import {
  add,
  sub,
  mul,
  square,
  sum,
  div,
  sigmoid as sigmoidOp,
  exp,
  sqrt,
  maximum,
  softmax,
  softmaxCrossEntropy,
} from '../ops';
import { lastCols, targetCol, clearDontCare } from './columns';

/** An object to encode: its box (normalised to the image) and class index in [0, classes). */
export interface YoloObject {
  box: Box;
  classId: number;
}

/** Options of yolo.encode. */
export interface EncodeOptions {
  /** Grid size S (or [rows, cols]). */
  grid: number | [number, number];
  /** Anchor sizes { w, h } in grid cells; A = anchors.length. */
  anchors: readonly Size[];
  /** Number of classes C. */
  classes: number;
}

/** Options of yolo.decode. */
export interface DecodeOptions {
  /** Anchor sizes { w, h } in grid cells; must match the output's anchor axis. */
  anchors: readonly Size[];
  /** Expected grid (checked against the output when given). */
  grid?: number | [number, number];
  /** Expected number of classes (checked against the output when given). */
  classes?: number;
  /** Detections with score = p_c · class probability ≤ this are dropped (default 0.5). */
  scoreThreshold?: number;
  /** Per-class NMS threshold (default 0.5). */
  iouThreshold?: number;
  /** At most this many detections per image (default: no limit). */
  maxOutputs?: number;
  /** The volume holds activated values (as encode writes them), not raw network outputs. */
  activated?: boolean;
}

/** A decoded detection: box normalised to the image (centre form), score and class index. */
export interface YoloDetection {
  box: CenterBox;
  score: number;
  classId: number;
}

function gridOf(grid: number | [number, number], where: string): [number, number] {
  const g: [number, number] = typeof grid === 'number' ? [grid, grid] : [grid[0], grid[1]];
  if (!g.every((v) => Number.isInteger(v) && v > 0))
    throw new ValueError(`${where}: grid must be a positive integer or [rows, cols], got ${JSON.stringify(grid)}`);
  return g;
}

function checkAnchors(anchors: readonly Size[], where: string): void {
  if (!Array.isArray(anchors) || anchors.length === 0)
    throw new ValueError(`${where}: expected a non-empty array of anchors { w, h }`);
  for (const a of anchors) {
    if (!(a && a.w > 0 && a.h > 0 && Number.isFinite(a.w) && Number.isFinite(a.h)))
      throw new ValueError(`${where}: anchors need finite positive w and h, got ${JSON.stringify(a)}`);
  }
}

/**
 * Builds the YOLO target volume [S, S, A, 5 + C]: each object goes to the cell holding its midpoint
 * and to the anchor with the highest shape-only IoU; entries without an object are all 0 (p_c = 0,
 * the rest "don't care"). If two objects land on the same cell and anchor, the first one keeps it.
 */
export function encode(objects: readonly YoloObject[], opts: EncodeOptions): Tensor {
  const where = 'yolo.encode';
  checkOptions(where, opts, optionNames<EncodeOptions>({ grid: true, anchors: true, classes: true }));
  const [rows, cols] = gridOf(opts.grid, where);
  checkAnchors(opts.anchors, where);
  const C = opts.classes;
  if (!Number.isInteger(C) || C < 0) throw new ValueError(`${where}: classes must be a non-negative integer, got ${C}`);
  const A = opts.anchors.length,
    D = 5 + C;
  const y = zeros([rows, cols, A, D]);
  for (const o of objects) {
    const b = toCenter(o.box);
    if (!(b.x >= 0 && b.x <= 1 && b.y >= 0 && b.y <= 1))
      throw new ValueError(`${where}: box centre (${b.x}, ${b.y}) is outside the image [0, 1]`);
    if (C > 0 && !(Number.isInteger(o.classId) && o.classId >= 0 && o.classId < C))
      throw new ValueError(`${where}: classId must be an integer in [0, ${C}), got ${o.classId}`);
    // a centre exactly on the right or bottom edge belongs to the last cell
    const col = Math.min(Math.floor(b.x * cols), cols - 1),
      row = Math.min(Math.floor(b.y * rows), rows - 1);
    const size = { w: b.w * cols, h: b.h * rows };
    const a = bestAnchor(size, opts.anchors);
    const off = ((row * cols + col) * A + a) * D;
    if (y.data[off] === 1) continue;
    y.data.set([1, b.x * cols - col, b.y * rows - row, size.h, size.w], off);
    if (C > 0) y.data[off + 5 + o.classId] = 1;
  }
  return y;
}

const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));

/** Checks a [S,S,A,5+C] or [N,S,S,A,5+C] volume against the options; returns [N, rows, cols, A, D]. */
function volumeShape(
  shape: readonly number[],
  anchors: readonly Size[],
  where: string,
  grid?: number | [number, number],
  classes?: number,
): number[] {
  const batched = shape.length === 5;
  if (shape.length !== 4 && !batched)
    throw new ShapeError(`${where}: expected [S,S,A,5+C] or [N,S,S,A,5+C], got ${fmtShape(shape)}`);
  const s = batched ? [...shape] : [1, ...shape];
  const A = anchors.length;
  const want = [
    s[0],
    ...(grid === undefined ? [s[1], s[2]] : gridOf(grid, where)),
    A,
    classes === undefined ? Math.max(s[4], 5) : 5 + classes,
  ];
  if (want.some((v, i) => v !== s[i])) {
    const shown = batched ? want : want.slice(1);
    throw new ShapeError(
      `${where}: output ${fmtShape(shape)} does not match the options (grid, ${A} anchors, classes): expected ${fmtShape(shown)}`,
    );
  }
  return s;
}

/**
 * Turns a YOLO volume into detections: per entry, score = p_c · P(class) (p_c alone when C = 0);
 * entries with score ≤ scoreThreshold are dropped, then NMS runs per class. Returns the detections
 * of one image (input [S,S,A,5+C]) or one list per image (input [N,S,S,A,5+C]), best first.
 */
export function decode(output: Tensor, opts: DecodeOptions): YoloDetection[] | YoloDetection[][] {
  const where = 'yolo.decode';
  checkOptions(
    where,
    opts,
    optionNames<DecodeOptions>({
      anchors: true,
      grid: true,
      classes: true,
      scoreThreshold: true,
      iouThreshold: true,
      maxOutputs: true,
      activated: true,
    }),
  );
  if (!(output instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor`);
  checkAnchors(opts.anchors, where);
  const [N, rows, cols, A, D] = volumeShape(output.shape, opts.anchors, where, opts.grid, opts.classes);
  const C = D - 5;
  const scoreThreshold = opts.scoreThreshold ?? 0.5;
  const act = !!opts.activated;
  const v = output.data;
  const out: YoloDetection[][] = [];
  const probs = new Float64Array(Math.max(C, 1));
  for (let n = 0; n < N; n++) {
    const found: YoloDetection[] = [];
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        for (let a = 0; a < A; a++) {
          const o = (((n * rows + r) * cols + c) * A + a) * D;
          const pc = act ? v[o] : sigmoid(v[o]);
          if (Number.isNaN(pc)) throw new ValueError(`${where}: NaN in the output at [${n},${r},${c},${a},0]`);
          if (!(pc > scoreThreshold)) continue; // score ≤ p_c, so nothing here can pass
          let best = 0;
          if (C === 0) probs[0] = 1;
          else if (act) for (let k = 0; k < C; k++) probs[k] = v[o + 5 + k];
          else {
            let m = -Infinity,
              s = 0;
            for (let k = 0; k < C; k++) m = Math.max(m, v[o + 5 + k]);
            for (let k = 0; k < C; k++) {
              probs[k] = Math.exp(v[o + 5 + k] - m);
              s += probs[k];
            }
            for (let k = 0; k < C; k++) probs[k] /= s;
          }
          for (let k = 1; k < C; k++) if (probs[k] > probs[best]) best = k;
          const score = pc * probs[best];
          if (!(score > scoreThreshold)) continue;
          const an = opts.anchors[a];
          const box = act
            ? { x: (c + v[o + 1]) / cols, y: (r + v[o + 2]) / rows, w: v[o + 4] / cols, h: v[o + 3] / rows }
            : {
                x: (c + sigmoid(v[o + 1])) / cols,
                y: (r + sigmoid(v[o + 2])) / rows,
                w: (an.w * Math.exp(v[o + 4])) / cols,
                h: (an.h * Math.exp(v[o + 3])) / rows,
              };
          found.push({ box, score, classId: best });
        }
    const keep = nmsPerClass(
      found.map((d) => d.box),
      found.map((d) => d.score),
      found.map((d) => d.classId),
      {
        iouThreshold: opts.iouThreshold ?? 0.5,
        maxOutputs: opts.maxOutputs,
      },
    );
    out.push(keep.map((i) => found[i]));
  }
  return output.rank === 5 ? out : out[0];
}

/** Options of yolo.loss. */
export interface LossOptions {
  /** Anchors { w, h } in cells; required for raw predictions (their sizes are anchor · exp(t)). */
  anchors?: readonly Size[];
  /** Weight of the box terms (default 5). */
  lambdaCoord?: number;
  /** Weight of the confidence term of entries without an object (default 0.5). */
  lambdaNoobj?: number;
  /** 'squared' (default, YOLOv1): Σ (p̂(c) − c)²; 'crossentropy': softmax log loss on the class logits. */
  classLoss?: 'squared' | 'crossentropy';
  /** yPred already holds activated values in encode's units (no sigmoid / exp / softmax applied). */
  activated?: boolean;
}

/**
 * The YOLO loss between a target volume (from encode) and predictions of the same shape
 * ([S,S,A,5+C] or [N,S,S,A,5+C]), summed over cells and anchors and averaged over the batch:
 *   λ_coord Σ_obj [(x̂ − x)² + (ŷ − y)² + (√ĥ − √h)² + (√ŵ − √w)²]
 *   + Σ_obj (p̂_c − 1)² + λ_noobj Σ_noobj p̂_c² + Σ_obj class loss,
 * with x̂ = sigmoid(t_x), ĥ = anchor_h · exp(t_h) (cells), p̂_c = sigmoid(t_o), p̂(c) = softmax(t_c)
 * for raw predictions. Built from ops: a scalar Tensor that grad / valueAndGrads differentiate.
 */
export function loss(yTrue: Tensor, yPred: Tensor, opts: LossOptions = {}): Tensor {
  const where = 'yolo.loss';
  checkOptions(
    where,
    opts,
    optionNames<LossOptions>({ anchors: true, lambdaCoord: true, lambdaNoobj: true, classLoss: true, activated: true }),
  );
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor))
    throw new ValueError(`${where}: yTrue and yPred must be Tensors`);
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new ShapeError(
      `${where}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same shape`,
    );
  }
  const act = !!opts.activated;
  const A = yTrue.shape[yTrue.rank - 2];
  if (!act) {
    if (!opts.anchors)
      throw new ValueError(`${where}: raw predictions need opts.anchors (or pass { activated: true })`);
    checkAnchors(opts.anchors, where);
  }
  const [N, , , , D] = volumeShape(
    yTrue.shape,
    act ? Array.from({ length: A }, () => ({ w: 1, h: 1 })) : opts.anchors!,
    where,
  );
  const C = D - 5;
  const lambdaCoord = opts.lambdaCoord ?? 5,
    lambdaNoobj = opts.lambdaNoobj ?? 0.5;
  const classLoss = opts.classLoss ?? 'squared';
  if (classLoss !== 'squared' && classLoss !== 'crossentropy')
    throw new ValueError(`${where}: classLoss must be 'squared' or 'crossentropy', got '${classLoss}'`);
  for (let o = 0; o < yTrue.size; o += D) {
    const p = yTrue.data[o];
    if (p !== 0 && p !== 1) throw new ValueError(`${where}: p_c in yTrue must be 0 or 1, got ${p}`);
    if (p === 1 && !(yTrue.data[o + 3] > 0 && yTrue.data[o + 4] > 0))
      throw new ValueError(`${where}: an object's b_h and b_w in yTrue must be positive`);
  }
  const y = clearDontCare(yTrue);
  const obj = targetCol(y, 0);
  const noobj = new Tensor(
    obj.data.map((v) => 1 - v),
    obj.shape,
  );

  const tO = lastCols(yPred, 0, 1),
    tXY = lastCols(yPred, 1, 2),
    tHW = lastCols(yPred, 3, 2);
  const pO = act ? tO : sigmoidOp(tO);
  const pXY = act ? tXY : sigmoidOp(tXY);
  // √(anchor · e^t) = √anchor · e^(t/2): no square root of the prediction, so no infinite gradient
  const sqrtAnchors = act
    ? null
    : new Tensor(Float32Array.from(opts.anchors!.flatMap((a) => [Math.sqrt(a.h), Math.sqrt(a.w)])), [A, 2]);
  const sqrtHW = act ? sqrt(maximum(tHW, 1e-12)) : mul(exp(mul(tHW, 0.5)), sqrtAnchors!);
  const yHW = lastCols(y, 3, 2);
  const sqrtYHW = new Tensor(yHW.data.map(Math.sqrt), yHW.shape);

  let total = mul(
    add(sum(mul(square(sub(pXY, lastCols(y, 1, 2))), obj)), sum(mul(square(sub(sqrtHW, sqrtYHW)), obj))),
    lambdaCoord,
  );
  total = add(total, sum(mul(square(sub(pO, 1)), obj)));
  total = add(total, mul(sum(mul(square(pO), noobj)), lambdaNoobj));
  if (C > 0) {
    const tC = lastCols(yPred, 5, C),
      yC = lastCols(y, 5, C);
    if (classLoss === 'squared') total = add(total, sum(mul(square(sub(act ? tC : softmax(tC), yC)), obj)));
    else if (act)
      throw new ValueError(`${where}: classLoss 'crossentropy' needs raw class logits, not { activated: true }`);
    else {
      const ce = softmaxCrossEntropy(tC, yC);
      total = add(total, sum(mul(ce, new Tensor(obj.data, ce.shape))));
    }
  }
  return div(total, N);
}
