// Anchor boxes: picking the best anchor for an object (shape-only IoU) and choosing anchors by
// k-means over box sizes with the distance 1 − IoU (boxes aligned at a common centre), as in
// YOLOv2: plain Euclidean k-means would let big boxes dominate the error.
import { ValueError } from '../errors';
import { checkOptions, optionNames } from '../options';
import { rng } from '../ops';
import { Size, shapeIou } from './box';

/** Options of kmeansAnchors. */
export interface KmeansOptions {
  /** Seed of the k-means++ initialisation (default 0); the same seed gives the same anchors. */
  seed?: number;
  /** Maximum number of Lloyd iterations (default 100); stops earlier when assignments settle. */
  iterations?: number;
}

/** Result of kmeansAnchors. */
export interface KmeansResult {
  /** The k anchors, sorted by area, smallest first, in the units of the input sizes. */
  anchors: Size[];
  /** Mean over the input sizes of the IoU with their closest anchor. */
  meanIou: number;
}

/** Index of the anchor with the highest shape-only IoU with `size` (first one on ties). */
export function bestAnchor(size: Size, anchors: readonly Size[]): number {
  let best = 0,
    bestIou = -1;
  for (let a = 0; a < anchors.length; a++) {
    const v = shapeIou(size, anchors[a]);
    if (v > bestIou) {
      bestIou = v;
      best = a;
    }
  }
  return best;
}

/**
 * k-means over box sizes with distance 1 − IoU (centres aligned), seeded k-means++ initialisation.
 * Returns the anchors sorted by area and the mean IoU of each size with its closest anchor.
 * Pass sizes in grid-cell units (w · S, h · S) to get anchors in the units yolo.encode/decode use.
 */
export function kmeansAnchors(sizes: readonly Size[], k: number, opts: KmeansOptions = {}): KmeansResult {
  checkOptions('kmeansAnchors', opts, optionNames<KmeansOptions>({ seed: true, iterations: true }));
  const iterations = opts.iterations ?? 100;
  if (!Array.isArray(sizes) || sizes.length === 0)
    throw new ValueError('kmeansAnchors: expected a non-empty array of { w, h }');
  if (!Number.isInteger(k) || k < 1 || k > sizes.length)
    throw new ValueError(`kmeansAnchors: k must be an integer in [1, ${sizes.length}] (the number of sizes), got ${k}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new ValueError(`kmeansAnchors: iterations must be a non-negative integer, got ${iterations}`);
  for (const s of sizes) {
    if (!(s && s.w > 0 && s.h > 0 && Number.isFinite(s.w) && Number.isFinite(s.h))) {
      throw new ValueError(`kmeansAnchors: sizes must have finite positive w and h, got ${JSON.stringify(s)}`);
    }
  }
  const rand = rng(opts.seed ?? 0).next;
  const n = sizes.length;

  // k-means++: each next centre is drawn with probability proportional to its squared distance
  // to the closest centre chosen so far.
  const centres: Size[] = [{ ...sizes[Math.floor(rand() * n)] }];
  const d2 = new Float64Array(n);
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let d = Infinity;
      for (const c of centres) d = Math.min(d, 1 - shapeIou(sizes[i], c));
      d2[i] = d * d;
      total += d2[i];
    }
    let pick = n - 1;
    if (total > 0) {
      let r = rand() * total;
      for (let i = 0; i < n; i++) {
        r -= d2[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Math.floor(rand() * n); // every size equals a centre: any choice is as good
    }
    centres.push({ ...sizes[pick] });
  }

  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      const a = bestAnchor(sizes[i], centres);
      if (a !== assign[i]) {
        assign[i] = a;
        changed = true;
      }
    }
    if (!changed) break;
    const sw = new Float64Array(k),
      sh = new Float64Array(k),
      cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      sw[assign[i]] += sizes[i].w;
      sh[assign[i]] += sizes[i].h;
      cnt[assign[i]]++;
    }
    // an empty cluster keeps its previous centre
    for (let c = 0; c < k; c++) if (cnt[c] > 0) centres[c] = { w: sw[c] / cnt[c], h: sh[c] / cnt[c] };
  }

  let total = 0;
  for (const s of sizes) total += shapeIou(s, centres[bestAnchor(s, centres)]);
  centres.sort((a, b) => a.w * a.h - b.w * b.h);
  return { anchors: centres, meanIou: total / n };
}
