// Pooling over NDHWC data (1D/2D/3D): max and average windows on the pool kernels (padded cells are
// ignored by both, as in Keras/TF), and global pooling as a reduction over the spatial axes.
import { acquire } from '../backend/pool';
import { Tensor } from '../tensor';
import { record, isFusedReluOutput, reluMasked } from '../autograd/tape';
import { kernels } from '../backend';
import type { PoolGeometry } from '../backend/kernels';
import { ShapeError, fmtShape } from '../errors';
import { checkTensor, checkOutputSize } from './util';
import { checkOptions } from '../options';
import { Padding, spatialParam, windowGeometry } from './geometry';
import { max } from './reduce';

/** Options of the pooling ops (strides default to poolSize, padding to 'valid'). */
export interface PoolOptions {
  poolSize?: number | number[];
  strides?: number | number[];
  padding?: Padding;
}
const LAYOUT: Record<number, string> = { 1: '[N,L,C]', 2: '[N,H,W,C]', 3: '[N,D,H,W,C]' };

function pool(op: string, kind: 'max' | 'avg', r: number, x: Tensor, opts: PoolOptions): Tensor {
  checkTensor(x, op);
  checkOptions(op, opts, ['poolSize', 'strides', 'padding']);
  const { g, shape } = poolGeometry(op, r, x.shape, opts);
  const k = kernels();
  const y = new Tensor(kind === 'max' ? k.maxPool(x.data, g) : k.avgPool(x.data, g), shape);
  return record([x], y, (dy) => {
    if (kind === 'avg') return [new Tensor(kernels().avgPoolBackward(dy.data, g), x.shape)];
    // x a fused ReLU output whose gradient goes only to that ReLU: fold its mask in here
    const relu = isFusedReluOutput(x),
      dx = new Tensor(kernels().maxPoolBackward(x.data, dy.data, g, relu), x.shape);
    return [relu ? reluMasked(dx) : dx];
  });
}

/** The geometry and output shape of pooling an input of shape xShape (validated); inference plans use it too. */
export function poolGeometry(
  op: string,
  r: number,
  xShape: readonly number[],
  opts: PoolOptions,
): { g: PoolGeometry; shape: number[] } {
  const rank = xShape.length;
  if (rank !== r + 2 && rank !== r + 1)
    throw new ShapeError(`${op}: expected input ${LAYOUT[r]}, got ${fmtShape(xShape)}`);
  const xs = rank === r + 2 ? xShape : [1, ...xShape];
  const size = spatialParam(op, 'poolSize', opts.poolSize ?? 2, r);
  const strides = spatialParam(op, 'strides', opts.strides ?? size, r);
  const inSize = xs.slice(1, r + 1);
  if (inSize.some((n) => n === 0)) throw new ShapeError(`${op}: empty spatial size in input ${fmtShape(xShape)}`);
  const { out, pads } = windowGeometry(
    op,
    'pool',
    inSize,
    size,
    strides,
    size.map(() => 1),
    opts.padding ?? 'valid',
    `input ${fmtShape(xShape)}, poolSize ${fmtShape(size)}`,
  );
  const lift = (v: number[], fill: number): number[] => [...new Array<number>(3 - r).fill(fill), ...v];
  const [inD, inH, inW] = lift(inSize, 1),
    [outD, outH, outW] = lift(out, 1),
    [poolD, poolH, poolW] = lift(size, 1);
  const [strideD, strideH, strideW] = lift(strides, 1),
    [padFront, padTop, padLeft] = lift(
      pads.map((p) => p[0]),
      0,
    );
  const g: PoolGeometry = {
    batch: xs[0],
    channels: xs[r + 1],
    inD,
    inH,
    inW,
    outD,
    outH,
    outW,
    poolD,
    poolH,
    poolW,
    strideD,
    strideH,
    strideW,
    padFront,
    padTop,
    padLeft,
  };
  const shape = rank === r + 2 ? [xs[0], ...out, xs[r + 1]] : [...out, xs[r + 1]];
  checkOutputSize(op, shape, `input ${fmtShape(xShape)}`);
  return { g, shape };
}

/**
 * 2D max pooling over [N,H,W,C] (or [H,W,C]); default 2x2 windows, stride = poolSize. Tied maxima: each
 * window's gradient goes wholly to its first maximal cell in row-major order (as TensorFlow), on every backend.
 */
export const maxPool2d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('maxPool2d', 'max', 2, x, opts);
/** 2D average pooling (padded cells are not counted). */
export const avgPool2d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('avgPool2d', 'avg', 2, x, opts);
/** 1D max pooling over [N,L,C]. */
export const maxPool1d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('maxPool1d', 'max', 1, x, opts);
/** 1D average pooling over [N,L,C]. */
export const avgPool1d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('avgPool1d', 'avg', 1, x, opts);
/** 3D max pooling over [N,D,H,W,C]. */
export const maxPool3d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('maxPool3d', 'max', 3, x, opts);
/** 3D average pooling over [N,D,H,W,C]. */
export const avgPool3d = (x: Tensor, opts: PoolOptions = {}): Tensor => pool('avgPool3d', 'avg', 3, x, opts);

function global(op: string, kind: 'avg' | 'max', r: number, x: Tensor): Tensor {
  checkTensor(x, op);
  if (x.rank !== r + 2) throw new ShapeError(`${op}: expected input ${LAYOUT[r]}, got ${fmtShape(x.shape)}`);
  if (kind === 'avg') return globalAvg(x);
  return max(
    x,
    Array.from({ length: r }, (_, i) => i + 1),
  );
}

/** Mean over the spatial cells of [N, ...spatial, C] in one pass (f64 sums), no index map. */
function globalAvg(x: Tensor): Tensor {
  const n = x.shape[0],
    c = x.shape[x.rank - 1],
    cells = n && c ? x.size / (n * c) : 0;
  const y = acquire(n * c),
    xd = x.data,
    acc = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    acc.fill(0);
    for (let i = b * cells * c, end = i + cells * c; i < end; i += c) for (let k = 0; k < c; k++) acc[k] += xd[i + k];
    for (let k = 0; k < c; k++) y[b * c + k] = acc[k] / cells;
  }
  return record([x], new Tensor(y, [n, c]), (dy) => {
    // each cell gets 1/cells of its channel's gradient
    const dx = new Float32Array(x.size);
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < c; k++) {
        const g = dy.data[b * c + k] * (1 / cells);
        for (let i = b * cells * c + k, end = (b + 1) * cells * c; i < end; i += c) dx[i] = g;
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}

/** Mean over H and W: [N,H,W,C] → [N,C]. */
export const globalAvgPool2d = (x: Tensor): Tensor => global('globalAvgPool2d', 'avg', 2, x);
/** Max over H and W: [N,H,W,C] → [N,C]; tied maxima share the gradient equally (a reduction, as tf.reduceMax). */
export const globalMaxPool2d = (x: Tensor): Tensor => global('globalMaxPool2d', 'max', 2, x);
/** Mean over L: [N,L,C] → [N,C]. */
export const globalAvgPool1d = (x: Tensor): Tensor => global('globalAvgPool1d', 'avg', 1, x);
/** Max over L: [N,L,C] → [N,C]. */
export const globalMaxPool1d = (x: Tensor): Tensor => global('globalMaxPool1d', 'max', 1, x);
/** Mean over D, H and W: [N,D,H,W,C] → [N,C]. */
export const globalAvgPool3d = (x: Tensor): Tensor => global('globalAvgPool3d', 'avg', 3, x);
/** Max over D, H and W: [N,D,H,W,C] → [N,C]. */
export const globalMaxPool3d = (x: Tensor): Tensor => global('globalMaxPool3d', 'max', 3, x);
