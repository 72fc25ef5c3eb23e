// ops: stateless tensor ops, each differentiable op recording its backward with the autodiff tape.
// The public surface, named one by one: geometry helpers, option checkers and kernel geometry stay
// inside the library (layers and exporters import them from their files).
/**
 * Stateless tensor ops (NHWC images, `[fH, fW, inC, outC]` filters); each differentiable op records its backward, so
 * `grad` reaches every input.
 *
 * @example
 * ```ts
 * import { tensor, ops } from 'convkit';
 * const a = tensor([[1, 2], [3, 4]]);
 * const p = ops.relu(ops.matmul(a, a));                            // [[7, 10], [15, 22]]
 * const img = tensor([...Array(36)].map((_, i) => (i % 6 < 3 ? 10 : 0)), [1, 6, 6, 1]);
 * const w = tensor([1, 0, -1, 1, 0, -1, 1, 0, -1], [3, 3, 1, 1]);
 * const edges = ops.conv2d(img, w, { strides: 1, padding: 'valid' });   // [1, 4, 4, 1]: 0 30 30 0 per row
 * const pooled = ops.maxPool2d(edges, { poolSize: 2 });             // [1, 2, 2, 1]
 * ```
 * @module
 */
export { convOutputSize, samePadding } from './geometry';
export type { Padding, CheckedPadding } from './geometry';
export {
  reshape,
  flatten,
  expandDims,
  squeeze,
  transpose,
  concat,
  stack,
  slice,
  pad,
  gather,
  broadcastTo,
  reverse,
} from './shape';
export {
  add,
  sub,
  mul,
  div,
  maximum,
  minimum,
  pow,
  neg,
  abs,
  square,
  sqrt,
  exp,
  log,
  relu,
  sigmoid,
  tanh,
  softplus,
  elu,
  leakyRelu,
  rsqrt,
  reciprocal,
  hardSigmoid,
  hardSwish,
  clip,
  activation,
  ACTIVATIONS,
} from './eltwise';
export type { ActivationName } from './eltwise';
export { sum, mean, max, min, argMax, argMin, moments } from './reduce';
export type { Axis } from './reduce';
export { matmul, dense } from './matmul';
export type { MatmulOptions } from './matmul';
export { conv2d, conv1d, conv3d, depthwiseConv2d } from './conv';
export type { ConvOptions } from './conv';
export { conv2dTranspose } from './convtranspose';
export type { ConvTransposeOptions } from './convtranspose';
export { groupConv2d } from './groupconv';
export {
  maxPool2d,
  avgPool2d,
  maxPool1d,
  avgPool1d,
  maxPool3d,
  avgPool3d,
  globalAvgPool2d,
  globalMaxPool2d,
  globalAvgPool1d,
  globalMaxPool1d,
  globalAvgPool3d,
  globalMaxPool3d,
} from './pool';
export type { PoolOptions } from './pool';
export { resize2d, COORDINATE_MODES, NEAREST_MODES } from './resize';
export type { ResizeOptions, CoordinateMode, NearestMode } from './resize';
export { softmax, logSoftmax, softmaxCrossEntropy, sparseSoftmaxCrossEntropy, sigmoidCrossEntropy } from './softmax';
export { batchNorm } from './norm';
export { gram } from './gram';
export { rng, randomNormal, truncatedNormal, randomUniform, dropout, oneHot } from './random';
export type { Rng } from './random';
export type { TensorOrNumber } from './util';
