// Image resizing over [N,H,W,C] (ONNX Resize/Upsample, Keras UpSampling2D and Resizing): nearest
// and bilinear, with ONNX's coordinate transformation and nearest rounding modes. Each output row and
// column reads at most two source rows/columns, so the op precomputes those taps per axis and the
// backward scatters dy through the same taps. Plain TypeScript: it moves memory, it does no maths.
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, checkOutputSize } from './util';
import { checkOptions } from '../options';

/** ONNX coordinate_transformation_mode values (how an output index maps to a source coordinate). */
export const COORDINATE_MODES = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
] as const;
export type CoordinateMode = (typeof COORDINATE_MODES)[number];
/** ONNX nearest_mode values. */
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
export type NearestMode = (typeof NEAREST_MODES)[number];

/** Options of resize2d; defaults are Keras/TF's (half_pixel, round_prefer_ceil for nearest). */
export interface ResizeOptions {
  /** Output [height, width]. */
  size: readonly number[];
  interpolation?: 'nearest' | 'bilinear';
  coordinateTransformation?: CoordinateMode;
  nearestMode?: NearestMode;
  /** Scale per axis when it is not size/input (ONNX Resize given scales, e.g. 0.5 of an odd size). */
  scale?: readonly number[];
}

/** Per output index: up to two source indices and their weights. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
}

function taps(inN: number, outN: number, scale: number, o: Required<Omit<ResizeOptions, 'size' | 'scale'>>): Taps {
  const i0 = new Int32Array(outN),
    i1 = new Int32Array(outN),
    w1 = new Float32Array(outN);
  for (let j = 0; j < outN; j++) {
    let x: number;
    switch (o.coordinateTransformation) {
      case 'half_pixel':
        x = (j + 0.5) / scale - 0.5;
        break;
      case 'pytorch_half_pixel':
        x = outN > 1 ? (j + 0.5) / scale - 0.5 : 0;
        break;
      case 'align_corners':
        x = outN === 1 ? 0 : (j * (inN - 1)) / (outN - 1);
        break;
      case 'asymmetric':
        x = j / scale;
        break;
      default:
        x = (j + 0.5) / scale;
        break;
    }
    if (o.interpolation === 'nearest') {
      const f = Math.floor(x),
        frac = x - f;
      const r =
        o.nearestMode === 'floor'
          ? f
          : o.nearestMode === 'ceil'
            ? Math.ceil(x)
            : o.nearestMode === 'round_prefer_floor'
              ? frac <= 0.5
                ? f
                : f + 1
              : frac < 0.5
                ? f
                : f + 1;
      i0[j] = i1[j] = Math.min(Math.max(r, 0), inN - 1);
    } else {
      const c = Math.min(Math.max(x, 0), inN - 1),
        f = Math.floor(c);
      i0[j] = f;
      i1[j] = Math.min(f + 1, inN - 1);
      w1[j] = c - f;
    }
  }
  return { i0, i1, w1 };
}

/** Resizes [N,H,W,C] images to options.size with nearest or bilinear sampling. */
export function resize2d(x: Tensor, opts: ResizeOptions): Tensor {
  checkTensor(x, 'resize2d');
  checkOptions('resize2d', opts, ['size', 'interpolation', 'coordinateTransformation', 'nearestMode', 'scale']);
  if (x.rank !== 4) throw new ShapeError(`resize2d: expected input [N,H,W,C], got ${fmtShape(x.shape)}`);
  const size = opts?.size;
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(`resize2d: size must be [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  const o = {
    interpolation: opts.interpolation ?? 'bilinear',
    coordinateTransformation: opts.coordinateTransformation ?? 'half_pixel',
    nearestMode: opts.nearestMode ?? 'round_prefer_ceil',
  };
  if (!['nearest', 'bilinear'].includes(o.interpolation))
    throw new ValueError(
      `resize2d: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(o.interpolation)}`,
    );
  if (!COORDINATE_MODES.includes(o.coordinateTransformation))
    throw new ValueError(
      `resize2d: coordinateTransformation must be one of ${COORDINATE_MODES.join(', ')}, got ${JSON.stringify(o.coordinateTransformation)}`,
    );
  if (!NEAREST_MODES.includes(o.nearestMode))
    throw new ValueError(
      `resize2d: nearestMode must be one of ${NEAREST_MODES.join(', ')}, got ${JSON.stringify(o.nearestMode)}`,
    );
  const [n, h, w, c] = x.shape,
    [oh, ow] = size;
  if (h === 0 || w === 0) throw new ShapeError(`resize2d: empty input ${fmtShape(x.shape)}`);
  const scale = opts.scale ?? [oh / h, ow / w];
  if (!Array.isArray(scale) || scale.length !== 2 || scale.some((s) => !(s > 0 && Number.isFinite(s))))
    throw new ValueError(`resize2d: scale must be 2 positive numbers, got ${JSON.stringify(opts.scale)}`);
  checkOutputSize('resize2d', [n, oh, ow, c], `input ${fmtShape(x.shape)}`);
  const ty = taps(h, oh, scale[0], o),
    tx = taps(w, ow, scale[1], o);
  const y = new Float32Array(n * oh * ow * c);
  const xd = x.data;
  // out = Σ over the 2x2 taps of wy·wx·x (nearest: both taps equal, weights 1 and 0)
  const visit = (f: (src: number, dst: number, wt: number) => void): void => {
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        const rows = [ty.i0[i], ty.i1[i]],
          wy = [1 - ty.w1[i], ty.w1[i]];
        for (let j = 0; j < ow; j++) {
          const cols = [tx.i0[j], tx.i1[j]],
            wx = [1 - tx.w1[j], tx.w1[j]];
          const dst = ((b * oh + i) * ow + j) * c;
          for (let a = 0; a < 2; a++) {
            for (let e = 0; e < 2; e++) {
              const wt = wy[a] * wx[e];
              if (wt !== 0) f(((b * h + rows[a]) * w + cols[e]) * c, dst, wt);
            }
          }
        }
      }
    }
  };
  visit((src, dst, wt) => {
    for (let k = 0; k < c; k++) y[dst + k] += wt * xd[src + k];
  });
  return record([x], new Tensor(y, [n, oh, ow, c]), (dy) => {
    const g = new Float32Array(x.size);
    visit((src, dst, wt) => {
      for (let k = 0; k < c; k++) g[src + k] += wt * dy.data[dst + k];
    });
    return [new Tensor(g, x.shape)];
  });
}
