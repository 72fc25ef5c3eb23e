// Geometric resampling for augmentation. A geometry maps positions both ways: the image is resampled
// backwards (each output pixel reads the input at source(X, Y), bilinear), while boxes and points
// travel forwards (target(x, y)). Coordinates are continuous pixels with pixel i covering [i, i + 1),
// so its centre is i + 0.5; that makes a mirror X = W - x send pixel i exactly to pixel W - 1 - i.

/**
 * What a sample position outside the input reads: 'constant' (the fill value), 'edge' (the nearest border pixel) or
 * 'reflect' (d c b a | a b c d | d c b a).
 */
export type BorderMode = 'constant' | 'edge' | 'reflect';

/** A mapping between input and output pixel coordinates, plus the output size. */
export interface Geometry {
  readonly outH: number;
  readonly outW: number;
  /** Output position -> input position (where the output pixel reads). */
  source(X: number, Y: number): [number, number];
  /** Input position -> output position (where a box corner or landmark lands). */
  target(x: number, y: number): [number, number];
  /** Fast paths for resample: the output -> input affine matrix, or the displacement at each output pixel centre. */
  readonly inverse?: Affine;
  readonly field?: { dx: Float32Array; dy: Float32Array };
}

/** A 2x3 affine matrix [a, b, c, d, e, f]: X = a x + b y + c, Y = d x + e y + f. */
export type Affine = readonly [number, number, number, number, number, number];

/** The product A·B (apply B first, then A). */
export function affineMul(A: Affine, B: Affine): Affine {
  return [
    A[0] * B[0] + A[1] * B[3],
    A[0] * B[1] + A[1] * B[4],
    A[0] * B[2] + A[1] * B[5] + A[2],
    A[3] * B[0] + A[4] * B[3],
    A[3] * B[1] + A[4] * B[4],
    A[3] * B[2] + A[4] * B[5] + A[5],
  ];
}

/** The inverse of an invertible affine matrix. */
export function affineInv(M: Affine): Affine {
  const [a, b, c, d, e, f] = M;
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** M applied about the point (cx, cy) instead of the origin. */
export const affineAbout = (M: Affine, cx: number, cy: number): Affine =>
  affineMul([1, 0, cx, 0, 1, cy], affineMul(M, [1, 0, -cx, 0, 1, -cy]));

/** A geometry from a forward affine matrix (input -> output) and the output size. */
export function affineGeometry(M: Affine, outH: number, outW: number): Geometry {
  const I = affineInv(M);
  return {
    outH,
    outW,
    inverse: I,
    source: (X, Y) => [I[0] * X + I[1] * Y + I[2], I[3] * X + I[4] * Y + I[5]],
    target: (x, y) => [M[0] * x + M[1] * y + M[2], M[3] * x + M[4] * y + M[5]],
  };
}

/**
 * A geometry from a displacement field given at the pixel centres of an h x w image (same size in and
 * out): the output position P reads the input at P + D(P), D interpolated bilinearly. Points move by
 * solving P + D(P) = q with fixed-point steps, which converge while the field is smooth (|∇D| < 1).
 */
export function fieldGeometry(dx: Float32Array, dy: Float32Array, h: number, w: number): Geometry {
  const at = (f: Float32Array, X: number, Y: number): number => {
    const sx = Math.min(Math.max(X - 0.5, 0), w - 1),
      sy = Math.min(Math.max(Y - 0.5, 0), h - 1);
    const x0 = Math.min(Math.floor(sx), w - 1),
      y0 = Math.min(Math.floor(sy), h - 1);
    const x1 = Math.min(x0 + 1, w - 1),
      y1 = Math.min(y0 + 1, h - 1),
      fx = sx - x0,
      fy = sy - y0;
    const top = f[y0 * w + x0] + (f[y0 * w + x1] - f[y0 * w + x0]) * fx;
    const bot = f[y1 * w + x0] + (f[y1 * w + x1] - f[y1 * w + x0]) * fx;
    return top + (bot - top) * fy;
  };
  return {
    outH: h,
    outW: w,
    field: { dx, dy },
    source: (X, Y) => [X + at(dx, X, Y), Y + at(dy, X, Y)],
    target: (x, y) => {
      let X = x,
        Y = y;
      for (let i = 0; i < 30; i++) {
        const nX = x - at(dx, X, Y),
          nY = y - at(dy, X, Y);
        const done = Math.abs(nX - X) + Math.abs(nY - Y) < 1e-6;
        X = nX;
        Y = nY;
        if (done) break;
      }
      return [X, Y];
    },
  };
}

// Positions within this distance of a whole pixel read that pixel exactly, so 90° rotations and
// mirrors copy values instead of blending them with rounding noise (cos 90° is 6e-17, not 0).
const SNAP = 1e-6;

/** Resamples one image [h, w, c] (row-major data) through a geometry: bilinear, with the given border mode. */
export function resample(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  g: Geometry,
  border: BorderMode,
  fill: number,
): Float32Array {
  const { outH, outW } = g;
  const out = new Float32Array(outH * outW * c);
  const inside = (i: number, n: number): number => {
    if (i >= 0 && i < n) return i;
    if (border === 'edge') return i < 0 ? 0 : n - 1;
    if (border === 'reflect') {
      const m = ((i % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    return -1; // constant: the caller reads `fill`
  };
  const idx = new Int32Array(4),
    wt = new Float64Array(4);
  const I = g.inverse,
    F = g.field;
  for (let Y = 0; Y < outH; Y++) {
    for (let X = 0; X < outW; X++) {
      const o = (Y * outW + X) * c;
      // Pixel centres in, pixel indices out (the -0.5 / +0.5 shifts of the centre convention).
      let sx: number, sy: number;
      if (I) {
        sx = I[0] * (X + 0.5) + I[1] * (Y + 0.5) + I[2] - 0.5;
        sy = I[3] * (X + 0.5) + I[4] * (Y + 0.5) + I[5] - 0.5;
      } else if (F) {
        sx = X + F.dx[Y * outW + X];
        sy = Y + F.dy[Y * outW + X];
      } else {
        [sx, sy] = g.source(X + 0.5, Y + 0.5);
        sx -= 0.5;
        sy -= 0.5;
      }
      const rx = Math.round(sx),
        ry = Math.round(sy);
      if (Math.abs(sx - rx) < SNAP) sx = rx;
      if (Math.abs(sy - ry) < SNAP) sy = ry;
      if (!Number.isFinite(sx) || !Number.isFinite(sy)) {
        out.fill(fill, o, o + c);
        continue;
      }
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy),
        fx = sx - x0,
        fy = sy - y0;
      const xa = inside(x0, w),
        xb = inside(x0 + 1, w),
        ya = inside(y0, h),
        yb = inside(y0 + 1, h);
      idx[0] = ya < 0 || xa < 0 ? -1 : (ya * w + xa) * c;
      idx[1] = ya < 0 || xb < 0 ? -1 : (ya * w + xb) * c;
      idx[2] = yb < 0 || xa < 0 ? -1 : (yb * w + xa) * c;
      idx[3] = yb < 0 || xb < 0 ? -1 : (yb * w + xb) * c;
      wt[0] = (1 - fx) * (1 - fy);
      wt[1] = fx * (1 - fy);
      wt[2] = (1 - fx) * fy;
      wt[3] = fx * fy;
      for (let k = 0; k < c; k++) {
        let v = 0;
        for (let q = 0; q < 4; q++) {
          if (wt[q] === 0) continue; // also skips out-of-range neighbours that carry no weight
          v += wt[q] * (idx[q] < 0 ? fill : src[idx[q] + k]);
        }
        out[o + k] = v;
      }
    }
  }
  return out;
}
