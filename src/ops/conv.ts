// Convolutions (cross-correlation, as in deep learning): conv1d, conv2d, conv3d and depthwiseConv2d.
// Each validates shapes and options once, builds the kernel geometry (1D and 2D are 3D with unit
// depth/height), dispatches to the active backend and records a backward that calls the
// backprop-input/filter kernels only for the inputs that need a gradient.
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import type { ConvGeometry, DepthwiseGeometry } from '../backend/kernels';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, needsGrad, checkOutputSize, reluBackward } from './util';
import { checkOptions } from '../options';
import { Padding, spatialParam, windowGeometry, describeShapes } from './geometry';
import { activation as applyActivation, add, ACTIVATIONS } from './eltwise';

/** Options of conv1d/conv2d/conv3d/depthwiseConv2d (Keras defaults: strides 1, 'valid', dilation 1). */
export interface ConvOptions {
  strides?: number | number[];
  padding?: Padding;
  dilation?: number | number[];
  /** Added per output channel (fused into the kernel for conv1d/2d/3d). */
  bias?: Tensor | null;
  /** 'linear' and 'relu' fuse into the kernel; other names apply after. */
  activation?: string;
}
const CONV_OPTIONS = ['strides', 'padding', 'dilation', 'bias', 'activation'];
const LAYOUT: Record<number, [string, string]> = {
  1: ['[N,L,C]', '[f,inC,outC]'],
  2: ['[N,H,W,C]', '[fH,fW,inC,outC]'],
  3: ['[N,D,H,W,C]', '[fD,fH,fW,inC,outC]'],
};

interface Prepared {
  g: ConvGeometry;
  outShape: number[];
  bias: Tensor | null;
  act: string;
  fused: 'linear' | 'relu';
}

/** Validates a convolution and computes its geometry; r is the number of spatial axes. */
function prepare(op: string, r: number, x: Tensor, w: Tensor, opts: ConvOptions, depthwise: boolean): Prepared {
  checkTensor(x, op, 'input');
  checkTensor(w, op, 'filter');
  checkOptions(op, opts, CONV_OPTIONS);
  const { g, outShape } = convGeometry(op, r, x.shape, w.shape, opts, depthwise);
  const shapes = describeShapes({ input: x.shape, filter: w.shape });
  const bias = opts.bias ?? null;
  if (bias && (checkTensor(bias, op, 'bias').rank !== 1 || bias.size !== g.outC)) {
    throw new ShapeError(`${op}: bias must be [${g.outC}], got ${fmtShape(bias.shape)} (${shapes})`);
  }
  const act = opts.activation ?? 'linear';
  // checked before the kernel runs, so a typo costs no convolution and the error names this op
  if (!(ACTIVATIONS as readonly unknown[]).includes(act)) {
    throw new ValueError(`${op}: unknown activation ${JSON.stringify(act)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  return { g, outShape, bias, act, fused: act === 'relu' ? 'relu' : 'linear' };
}

/**
 * The geometry and output shape of a convolution of an input of shape xShape by filters of shape wShape
 * (validated, with errors naming op and both shapes); inference plans use it too.
 */
export function convGeometry(
  op: string,
  r: number,
  xShape: readonly number[],
  wShape: readonly number[],
  opts: Pick<ConvOptions, 'strides' | 'padding' | 'dilation'>,
  depthwise: boolean,
): { g: ConvGeometry; outShape: number[] } {
  const shapes = describeShapes({ input: xShape, filter: wShape });
  const [xl, wl] = depthwise ? ['[N,H,W,C]', '[fH,fW,inC,multiplier]'] : LAYOUT[r];
  if (xShape.length !== r + 2 && xShape.length !== r + 1)
    throw new ShapeError(`${op}: expected input ${xl}, got ${fmtShape(xShape)} (filter ${fmtShape(wShape)})`);
  if (wShape.length !== r + 2)
    throw new ShapeError(`${op}: expected filter ${wl}, got ${fmtShape(wShape)} (input ${fmtShape(xShape)})`);
  const batched = xShape.length === r + 2;
  const xs = batched ? xShape : [1, ...xShape];
  const inC = xs[r + 1],
    fC = wShape[r];
  if (inC !== fC) {
    // a common slip: channels-first (NCHW) data, or an unbatched [C,H,W] image read as [H,W,C]
    const hint =
      xs[1] === fC
        ? `; the input looks channels-first, convkit expects ${xl}${batched ? '' : ' (or unbatched, without N)'}`
        : '';
    throw new ShapeError(`${op}: input has ${inC} channels but filter expects ${fC} (${shapes})${hint}`);
  }
  const outC = depthwise ? inC * wShape[r + 1] : wShape[r + 1];
  const strides = spatialParam(op, 'strides', opts.strides ?? 1, r);
  const dilation = spatialParam(op, 'dilation', opts.dilation ?? 1, r);
  const f = wShape.slice(0, r);
  if (f.some((k) => k === 0) || xs.slice(1, r + 1).some((n) => n === 0))
    throw new ShapeError(`${op}: empty spatial size (${shapes})`);
  if (inC === 0 || outC === 0) throw new ShapeError(`${op}: input and filter need at least one channel (${shapes})`);
  const { out, pads } = windowGeometry(
    op,
    'filter',
    xs.slice(1, r + 1),
    f,
    strides,
    dilation,
    opts.padding ?? 'valid',
    shapes,
  );
  // lift to 3 spatial axes: missing leading axes have size 1, stride 1, no padding
  const lift = (v: number[], fill: number): number[] => [...new Array<number>(3 - r).fill(fill), ...v];
  const [inD, inH, inW] = lift(xs.slice(1, r + 1), 1),
    [outD, outH, outW] = lift(out, 1),
    [fD, fH, fW] = lift(f, 1);
  const [strideD, strideH, strideW] = lift(strides, 1),
    [dilationD, dilationH, dilationW] = lift(dilation, 1);
  const [padFront, padTop, padLeft] = lift(
    pads.map((p) => p[0]),
    0,
  );
  const g: ConvGeometry = {
    batch: xs[0],
    inD,
    inH,
    inW,
    inC,
    outD,
    outH,
    outW,
    outC,
    fD,
    fH,
    fW,
    strideD,
    strideH,
    strideW,
    dilationD,
    dilationH,
    dilationW,
    padFront,
    padTop,
    padLeft,
  };
  const outShape = batched ? [xs[0], ...out, outC] : [...out, outC];
  checkOutputSize(op, outShape, shapes);
  return { g, outShape };
}

function convN(op: string, r: number, x: Tensor, w: Tensor, opts: ConvOptions): Tensor {
  const { g, outShape, bias, act, fused } = prepare(op, r, x, w, opts, false);
  const inputs = bias ? [x, w, bias] : [x, w];
  const want = needsGrad(inputs);
  const y = new Tensor(kernels().conv(x.data, w.data, g, bias ? bias.data : null, fused), outShape);
  const out = record(
    inputs,
    y,
    (dy, dyReluMasked) => {
      const dz = fused === 'relu' ? reluBackward(y, dy, dyReluMasked) : dy.data;
      return [
        want[0] ? new Tensor(kernels().convBackpropInput(dz, w.data, g), x.shape) : null,
        want[1] ? new Tensor(kernels().convBackpropFilter(x.data, dz, g), w.shape) : null,
        bias && want[2] ? new Tensor(kernels().channelSums(dz, g.outC), bias.shape) : null,
      ];
    },
    fused === 'relu',
  );
  return act === fused ? out : applyActivation(out, act);
}

/** 2D cross-correlation: x [N,H,W,C] (or [H,W,C]), w [fH,fW,inC,outC] → [N,outH,outW,outC]. */
export const conv2d = (x: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor => convN('conv2d', 2, x, w, opts);
/** 1D cross-correlation: x [N,L,C] (or [L,C]), w [f,inC,outC] → [N,outL,outC]. */
export const conv1d = (x: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor => convN('conv1d', 1, x, w, opts);
/** 3D cross-correlation: x [N,D,H,W,C] (or [D,H,W,C]), w [fD,fH,fW,inC,outC] → [N,outD,outH,outW,outC]. */
export const conv3d = (x: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor => convN('conv3d', 3, x, w, opts);

/** Depthwise 2D convolution: x [N,H,W,C], w [fH,fW,C,multiplier] → [N,outH,outW,C·multiplier]. */
export function depthwiseConv2d(x: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor {
  const { g, outShape, bias, act } = prepare('depthwiseConv2d', 2, x, w, opts, true);
  const dg: DepthwiseGeometry = { ...g, multiplier: w.shape[3] };
  const want = needsGrad([x, w]);
  const y = new Tensor(kernels().depthwiseConv(x.data, w.data, dg), outShape);
  const z = record([x, w], y, (dy) => [
    want[0] ? new Tensor(kernels().depthwiseConvBackpropInput(dy.data, w.data, dg), x.shape) : null,
    want[1] ? new Tensor(kernels().depthwiseConvBackpropFilter(x.data, dy.data, dg), w.shape) : null,
  ]);
  return applyActivation(bias ? add(z, bias) : z, act);
}
