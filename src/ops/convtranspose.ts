// Transposed 2D convolution (Keras Conv2DTranspose, ONNX ConvTranspose): the gradient of conv2d with
// respect to its input, run forward. It reuses the conv kernels: forward is convBackpropInput, the
// input gradient is conv and the filter gradient is convBackpropFilter with the roles of x and dy swapped.
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import type { ConvGeometry } from '../backend/kernels';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, needsGrad, checkOutputSize } from './util';
import { checkOptions } from '../options';
import { spatialParam, describeShapes } from './geometry';
import { add } from './eltwise';

/** Options of conv2dTranspose. padding: 'valid', 'same' (output = input · stride) or [top, bottom, left, right]. */
export interface ConvTransposeOptions {
  strides?: number | number[];
  padding?: 'valid' | 'same' | readonly number[];
  dilation?: number | number[];
  /** Extra rows/columns at the bottom/right of the output (ONNX output_padding, Keras output_padding). */
  outputPadding?: number | number[];
  bias?: Tensor | null;
}

/** The conv geometry whose input gradient is this transposed convolution, and its output shape. */
export function convTransposeGeometry(
  op: string,
  xShape: readonly number[],
  wShape: readonly number[],
  opts: ConvTransposeOptions,
): { g: ConvGeometry; outShape: number[] } {
  const shapes = describeShapes({ input: xShape, filter: wShape });
  if (xShape.length !== 4)
    throw new ShapeError(`${op}: expected input [N,H,W,C], got ${fmtShape(xShape)} (filter ${fmtShape(wShape)})`);
  if (wShape.length !== 4)
    throw new ShapeError(
      `${op}: expected filter [fH,fW,outC,inC], got ${fmtShape(wShape)} (input ${fmtShape(xShape)})`,
    );
  const [batch, inH, inW, inC] = xShape,
    [fH, fW, outC, fC] = wShape;
  if (fC !== inC) throw new ShapeError(`${op}: input has ${inC} channels but filter expects ${fC} (${shapes})`);
  if ([inH, inW, fH, fW, inC, outC].some((d) => d === 0)) throw new ShapeError(`${op}: empty dimension (${shapes})`);
  const [sH, sW] = spatialParam(op, 'strides', opts.strides ?? 1, 2);
  const [dH, dW] = spatialParam(op, 'dilation', opts.dilation ?? 1, 2);
  const op_ = opts.outputPadding ?? 0;
  const outPad = typeof op_ === 'number' ? [op_, op_] : [...op_];
  if (
    outPad.length !== 2 ||
    outPad.some((p, i) => !Number.isInteger(p) || p < 0 || p >= Math.max([sH, sW][i], [dH, dW][i]))
  ) {
    throw new ValueError(
      `${op}: outputPadding must be 2 non-negative integers below the stride or dilation, got ${JSON.stringify(opts.outputPadding)}`,
    );
  }
  const eH = (fH - 1) * dH + 1,
    eW = (fW - 1) * dW + 1;
  const p = opts.padding ?? 'valid';
  let pads: number[];
  if (p === 'valid') pads = [0, 0, 0, 0];
  else if (p === 'same') {
    const tH = Math.max(eH - sH, 0),
      tW = Math.max(eW - sW, 0);
    pads = [Math.floor(tH / 2), tH - Math.floor(tH / 2), Math.floor(tW / 2), tW - Math.floor(tW / 2)];
  } else if (Array.isArray(p) && p.length === 4 && p.every((v) => Number.isInteger(v) && v >= 0)) pads = [...p];
  else
    throw new ValueError(
      `${op}: padding must be 'valid', 'same' or [top, bottom, left, right], got ${JSON.stringify(p)}`,
    );
  const outH = (inH - 1) * sH + eH - pads[0] - pads[1] + outPad[0];
  const outW = (inW - 1) * sW + eW - pads[2] - pads[3] + outPad[1];
  if (outH <= 0 || outW <= 0)
    throw new ShapeError(`${op}: padding ${JSON.stringify(pads)} leaves an empty output (${shapes})`);
  const outShape = [batch, outH, outW, outC];
  checkOutputSize(op, outShape, shapes);
  // The conv running backwards: its input is our output, its output our input.
  const g: ConvGeometry = {
    batch,
    inD: 1,
    inH: outH,
    inW: outW,
    inC: outC,
    outD: 1,
    outH: inH,
    outW: inW,
    outC: inC,
    fD: 1,
    fH,
    fW,
    strideD: 1,
    strideH: sH,
    strideW: sW,
    dilationD: 1,
    dilationH: dH,
    dilationW: dW,
    padFront: 0,
    padTop: pads[0],
    padLeft: pads[2],
  };
  return { g, outShape };
}

/** Transposed convolution: x [N,H,W,inC], w [fH,fW,outC,inC] (Keras's layout) → [N,outH,outW,outC]. */
export function conv2dTranspose(x: Tensor, w: Tensor, opts: ConvTransposeOptions = {}): Tensor {
  checkTensor(x, 'conv2dTranspose', 'input');
  checkTensor(w, 'conv2dTranspose', 'filter');
  checkOptions('conv2dTranspose', opts, ['strides', 'padding', 'dilation', 'outputPadding', 'bias']);
  const { g, outShape } = convTransposeGeometry('conv2dTranspose', x.shape, w.shape, opts);
  const bias = opts.bias ?? null;
  if (bias && (checkTensor(bias, 'conv2dTranspose', 'bias').rank !== 1 || bias.size !== g.inC)) {
    throw new ShapeError(`conv2dTranspose: bias must be [${g.inC}], got ${fmtShape(bias.shape)}`);
  }
  const want = needsGrad([x, w]);
  const y = new Tensor(kernels().convBackpropInput(x.data, w.data, g), outShape);
  const z = record([x, w], y, (dy) => [
    want[0] ? new Tensor(kernels().conv(dy.data, w.data, g, null, 'linear'), x.shape) : null,
    want[1] ? new Tensor(kernels().convBackpropFilter(dy.data, x.data, g), w.shape) : null,
  ]);
  return bias ? add(z, bias) : z;
}
