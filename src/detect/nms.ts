// Greedy non-max suppression, as the notes describe it: drop boxes with score ≤ scoreThreshold,
// then repeatedly keep the highest-scoring box and discard every remaining box whose IoU with
// it is ≥ iouThreshold. nmsPerClass runs it independently for each class.
import { Tensor } from '../tensor';
import { ShapeError, ValueError } from '../errors';
import { checkOptions, optionNames } from '../options';
import { Box, corners, iouCorners } from './box';

/** Options of nms / nmsPerClass. */
export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept box is ≥ this (default 0.5). */
  iouThreshold?: number;
  /** Boxes with score ≤ this are dropped first (default -Infinity: keep all). */
  scoreThreshold?: number;
  /** At most this many indices are returned (default: no limit). */
  maxOutputs?: number;
}

/** Options of nmsPerClass: NmsOptions plus a per-class cap. */
export interface NmsPerClassOptions extends NmsOptions {
  /** At most this many boxes kept per class (default: no limit); maxOutputs caps the total. */
  maxOutputsPerClass?: number;
}

/** Scores of the boxes, one per box: a plain array or a Tensor. */
export type Scores = ArrayLike<number> | Tensor;

function readOptions(op: string, o: NmsOptions): { iouThreshold: number; scoreThreshold: number; maxOutputs: number } {
  const iouThreshold = o.iouThreshold ?? 0.5;
  const scoreThreshold = o.scoreThreshold ?? -Infinity;
  const maxOutputs = o.maxOutputs ?? Infinity;
  if (!(iouThreshold >= 0 && iouThreshold <= 1))
    throw new ValueError(`${op}: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  if (Number.isNaN(scoreThreshold)) throw new ValueError(`${op}: scoreThreshold is NaN`);
  if (!(maxOutputs >= 0) || (maxOutputs !== Infinity && !Number.isInteger(maxOutputs))) {
    throw new ValueError(`${op}: maxOutputs must be a non-negative integer, got ${maxOutputs}`);
  }
  return { iouThreshold, scoreThreshold, maxOutputs };
}

function readScores(op: string, scores: Scores, n: number): ArrayLike<number> {
  const s = scores instanceof Tensor ? scores.data : scores;
  if (scores instanceof Tensor && scores.rank !== 1)
    throw new ShapeError(`${op}: expected scores of shape [${n}], got [${scores.shape.join(',')}]`);
  if (s.length !== n) throw new ShapeError(`${op}: ${n} boxes but ${s.length} scores`);
  for (let i = 0; i < n; i++) {
    if (typeof s[i] !== 'number' || Number.isNaN(s[i]))
      throw new ValueError(`${op}: score ${i} is ${s[i]}; scores must be numbers, not NaN`);
  }
  return s;
}

/** Reads boxes into one flat corner array (validates each box once, then the loop works on numbers). */
function readBoxes(op: string, boxes: readonly Box[]): Float64Array {
  if (!Array.isArray(boxes)) throw new ValueError(`${op}: expected an array of boxes`);
  const c = new Float64Array(boxes.length * 4);
  for (let i = 0; i < boxes.length; i++) c.set(corners(boxes[i], op), i * 4);
  return c;
}

/** The greedy loop over candidate indices already sorted by score, highest first. */
function greedy(c: Float64Array, order: ArrayLike<number>, iouThreshold: number, maxOutputs: number): number[] {
  // IoU ≥ t > 0 needs the boxes to intersect, so on many boxes only kept boxes sharing a grid
  // bucket can suppress a candidate (NMS on 10,000 boxes is then ~O(n) instead of O(n · kept)).
  if (iouThreshold > 0 && order.length >= 256) return greedyBucketed(c, order, iouThreshold, maxOutputs);
  const kept: number[] = [];
  for (let o = 0; o < order.length && kept.length < maxOutputs; o++) {
    const i = order[o] * 4;
    const x1 = c[i],
      y1 = c[i + 1],
      x2 = c[i + 2],
      y2 = c[i + 3];
    let keep = true;
    for (let k = 0; k < kept.length; k++) {
      const j = kept[k] * 4;
      if (iouCorners(x1, y1, x2, y2, c[j], c[j + 1], c[j + 2], c[j + 3]) >= iouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) kept.push(order[o]);
  }
  return kept;
}

/** greedy() with kept boxes filed in a uniform grid over the candidates' extent. */
function greedyBucketed(c: Float64Array, order: ArrayLike<number>, iouThreshold: number, maxOutputs: number): number[] {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let o = 0; o < order.length; o++) {
    const i = order[o] * 4;
    minX = Math.min(minX, c[i]);
    minY = Math.min(minY, c[i + 1]);
    maxX = Math.max(maxX, c[i + 2]);
    maxY = Math.max(maxY, c[i + 3]);
  }
  const G = Math.min(64, Math.floor(Math.sqrt(order.length / 4)));
  const sx = G / (maxX - minX || 1),
    sy = G / (maxY - minY || 1);
  const cell = (v: number, min: number, s: number): number => Math.min(G - 1, Math.max(0, Math.floor((v - min) * s)));
  const buckets: number[][] = Array.from({ length: G * G }, () => []);
  const seen = new Int32Array(c.length / 4).fill(-1); // a kept box filed in several buckets is tested once
  const kept: number[] = [];
  for (let o = 0; o < order.length && kept.length < maxOutputs; o++) {
    const i = order[o] * 4;
    const x1 = c[i],
      y1 = c[i + 1],
      x2 = c[i + 2],
      y2 = c[i + 3];
    const gx0 = cell(x1, minX, sx),
      gx1 = cell(x2, minX, sx),
      gy0 = cell(y1, minY, sy),
      gy1 = cell(y2, minY, sy);
    let keep = true;
    scan: for (let gy = gy0; gy <= gy1; gy++)
      for (let gx = gx0; gx <= gx1; gx++) {
        for (const k of buckets[gy * G + gx]) {
          if (seen[k] === o) continue;
          seen[k] = o;
          const j = k * 4;
          if (iouCorners(x1, y1, x2, y2, c[j], c[j + 1], c[j + 2], c[j + 3]) >= iouThreshold) {
            keep = false;
            break scan;
          }
        }
      }
    if (!keep) continue;
    kept.push(order[o]);
    for (let gy = gy0; gy <= gy1; gy++) for (let gx = gx0; gx <= gx1; gx++) buckets[gy * G + gx].push(order[o]);
  }
  return kept;
}

/** Indices with score > threshold, sorted by score descending (ties: lower index first). */
function candidates(s: ArrayLike<number>, scoreThreshold: number, pick?: (i: number) => boolean): number[] {
  const idx: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i] > scoreThreshold && (!pick || pick(i))) idx.push(i);
  return idx.sort((a, b) => s[b] - s[a] || a - b);
}

const NMS_OPTIONS = optionNames<NmsOptions>({ iouThreshold: true, scoreThreshold: true, maxOutputs: true });
const NMS_PER_CLASS_OPTIONS = optionNames<NmsPerClassOptions>({
  iouThreshold: true,
  scoreThreshold: true,
  maxOutputs: true,
  maxOutputsPerClass: true,
});

/**
 * Non-max suppression: returns the indices of the kept boxes, highest score first. Boxes with
 * score ≤ scoreThreshold are dropped first; a box is then suppressed when its IoU with an already
 * kept box is ≥ iouThreshold (default 0.5). An empty list gives []; NaN scores throw a ValueError.
 */
export function nms(boxes: readonly Box[], scores: Scores, opts: NmsOptions = {}): number[] {
  checkOptions('nms', opts, NMS_OPTIONS);
  const o = readOptions('nms', opts);
  const s = readScores('nms', scores, boxes.length);
  const c = readBoxes('nms', boxes);
  return greedy(c, candidates(s, o.scoreThreshold), o.iouThreshold, o.maxOutputs);
}

/**
 * Non-max suppression run separately for each class (the notes: "run it independently for each
 * class"), so boxes of different classes never suppress each other. Returns kept indices from all
 * classes merged, highest score first, at most maxOutputs in total.
 */
export function nmsPerClass(
  boxes: readonly Box[],
  scores: Scores,
  classIds: ArrayLike<number>,
  opts: NmsPerClassOptions = {},
): number[] {
  checkOptions('nmsPerClass', opts, NMS_PER_CLASS_OPTIONS);
  const o = readOptions('nmsPerClass', opts);
  const perClass = opts.maxOutputsPerClass ?? Infinity;
  if (!(perClass >= 0)) throw new ValueError(`nmsPerClass: maxOutputsPerClass must be non-negative, got ${perClass}`);
  const s = readScores('nmsPerClass', scores, boxes.length);
  if (classIds.length !== boxes.length)
    throw new ShapeError(`nmsPerClass: ${boxes.length} boxes but ${classIds.length} class ids`);
  const c = readBoxes('nmsPerClass', boxes);
  const classes = new Set<number>();
  for (let i = 0; i < classIds.length; i++) classes.add(classIds[i]);
  const kept: number[] = [];
  for (const k of classes)
    kept.push(
      ...greedy(
        c,
        candidates(s, o.scoreThreshold, (i) => classIds[i] === k),
        o.iouThreshold,
        perClass,
      ),
    );
  kept.sort((a, b) => s[b] - s[a] || a - b);
  return kept.slice(0, o.maxOutputs === Infinity ? undefined : o.maxOutputs);
}
