// Synthetic detection data: images of rectangles, ellipses and triangles at random positions,
// sizes, colours and (bounded) overlaps, with their boxes and classes: enough to train and test
// a small YOLO from scratch without downloading anything. Seeded, so a seed gives the same set.
/**
 * A seeded synthetic detection data set: rectangles, ellipses and triangles with their boxes and classes.
 *
 * @example
 * ```ts
 * import { detect } from 'convkit';
 * // images [16, 64, 64, 3]
 * const { images, objects, classNames } = detect.datasets.shapes({ seed: 1, n: 16, size: 64 });
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { rng } from '../ops';
import { iou } from './box';
import type { CenterBox } from './box';

/** Options of datasets.shapes. */
export interface ShapesOptions {
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Number of images (default 100). */
  n?: number;
  /** Image side in pixels (default 64). */
  size?: number;
  /** Objects per image: a number drawn uniformly from [minObjects, maxObjects] (defaults 1 and 3). */
  minObjects?: number;
  maxObjects?: number;
  /** Object side range as a fraction of the image (defaults 0.15 and 0.45). */
  minSize?: number;
  maxSize?: number;
  /** Largest IoU allowed between two boxes of one image (default 0.3): overlaps, but no hidden objects. */
  maxOverlap?: number;
  /** Standard deviation of the Gaussian pixel noise (default 0.03; pixel values are in [0, 1]). */
  noise?: number;
}

/** A generated object: its box (normalised, centre form) and class index. */
export interface ShapeObject {
  box: CenterBox;
  classId: number;
}

/** A generated set: images [n, size, size, 3] in [0, 1], the objects of each image, and class names. */
export interface ShapesDataset {
  images: Tensor;
  objects: ShapeObject[][];
  classNames: string[];
}

/** The classes of datasets.shapes, by class index. */
export const SHAPE_CLASSES = ['rectangle', 'ellipse', 'triangle'];

/** Whether pixel centre (u, v), relative to the box in [0, 1]², is inside a shape of class k (box w pixels wide). */
function inside(k: number, u: number, v: number, w: number): boolean {
  if (k === 0) return true;
  if (k === 1) return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
  // apex at the top centre, base along the bottom; half a pixel of slack keeps the apex row drawn
  return Math.abs(u - 0.5) <= v / 2 + 0.5 / w;
}

/**
 * Generates a seeded synthetic detection set (`detect.datasets.shapes`): each image has
 * a random flat background and 1–3 objects of the classes in SHAPE_CLASSES, each box the exact
 * pixel extent of its drawn shape, later objects drawn over earlier ones.
 */
export function shapes(opts: ShapesOptions = {}): ShapesDataset {
  const where = 'datasets.shapes';
  const n = opts.n ?? 100,
    size = opts.size ?? 64;
  const minObjects = opts.minObjects ?? 1,
    maxObjects = opts.maxObjects ?? 3;
  const minSize = opts.minSize ?? 0.15,
    maxSize = opts.maxSize ?? 0.45;
  const maxOverlap = opts.maxOverlap ?? 0.3,
    noise = opts.noise ?? 0.03;
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`${where}: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(size) || size < 8) throw new ValueError(`${where}: size must be an integer ≥ 8, got ${size}`);
  if (!Number.isInteger(minObjects) || !Number.isInteger(maxObjects) || minObjects < 0 || maxObjects < minObjects) {
    throw new ValueError(`${where}: need integers 0 ≤ minObjects ≤ maxObjects, got ${minObjects}, ${maxObjects}`);
  }
  if (!(minSize > 0 && minSize <= maxSize && maxSize <= 1))
    throw new ValueError(`${where}: need 0 < minSize ≤ maxSize ≤ 1, got ${minSize}, ${maxSize}`);
  if (!(maxOverlap >= 0 && maxOverlap <= 1) || !(noise >= 0))
    throw new ValueError(`${where}: maxOverlap must be in [0, 1] and noise ≥ 0`);
  const r = rng(opts.seed ?? 0);
  const images = new Float32Array(n * size * size * 3);
  const objects: ShapeObject[][] = [];
  for (let i = 0; i < n; i++) {
    const img = images.subarray(i * size * size * 3, (i + 1) * size * size * 3);
    const bg = [r.next(), r.next(), r.next()];
    for (let p = 0; p < size * size; p++) img.set(bg, p * 3);
    const count = minObjects + Math.floor(r.next() * (maxObjects - minObjects + 1));
    const placed: ShapeObject[] = [];
    for (let tries = 0; placed.length < count && tries < 100 * (count + 1); tries++) {
      // whole pixels, so the box is exactly the drawn extent
      const w = Math.max(2, Math.round((minSize + r.next() * (maxSize - minSize)) * size));
      const h = Math.max(2, Math.round((minSize + r.next() * (maxSize - minSize)) * size));
      const x0 = Math.floor(r.next() * (size - w + 1)),
        y0 = Math.floor(r.next() * (size - h + 1));
      const box = { x: (x0 + w / 2) / size, y: (y0 + h / 2) / size, w: w / size, h: h / size };
      const classId = Math.floor(r.next() * SHAPE_CLASSES.length);
      if (placed.some((o) => iou(o.box, box) > maxOverlap)) continue;
      // a colour far enough from the background to be seen
      let colour: number[];
      do colour = [r.next(), r.next(), r.next()];
      while (Math.hypot(colour[0] - bg[0], colour[1] - bg[1], colour[2] - bg[2]) < 0.4);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          if (inside(classId, (x + 0.5) / w, (y + 0.5) / h, w)) img.set(colour, ((y0 + y) * size + x0 + x) * 3);
        }
      placed.push({ box, classId });
    }
    if (noise > 0) for (let p = 0; p < img.length; p++) img[p] = Math.min(1, Math.max(0, img[p] + noise * r.normal()));
    objects.push(placed);
  }
  return { images: new Tensor(images, [n, size, size, 3]), objects, classNames: [...SHAPE_CLASSES] };
}
