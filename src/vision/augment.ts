// Data augmentation (the notes' mirroring, random cropping, colour shifting, rotation, shearing and
// local warping): seeded random transforms of an image that move its bounding boxes and landmark
// points along with it, chained by compose(), and a dataset helper so fit() sees fresh variants
// every epoch. Boxes are { x, y, w, h } normalised centre boxes (as in detect); points are { x, y }
// normalised to the image (0..1 across, 0..1 down). Extra fields on boxes and points are kept.
// Geometric transforms resample bilinearly; outside the image they read `fill` (default 0) unless
// `border` says 'edge' or 'reflect'.
/**
 * Seeded data augmentation (mirroring, cropping, colour shifts, rotation, shearing, warping) that moves boxes and
 * landmarks with the pixels.
 *
 * @example
 * ```ts
 * import { ops, vision } from 'convkit';
 * const { mirror, rotate, colorShift } = vision.augment;
 * const aug = vision.augment.compose([mirror(), rotate({ maxDegrees: 10 }), colorShift()], { seed: 1 });
 * const image = ops.randomUniform([32, 32, 3], { seed: 2 });
 * const out = aug({ image, boxes: [{ x: 0.3, y: 0.5, w: 0.2, h: 0.2 }] });   // the box follows the mirror and rotation
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkOptions } from '../options';
import { rng as makeRng, type Rng } from '../ops/random';
import type { Batch } from '../models/data';
import {
  affineAbout,
  affineGeometry,
  fieldGeometry,
  resample,
  type Affine,
  type BorderMode,
  type Geometry,
} from './warp';

export type { BorderMode } from './warp';

/** A bounding box: centre (x, y), width and height, normalised to the image. */
export interface AugBox {
  x: number;
  y: number;
  w: number;
  h: number;
}
/** A landmark point, normalised to the image. */
export interface AugPoint {
  x: number;
  y: number;
}
/** One image [H,W,C] with optional boxes and landmark points. */
export interface Sample {
  image: Tensor;
  boxes?: AugBox[];
  points?: AugPoint[];
}
/** A batch [N,H,W,C] with optional per-image boxes and points (one array per image). */
export interface BatchSample {
  image: Tensor;
  boxes?: AugBox[][];
  points?: AugPoint[][];
}

/**
 * A seeded augmentation function: a bare image or batch in, the same kind out; each image of a batch is drawn
 * independently.
 */
export interface Augmenter {
  (image: Tensor): Tensor;
  <S extends Sample | BatchSample>(sample: S): S;
  /** A fresh augmenter with the same transforms and its own seeded stream. */
  withSeed(seed: number): Augmenter;
  readonly transforms: readonly Transform[];
}

/** One transform. Call it directly (`mirror({ p: 1 })(img, seed)`) or chain several with compose(). */
export interface Transform {
  (input: Tensor, seed?: number): Tensor;
  <S extends Sample | BatchSample>(input: S, seed?: number): S;
  /** The name used in error messages. */
  readonly transformName: string;
  /** Applies the transform to one [H,W,C] sample, drawing its random parameters from `rng`. */
  apply(sample: Sample, rng: Rng): Sample;
}

/** Options shared by the geometric transforms. */
export interface GeometricOptions {
  /** Probability of applying the transform to an image (default 1; mirror 0.5). */
  p?: number;
  /** What positions outside the image read (default 'constant'). */
  border?: BorderMode;
  /** The value read outside the image with border 'constant' (default 0). */
  fill?: number;
}

// ---------- option checking ----------

function checkNum(name: string, key: string, v: unknown, lo: number, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ValueError(`augment.${name}: ${key} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkRange(name: string, key: string, v: unknown, lo: number, hi: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2)
    throw new ValueError(`augment.${name}: ${key} must be a [min, max] pair, got ${JSON.stringify(v)}`);
  const a = checkNum(name, `${key}[0]`, v[0], lo, hi),
    b = checkNum(name, `${key}[1]`, v[1], lo, hi);
  if (a > b) throw new ValueError(`augment.${name}: ${key} must have min <= max, got [${a}, ${b}]`);
  return [a, b];
}

const GEOMETRIC_KEYS = ['p', 'border', 'fill'] as const;

function checkGeometric(
  name: string,
  o: GeometricOptions,
  pDefault = 1,
): { p: number; border: BorderMode; fill: number } {
  const p = checkNum(name, 'p', o.p ?? pDefault, 0, 1);
  const border = o.border ?? 'constant';
  if (border !== 'constant' && border !== 'edge' && border !== 'reflect')
    throw new ValueError(`augment.${name}: border must be 'constant', 'edge' or 'reflect', got '${border}'`);
  const fill = o.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill))
    throw new ValueError(`augment.${name}: fill must be a finite number, got ${fill}`);
  return { p, border, fill };
}

// ---------- samples ----------

function checkImage(where: string, t: unknown, batch: boolean | 'either'): Tensor {
  if (!(t instanceof Tensor))
    throw new ShapeError(
      `${where}: expected an image Tensor [H,W,C] or a batch [N,H,W,C], got ${t === null ? 'null' : typeof t}`,
    );
  const ok = batch === 'either' ? t.rank === 3 || t.rank === 4 : t.rank === (batch ? 4 : 3);
  if (!ok || t.shape.slice(-3).some((d) => d < 1)) {
    throw new ShapeError(
      `${where}: expected an image [H,W,C]${batch === false ? '' : ' or a batch [N,H,W,C]'} with H, W, C >= 1, got ${fmtShape(t.shape)}`,
    );
  }
  return t;
}

function checkAnnotations(where: string, list: unknown, keys: readonly string[], what: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new ValueError(`${where}: ${what} must be an array, got ${typeof list}`);
  list.forEach((b, i) => {
    if (!b || typeof b !== 'object' || keys.some((k) => !Number.isFinite((b as Record<string, number>)[k]))) {
      throw new ValueError(
        `${where}: ${what} ${i} must be an object with finite ${keys.join(', ')}, got ${JSON.stringify(b)}`,
      );
    }
  });
}

// Points sampled along each box edge: enough to bound a box under a non-affine warp.
const EDGE_STEPS = 8;

/** Moves an [H,W,C] sample through a geometry: the image is resampled, boxes and points are carried forward. */
function mapSample(s: Sample, g: Geometry, border: BorderMode, fill: number): Sample {
  const [h, w, c] = s.image.shape;
  const image = new Tensor(resample(s.image.data, h, w, c, g, border, fill), [g.outH, g.outW, c]);
  const out: Sample = { ...s, image };
  if (s.boxes) {
    out.boxes = [];
    for (const b of s.boxes) {
      const x1 = (b.x - b.w / 2) * w,
        x2 = (b.x + b.w / 2) * w,
        y1 = (b.y - b.h / 2) * h,
        y2 = (b.y + b.h / 2) * h;
      let lx = Infinity,
        ly = Infinity,
        hx = -Infinity,
        hy = -Infinity;
      for (let i = 0; i <= EDGE_STEPS; i++) {
        const t = i / EDGE_STEPS,
          ex = x1 + (x2 - x1) * t,
          ey = y1 + (y2 - y1) * t;
        for (const [px, py] of [
          [ex, y1],
          [ex, y2],
          [x1, ey],
          [x2, ey],
        ]) {
          const [X, Y] = g.target(px, py);
          lx = Math.min(lx, X);
          hx = Math.max(hx, X);
          ly = Math.min(ly, Y);
          hy = Math.max(hy, Y);
        }
      }
      // Clip to the new image; a box pushed wholly outside it is dropped.
      lx = Math.max(0, lx / g.outW);
      hx = Math.min(1, hx / g.outW);
      ly = Math.max(0, ly / g.outH);
      hy = Math.min(1, hy / g.outH);
      if (hx - lx > 1e-9 && hy - ly > 1e-9)
        out.boxes.push({ ...b, x: (lx + hx) / 2, y: (ly + hy) / 2, w: hx - lx, h: hy - ly });
    }
  }
  if (s.points) {
    out.points = s.points.map((q) => {
      const [X, Y] = g.target(q.x * w, q.y * h);
      return { ...q, x: X / g.outW, y: Y / g.outH };
    });
  }
  return out;
}

/** Runs `apply` over a bare image, a sample, or a batch (each image independently) and restacks. */
function run(where: string, input: unknown, apply: (s: Sample) => Sample): unknown {
  const bare = input instanceof Tensor;
  if (!bare && (input === null || typeof input !== 'object' || !('image' in input))) {
    throw new ValueError(
      `${where}: expected an image Tensor or a sample { image, boxes?, points? }, got ${input === null ? 'null' : typeof input}`,
    );
  }
  const s = (bare ? { image: input } : input) as Sample | BatchSample;
  const img = checkImage(where, s.image, 'either');
  if (img.rank === 3) {
    checkAnnotations(where, s.boxes, ['x', 'y', 'w', 'h'], 'box');
    checkAnnotations(where, s.points, ['x', 'y'], 'point');
    const r = apply(s as Sample);
    return bare ? r.image : r;
  }
  const [n, h, w, c] = img.shape,
    size = h * w * c;
  const b = s as BatchSample;
  for (const [k, v] of [
    ['boxes', b.boxes],
    ['points', b.points],
  ] as const) {
    if (v !== undefined && (!Array.isArray(v) || v.length !== n))
      throw new ValueError(`${where}: a batch of ${n} images needs ${k} as ${n} arrays (one per image)`);
  }
  const outs: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const one: Sample = { image: new Tensor(img.data.subarray(i * size, (i + 1) * size), [h, w, c]) };
    if (b.boxes) {
      checkAnnotations(where, b.boxes[i], ['x', 'y', 'w', 'h'], `image ${i} box`);
      one.boxes = b.boxes[i];
    }
    if (b.points) {
      checkAnnotations(where, b.points[i], ['x', 'y'], `image ${i} point`);
      one.points = b.points[i];
    }
    outs.push(apply(one));
  }
  const shape = outs[0].image.shape;
  const data = new Float32Array(n * outs[0].image.size);
  outs.forEach((o, i) => {
    if (o.image.shape.join() !== shape.join())
      throw new ShapeError(
        `${where}: images of a batch came out with different shapes ${fmtShape(shape)} and ${fmtShape(o.image.shape)}`,
      );
    data.set(o.image.data, i * o.image.size);
  });
  const image = new Tensor(data, [n, ...shape]);
  if (bare) return image;
  const res: BatchSample = { ...b, image };
  if (b.boxes) res.boxes = outs.map((o) => o.boxes!);
  if (b.points) res.points = outs.map((o) => o.points!);
  return res;
}

function makeTransform(name: string, apply: (s: Sample, rng: Rng) => Sample): Transform {
  const checked = (s: Sample, g: Rng): Sample => {
    checkImage(`augment.${name}`, s.image, false);
    return apply(s, g);
  };
  const fn = (input: unknown, seed?: number) => {
    const g = makeRng(seed);
    return run(`augment.${name}`, input, (s) => checked(s, g));
  };
  return Object.assign(fn, { transformName: name, apply: checked }) as unknown as Transform;
}

/** A geometric transform: with probability p, draw a geometry for the image and move everything through it. */
function geometric(
  name: string,
  o: { p: number; border: BorderMode; fill: number },
  draw: (g: Rng, h: number, w: number) => Geometry,
  after?: (s: Sample) => Sample,
): Transform {
  return makeTransform(name, (s, g) => {
    if (g.next() >= o.p) return s;
    const [h, w] = s.image.shape;
    const out = mapSample(s, draw(g, h, w), o.border, o.fill);
    return after ? after(out) : out;
  });
}

const uniform = (g: Rng, lo: number, hi: number) => lo + (hi - lo) * g.next();
// Exact 0 and ±1 for multiples of 90°, so those rotations move whole pixels.
const clean = (v: number) => (Math.abs(v) < 1e-12 ? 0 : Math.abs(Math.abs(v) - 1) < 1e-12 ? Math.sign(v) : v);

// ---------- transforms ----------

/** Options of {@link mirror}. */
export interface MirrorOptions {
  /** Probability of flipping an image (default 0.5). */
  p?: number;
  /** 'horizontal' (left-right, default) or 'vertical' (upside down). */
  direction?: 'horizontal' | 'vertical';
  /** Landmark index pairs that swap roles when flipped, e.g. [[0, 1]] for left eye / right eye. */
  flipPairs?: readonly (readonly [number, number])[];
}

/** Flips images left-right (or upside down); boxes follow, and `flipPairs` swaps left/right landmark indices. */
export function mirror(opts: MirrorOptions = {}): Transform {
  checkOptions('augment.mirror', opts, ['p', 'direction', 'flipPairs']);
  const p = checkNum('mirror', 'p', opts.p ?? 0.5, 0, 1);
  const dir = opts.direction ?? 'horizontal';
  if (dir !== 'horizontal' && dir !== 'vertical')
    throw new ValueError(`augment.mirror: direction must be 'horizontal' or 'vertical', got '${dir}'`);
  const pairs = opts.flipPairs ?? [];
  if (
    !Array.isArray(pairs) ||
    pairs.some((q) => !Array.isArray(q) || q.length !== 2 || !q.every((i) => Number.isInteger(i) && i >= 0))
  ) {
    throw new ValueError(
      `augment.mirror: flipPairs must be a list of [i, j] landmark index pairs, got ${JSON.stringify(pairs)}`,
    );
  }
  const swap = (s: Sample): Sample => {
    if (!s.points || !pairs.length) return s;
    const pts = [...s.points];
    for (const [i, j] of pairs) {
      if (i >= pts.length || j >= pts.length)
        throw new ValueError(
          `augment.mirror: flipPairs [${i}, ${j}] name a landmark beyond the ${pts.length} points given`,
        );
      [pts[i], pts[j]] = [pts[j], pts[i]];
    }
    return { ...s, points: pts };
  };
  return geometric(
    'mirror',
    { p, border: 'constant', fill: 0 },
    (_, h, w) => affineGeometry(dir === 'horizontal' ? [-1, 0, w, 0, 1, 0] : [1, 0, 0, 0, -1, h], h, w),
    swap,
  );
}

/** Options of {@link rotate}. */
export interface RotateOptions extends GeometricOptions {
  /** Angles are drawn uniformly in [-maxDegrees, maxDegrees] (default 15). */
  maxDegrees?: number;
  /** Or: one of these angles is picked (e.g. [90, 180, 270]). */
  angles?: readonly number[];
}

/**
 * Rotates images about their centre, counter-clockwise as displayed for positive angles; the size stays, corners fill
 * per `border`.
 */
export function rotate(opts: RotateOptions = {}): Transform {
  checkOptions('augment.rotate', opts, ['maxDegrees', 'angles', ...GEOMETRIC_KEYS]);
  const o = checkGeometric('rotate', opts);
  if (opts.maxDegrees !== undefined && opts.angles !== undefined)
    throw new ValueError('augment.rotate: give maxDegrees or angles, not both');
  const max = checkNum('rotate', 'maxDegrees', opts.maxDegrees ?? 15, 0, 360);
  const angles = opts.angles;
  if (angles !== undefined && (!Array.isArray(angles) || !angles.length || angles.some((a) => !Number.isFinite(a)))) {
    throw new ValueError(`augment.rotate: angles must be a non-empty list of numbers, got ${JSON.stringify(angles)}`);
  }
  return geometric('rotate', o, (g, h, w) => {
    const deg = angles
      ? angles[Math.min(angles.length - 1, Math.floor(g.next() * angles.length))]
      : uniform(g, -max, max);
    const t = (deg * Math.PI) / 180,
      cs = clean(Math.cos(t)),
      sn = clean(Math.sin(t));
    // y points down, so counter-clockwise on screen is X = cx + cos·dx + sin·dy, Y = cy - sin·dx + cos·dy.
    return affineGeometry(affineAbout([cs, sn, 0, -sn, cs, 0], w / 2, h / 2), h, w);
  });
}

/** Options of {@link shear}. */
export interface ShearOptions extends GeometricOptions {
  /** Shear angles are drawn uniformly in [-maxDegrees, maxDegrees] (default 10). */
  maxDegrees?: number;
  /** 'x' (default): rows slide sideways in proportion to their height; 'y': columns slide up and down. */
  axis?: 'x' | 'y';
}

/** Shears images about their centre (a slanted copy, as Keras's shear_range). */
export function shear(opts: ShearOptions = {}): Transform {
  checkOptions('augment.shear', opts, ['maxDegrees', 'axis', ...GEOMETRIC_KEYS]);
  const o = checkGeometric('shear', opts);
  const max = checkNum('shear', 'maxDegrees', opts.maxDegrees ?? 10, 0, 80);
  const axis = opts.axis ?? 'x';
  if (axis !== 'x' && axis !== 'y') throw new ValueError(`augment.shear: axis must be 'x' or 'y', got '${axis}'`);
  return geometric('shear', o, (g, h, w) => {
    const k = Math.tan((uniform(g, -max, max) * Math.PI) / 180);
    const M: Affine = axis === 'x' ? [1, k, 0, 0, 1, 0] : [1, 0, 0, k, 1, 0];
    return affineGeometry(affineAbout(M, w / 2, h / 2), h, w);
  });
}

/** Options of {@link translate}. */
export interface TranslateOptions extends GeometricOptions {
  /** Whole-pixel shifts drawn uniformly from -maxPixels..maxPixels on each axis (e.g. 2 for 28x28 digits). */
  maxPixels?: number;
  /** Or: shifts up to this fraction of the width / height, continuous (default 0.1). */
  maxFraction?: number;
}

/** Shifts images by a random offset; with maxPixels the shift is whole pixels, so values move without blending. */
export function translate(opts: TranslateOptions = {}): Transform {
  checkOptions('augment.translate', opts, ['maxPixels', 'maxFraction', ...GEOMETRIC_KEYS]);
  const o = checkGeometric('translate', opts);
  if (opts.maxPixels !== undefined && opts.maxFraction !== undefined)
    throw new ValueError('augment.translate: give maxPixels or maxFraction, not both');
  const px = opts.maxPixels === undefined ? undefined : checkNum('translate', 'maxPixels', opts.maxPixels, 0);
  if (px !== undefined && !Number.isInteger(px))
    throw new ValueError(`augment.translate: maxPixels must be a whole number, got ${px}`);
  const frac = checkNum('translate', 'maxFraction', opts.maxFraction ?? 0.1, 0, 1);
  return geometric('translate', o, (g, h, w) => {
    const [dx, dy] =
      px !== undefined
        ? [Math.floor(g.next() * (2 * px + 1)) - px, Math.floor(g.next() * (2 * px + 1)) - px]
        : [uniform(g, -frac, frac) * w, uniform(g, -frac, frac) * h];
    return affineGeometry([1, 0, dx, 0, 1, dy], h, w);
  });
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.5, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, drawn log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** Output [height, width] (default: the input's size; the crop is resized back to it). */
  size?: readonly [number, number];
  /** Probability of cropping (default 1); skipped images are only resized to `size`. */
  p?: number;
}

/**
 * Cuts a random rectangle (Inception-style area and aspect ranges) and resizes it back, bilinear; boxes are clipped to
 * the crop.
 */
export function randomCrop(opts: RandomCropOptions = {}): Transform {
  checkOptions('augment.randomCrop', opts, ['scale', 'ratio', 'size', 'p']);
  const p = checkNum('randomCrop', 'p', opts.p ?? 1, 0, 1);
  const [s0, s1] = checkRange('randomCrop', 'scale', opts.scale ?? [0.5, 1], 1e-6, 1);
  const [r0, r1] = checkRange('randomCrop', 'ratio', opts.ratio ?? [3 / 4, 4 / 3], 1e-6, 1e6);
  const size = opts.size;
  if (
    size !== undefined &&
    (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 1))
  ) {
    throw new ValueError(
      `augment.randomCrop: size must be [height, width] in whole pixels, got ${JSON.stringify(size)}`,
    );
  }
  return makeTransform('randomCrop', (s, g) => {
    const [h, w] = s.image.shape;
    const [oh, ow] = size ?? [h, w];
    const apply = g.next() < p;
    let cw = w,
      ch = h;
    // Draw area and ratio; retry when the rectangle does not fit, then fall back to the largest that does.
    for (let tries = 0; apply && tries < 10; tries++) {
      const area = uniform(g, s0, s1) * h * w,
        ratio = Math.exp(uniform(g, Math.log(r0), Math.log(r1)));
      cw = Math.sqrt(area * ratio);
      ch = Math.sqrt(area / ratio);
      if (cw <= w && ch <= h) break;
      cw = Math.min(cw, w);
      ch = Math.min(ch, h);
    }
    const x0 = apply ? uniform(g, 0, w - cw) : 0,
      y0 = apply ? uniform(g, 0, h - ch) : 0;
    if (!apply && oh === h && ow === w) return s;
    return mapSample(s, affineGeometry([ow / cw, 0, (-x0 * ow) / cw, 0, oh / ch, (-y0 * oh) / ch], oh, ow), 'edge', 0);
  });
}

/** Principal axes of the RGB colours: eigenvalues (descending) and unit eigenvectors (vectors[i] is the i-th). */
export interface ColorBasis {
  values: readonly number[];
  vectors: readonly (readonly number[])[];
}

/**
 * The RGB principal components of ImageNet's training pixels (values scaled to 0..1), as used for
 * AlexNet-style lighting noise by fb.resnet.torch and many reimplementations.
 */
export const IMAGENET_COLOR_BASIS: ColorBasis = {
  values: [0.2175, 0.0188, 0.0045],
  vectors: [
    [-0.5675, -0.5808, -0.5836],
    [0.7192, -0.0045, -0.6948],
    [0.4009, -0.814, 0.4203],
  ],
};

/**
 * The principal components of the RGB pixels of one or more images (values divided by `range` first), as AlexNet
 * computes over its training set.
 */
export function colorPca(images: Tensor | readonly Tensor[], range = 255): ColorBasis {
  const list = images instanceof Tensor ? [images] : [...images];
  if (!list.length) throw new ValueError('augment.colorPca: no images');
  const sum = [0, 0, 0],
    cross = Array.from({ length: 3 }, () => [0, 0, 0]);
  let n = 0;
  for (const t of list) {
    const img = checkImage('augment.colorPca', t, 'either');
    const c = img.shape[img.rank - 1];
    if (c < 3)
      throw new ShapeError(`augment.colorPca: expected RGB images (3 or 4 channels), got ${fmtShape(img.shape)}`);
    for (let i = 0; i < img.size; i += c) {
      for (let a = 0; a < 3; a++) {
        const va = img.data[i + a] / range;
        sum[a] += va;
        for (let b = 0; b < 3; b++) cross[a][b] += va * (img.data[i + b] / range);
      }
      n++;
    }
  }
  const cov = cross.map((row, a) => row.map((v, b) => v / n - (sum[a] / n) * (sum[b] / n)));
  return symmetricEigen3(cov);
}

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi rotations, sorted by descending eigenvalue. */
function symmetricEigen3(m: number[][]): ColorBasis {
  const a = m.map((r) => [...r]),
    v = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-30) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1),
        s = t * c;
      for (let k = 0; k < 3; k++) {
        // A <- A J (columns p, q)
        const akp = a[k][p],
          akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        // A <- J^T A (rows p, q)
        const apk = a[p][k],
          aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p],
          vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => Math.max(0, a[i][i])), vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) };
}

/** Options of {@link colorShift}. */
export interface ColorShiftOptions {
  /**
   * Largest per-channel offset, in pixel units: each colour channel gets its own uniform draw in [-shift, shift] (alpha
   * stays); a list gives one limit per channel.
   */
  shift?: number | readonly number[];
  /** AlexNet's PCA lighting noise: the standard deviation of each component's weight α (AlexNet uses 0.1). */
  pca?: number;
  /** The colour basis for pca: 'imagenet' (default), 'image' (each image's own), or one from colorPca(). */
  basis?: 'imagenet' | 'image' | ColorBasis;
  /** The images' full value range (default 255); PCA offsets scale with it. */
  range?: number;
  /** Clamp results to [0, range] (default true). */
  clamp?: boolean;
  /** Probability of shifting an image's colours (default 1). */
  p?: number;
}

/**
 * Colour shifting: random per-channel offsets, and/or AlexNet's PCA colour augmentation, which adds
 * Σ_i α_i λ_i v_i to every pixel (α_i ~ N(0, pca), λ_i and v_i the RGB eigenvalues and eigenvectors),
 * changing the light's colour and intensity but not the content. Boxes and points are unchanged.
 */
export function colorShift(opts: ColorShiftOptions = {}): Transform {
  checkOptions('augment.colorShift', opts, ['shift', 'pca', 'basis', 'range', 'clamp', 'p']);
  const p = checkNum('colorShift', 'p', opts.p ?? 1, 0, 1);
  const shifts = typeof opts.shift === 'object' ? opts.shift : undefined;
  if (shifts !== undefined && (!Array.isArray(shifts) || shifts.some((v) => !(Number.isFinite(v) && v >= 0)))) {
    throw new ValueError(
      `augment.colorShift: shift must be a non-negative number or a list of them, got ${JSON.stringify(opts.shift)}`,
    );
  }
  const shift = shifts ? Math.max(...shifts) : checkNum('colorShift', 'shift', opts.shift ?? 0, 0);
  const pca = checkNum('colorShift', 'pca', opts.pca ?? 0, 0);
  const range = checkNum('colorShift', 'range', opts.range ?? 255, 1e-12);
  if (shift === 0 && pca === 0)
    throw new ValueError(
      'augment.colorShift: nothing to do; set shift (largest per-channel offset) and/or pca (AlexNet uses 0.1)',
    );
  const basisOpt = opts.basis ?? 'imagenet';
  if (!(
    basisOpt === 'imagenet' ||
    basisOpt === 'image' ||
    (typeof basisOpt === 'object' && basisOpt.values?.length === 3 && basisOpt.vectors?.length === 3)
  )) {
    throw new ValueError(
      `augment.colorShift: basis must be 'imagenet', 'image' or { values: [3], vectors: [3][3] }, got ${JSON.stringify(basisOpt)}`,
    );
  }
  const clamp = opts.clamp ?? true;
  return makeTransform('colorShift', (s, g) => {
    if (g.next() >= p) return s;
    const c = s.image.shape[2];
    if (shifts && shifts.length !== c)
      throw new ValueError(
        `augment.colorShift: shift lists ${shifts.length} channels, the image ${fmtShape(s.image.shape)} has ${c}`,
      );
    if (pca > 0 && c < 3)
      throw new ShapeError(
        `augment.colorShift: pca needs an RGB image (3 or 4 channels), got ${fmtShape(s.image.shape)}`,
      );
    const offset = new Float64Array(c);
    // A single shift leaves alpha alone (RGBA images); a per-channel list says exactly what moves.
    for (let k = 0; k < c; k++) offset[k] = uniform(g, -1, 1) * (shifts ? shifts[k] : c === 4 && k === 3 ? 0 : shift);
    if (pca > 0) {
      const basis =
        basisOpt === 'imagenet' ? IMAGENET_COLOR_BASIS : basisOpt === 'image' ? colorPca(s.image, range) : basisOpt;
      for (let i = 0; i < 3; i++) {
        const a = g.normal() * pca * basis.values[i];
        for (let k = 0; k < 3; k++) offset[k] += range * a * basis.vectors[i][k];
      }
    }
    const src = s.image.data,
      out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i] + offset[i % c];
      out[i] = clamp ? Math.min(range, Math.max(0, v)) : v;
    }
    return { ...s, image: new Tensor(out, s.image.shape) };
  });
}

/** Options of {@link warp}. */
export interface WarpOptions extends GeometricOptions {
  /** Root-mean-square displacement in pixels (default 2). */
  alpha?: number;
  /**
   * Smoothness: the Gaussian's standard deviation in pixels over which neighbouring displacements agree (default 4).
   */
  sigma?: number;
}

/**
 * Local (elastic) warping, after Simard et al. 2003: a random displacement field, smoothed by a
 * Gaussian of `sigma` pixels and scaled to `alpha` pixels RMS, bends the image locally (handwriting
 * wobble). Points and boxes follow; keep alpha below about sigma so the warp stays one-to-one.
 */
export function warp(opts: WarpOptions = {}): Transform {
  checkOptions('augment.warp', opts, ['alpha', 'sigma', ...GEOMETRIC_KEYS]);
  const o = checkGeometric('warp', opts);
  const alpha = checkNum('warp', 'alpha', opts.alpha ?? 2, 0);
  const sigma = checkNum('warp', 'sigma', opts.sigma ?? 4, 0.5);
  return geometric('warp', o, (g, h, w) => {
    const dx = smoothField(g, h, w, sigma, alpha),
      dy = smoothField(g, h, w, sigma, alpha);
    return fieldGeometry(dx, dy, h, w);
  });
}

/** Uniform noise smoothed by a Gaussian of `sigma` pixels and scaled to RMS `alpha`, at h x w. */
function smoothField(g: Rng, h: number, w: number, sigma: number, alpha: number): Float32Array {
  // Noise on a coarser grid (step sigma/2, so the Gaussian spans 2 grid cells) smooths the same way
  // and costs far less; bilinear upsampling adds no structure finer than the step.
  const step = Math.max(1, sigma / 2),
    gs = sigma / step;
  const gh = Math.ceil(h / step) + 1,
    gw = Math.ceil(w / step) + 1;
  const noise = new Float64Array(gh * gw);
  for (let i = 0; i < noise.length; i++) noise[i] = uniform(g, -1, 1);
  const rad = Math.ceil(3 * gs),
    k = new Float64Array(2 * rad + 1);
  for (let i = 0; i < k.length; i++) k[i] = Math.exp(-((i - rad) ** 2) / (2 * gs * gs));
  const f = blurLines(blurLines(noise, k, gw, 1, gh, gw), k, gh, gw, gw, 1);
  const out = new Float32Array(h * w);
  let ss = 0;
  for (let y = 0; y < h; y++) {
    const gy = y / step,
      y0 = Math.floor(gy),
      fy = gy - y0;
    for (let x = 0; x < w; x++) {
      const gx = x / step,
        x0 = Math.floor(gx),
        fx = gx - x0,
        i = y0 * gw + x0;
      const top = f[i] + (f[i + 1] - f[i]) * fx,
        bot = f[i + gw] + (f[i + gw + 1] - f[i + gw]) * fx;
      const v = top + (bot - top) * fy;
      out[y * w + x] = v;
      ss += v * v;
    }
  }
  const scale = ss > 0 ? alpha / Math.sqrt(ss / out.length) : 0;
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/**
 * Convolves `count` lines of `n` values (element stride `stride`, line stride `lineStride`) with kernel k, clamping at
 * the ends.
 */
function blurLines(
  src: Float64Array,
  k: Float64Array,
  n: number,
  stride: number,
  count: number,
  lineStride: number,
): Float64Array {
  const out = new Float64Array(src.length),
    rad = (k.length - 1) >> 1;
  for (let l = 0; l < count; l++) {
    const base = l * lineStride;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let t = 0; t < k.length; t++) {
        const j = i + t - rad;
        v += k[t] * src[base + (j < 0 ? 0 : j >= n ? n - 1 : j) * stride];
      }
      out[base + i * stride] = v;
    }
  }
  return out;
}

// ---------- pipelines ----------

/** Options of {@link compose}. */
export interface ComposeOptions {
  /** Seed of the random stream (a seeded augmenter gives the same sequence of results). */
  seed?: number;
}

/** Chains transforms into one seeded augmenter: `compose([mirror(), rotate({ maxDegrees: 10 })], { seed: 1 })`. */
export function compose(transforms: readonly Transform[], opts: ComposeOptions = {}): Augmenter {
  checkOptions('augment.compose', opts, ['seed']);
  if (!Array.isArray(transforms))
    throw new ValueError(`augment.compose: expected a list of transforms, got ${typeof transforms}`);
  transforms.forEach((t, i) => {
    if (typeof t?.transformName !== 'string' || typeof t.apply !== 'function')
      throw new ValueError(
        `augment.compose: item ${i} is not a transform (use augment.mirror(), augment.rotate(), ...)`,
      );
  });
  const list = [...transforms];
  const make = (seed: number | undefined): Augmenter => {
    const g = makeRng(seed);
    const where = `augment.compose([${list.map((t) => t.transformName).join(', ')}])`;
    const fn = (input: unknown) => run(where, input, (s) => list.reduce((acc, t) => t.apply(acc, g), s));
    return Object.assign(fn, { withSeed: (sd: number) => make(sd), transforms: list }) as unknown as Augmenter;
  };
  if (opts.seed !== undefined && !Number.isFinite(opts.seed))
    throw new ValueError(`augment.compose: seed must be a finite number, got ${opts.seed}`);
  return make(opts.seed);
}

/** Options of {@link augmentedDataset}. */
export interface AugmentedDatasetOptions {
  /** Images per batch (default 32). */
  batchSize?: number;
  /** Seed for shuffling and augmenting; epoch e uses a stream derived from (seed, e), so runs repeat exactly. */
  seed?: number;
  /** Shuffle the samples every epoch (default true). */
  shuffle?: boolean;
}

/**
 * A dataset for model.fit that augments every batch as it is drawn: each epoch shuffles x / y and
 * passes each batch of images through `augmenter` (labels are unchanged), so every epoch sees new
 * variants. `augmenter` is a compose() result or any function from a batch [N,H,W,C] to a batch.
 */
export function augmentedDataset(
  x: Tensor,
  y: Tensor,
  augmenter: Augmenter | ((batch: Tensor) => Tensor),
  opts: AugmentedDatasetOptions = {},
): (epoch: number) => Iterable<Batch> {
  checkOptions('augment.augmentedDataset', opts, ['batchSize', 'seed', 'shuffle']);
  checkImage('augment.augmentedDataset', x, true);
  if (!(y instanceof Tensor) || y.rank < 1 || y.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `augment.augmentedDataset: labels must be a Tensor with ${x.shape[0]} rows like x ${fmtShape(x.shape)}, got ${y instanceof Tensor ? fmtShape(y.shape) : typeof y}`,
    );
  }
  if (typeof augmenter !== 'function')
    throw new ValueError('augment.augmentedDataset: augmenter must be a function (e.g. augment.compose([...]))');
  const batchSize = checkNum('augmentedDataset', 'batchSize', opts.batchSize ?? 32, 1);
  if (!Number.isInteger(batchSize))
    throw new ValueError(`augment.augmentedDataset: batchSize must be a whole number, got ${batchSize}`);
  const { seed, shuffle = true } = opts;
  const n = x.shape[0],
    xRow = x.size / n,
    yRow = y.size / n;
  return function* (epoch: number) {
    const epochSeed = seed === undefined ? undefined : (seed * 1000003 + epoch * 7919) >>> 0;
    const aug = epochSeed !== undefined && 'withSeed' in augmenter ? augmenter.withSeed(epochSeed) : augmenter;
    const idx = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      const g = makeRng(epochSeed === undefined ? undefined : epochSeed ^ 0x5bd1e995);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(g.next() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
    }
    for (let b = 0; b < n; b += batchSize) {
      const rows = idx.slice(b, b + batchSize);
      const xs = new Float32Array(rows.length * xRow),
        ys = new Float32Array(rows.length * yRow);
      rows.forEach((r, k) => {
        xs.set(x.data.subarray(r * xRow, (r + 1) * xRow), k * xRow);
        ys.set(y.data.subarray(r * yRow, (r + 1) * yRow), k * yRow);
      });
      const batch = new Tensor(xs, [rows.length, ...x.shape.slice(1)]);
      yield { xs: (aug as (t: Tensor) => Tensor)(batch), ys: new Tensor(ys, [rows.length, ...y.shape.slice(1)]) };
    }
  };
}
