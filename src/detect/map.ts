// Mean average precision, PASCAL VOC style (2010+): per class, detections sorted by score are
// matched greedily to unmatched ground truth of the same image; AP is the area under the
// precision/recall curve with precision made monotone (all-point interpolation); mAP is the mean
// over the classes that have ground truth.
import { ValueError } from '../errors';
import { Box, corners, iouCorners } from './box';

/** A detection: a box, its score and its class. */
export interface Detection {
  box: Box;
  score: number;
  classId: number;
}
/** A ground-truth object; `difficult` ones (VOC) count neither as hits nor as misses. */
export interface GroundTruth {
  box: Box;
  classId: number;
  difficult?: boolean;
}

/** Options of meanAveragePrecision. */
export interface MapOptions {
  /** A detection is a true positive when its IoU with an unmatched truth is ≥ this (default 0.5, the notes' rule). */
  iouThreshold?: number;
}

/** AP of one class. */
export interface ClassAp {
  classId: number;
  ap: number;
  truths: number;
  detections: number;
}

/** Result of meanAveragePrecision: mAP and the AP of each class with ground truth, by class id. */
export interface MapResult {
  map: number;
  perClass: ClassAp[];
}

const nested = (a: unknown[]): boolean => a.length > 0 && Array.isArray(a[0]);

/**
 * VOC-style mean average precision. `detections` and `groundTruth` are either lists for one image
 * or lists of per-image lists (same number of images). Classes without ground truth are left out
 * of the mean (their AP is undefined); with no ground truth at all, map is 0.
 */
export function meanAveragePrecision(
  detections: readonly Detection[] | readonly (readonly Detection[])[],
  groundTruth: readonly GroundTruth[] | readonly (readonly GroundTruth[])[],
  opts: MapOptions = {},
): MapResult {
  const op = 'meanAveragePrecision';
  const thr = opts.iouThreshold ?? 0.5;
  if (!(thr >= 0 && thr <= 1)) throw new ValueError(`${op}: iouThreshold must be in [0, 1], got ${thr}`);
  if (!Array.isArray(detections) || !Array.isArray(groundTruth))
    throw new ValueError(`${op}: expected arrays of detections and ground truth`);
  const dn = nested(detections),
    gn = nested(groundTruth);
  let dets = (dn ? detections : [detections]) as readonly (readonly Detection[])[];
  let gts = (gn ? groundTruth : [groundTruth]) as readonly (readonly GroundTruth[])[];
  if (dn !== gn) {
    // one side per image, the other an empty flat list: that side has nothing in any image
    if (dn && groundTruth.length === 0) gts = dets.map(() => []);
    else if (gn && detections.length === 0) dets = gts.map(() => []);
    else throw new ValueError(`${op}: give both as per-image lists or both as one image's list`);
  }
  if (dets.length !== gts.length)
    throw new ValueError(`${op}: detections cover ${dets.length} images, ground truth ${gts.length}`);

  const classes = new Set<number>();
  gts.forEach((g) =>
    g.forEach((t) => {
      if (!t.difficult) classes.add(t.classId);
    }),
  );
  const perClass: ClassAp[] = [];
  for (const cls of [...classes].sort((a, b) => a - b)) {
    const truths = gts.map((g) =>
      g.filter((t) => t.classId === cls).map((t) => ({ c: corners(t.box, op), difficult: !!t.difficult, used: false })),
    );
    const positives = truths.reduce((n, g) => n + g.filter((t) => !t.difficult).length, 0);
    const list: { img: number; score: number; c: number[] }[] = [];
    dets.forEach((d, img) =>
      d.forEach((e) => {
        if (e.classId !== cls) return;
        if (typeof e.score !== 'number' || Number.isNaN(e.score))
          throw new ValueError(`${op}: detection score is ${e.score}`);
        list.push({ img, score: e.score, c: corners(e.box, op) });
      }),
    );
    list.sort((a, b) => b.score - a.score);
    const tp: number[] = [],
      fp: number[] = [];
    for (const d of list) {
      let best = -1,
        bestIou = -1;
      truths[d.img].forEach((t, j) => {
        const v = iouCorners(d.c[0], d.c[1], d.c[2], d.c[3], t.c[0], t.c[1], t.c[2], t.c[3]);
        if (v > bestIou) {
          bestIou = v;
          best = j;
        }
      });
      const t = best >= 0 && bestIou >= thr ? truths[d.img][best] : null;
      if (t && t.difficult) continue;
      const hit = t !== null && !t.used;
      if (hit) t.used = true;
      tp.push(hit ? 1 : 0);
      fp.push(hit ? 0 : 1);
    }
    perClass.push({
      classId: cls,
      ap: averagePrecision(tp, fp, positives),
      truths: positives,
      detections: list.length,
    });
  }
  const map = perClass.length ? perClass.reduce((s, c) => s + c.ap, 0) / perClass.length : 0;
  return { map, perClass };
}

/** All-point interpolated AP from per-detection hit flags (sorted by score) and the number of positives. */
function averagePrecision(tp: number[], fp: number[], positives: number): number {
  const n = tp.length;
  const rec = new Float64Array(n + 2),
    prec = new Float64Array(n + 2);
  let ctp = 0,
    cfp = 0;
  for (let i = 0; i < n; i++) {
    ctp += tp[i];
    cfp += fp[i];
    rec[i + 1] = ctp / positives;
    prec[i + 1] = ctp / (ctp + cfp);
  }
  rec[n + 1] = 1; // the sentinels close the curve as VOC's devkit does
  for (let i = n; i >= 0; i--) prec[i] = Math.max(prec[i], prec[i + 1]);
  let ap = 0;
  for (let i = 1; i <= n + 1; i++) ap += (rec[i] - rec[i - 1]) * prec[i];
  return ap;
}
