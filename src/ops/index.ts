// ops: stateless tensor ops, each differentiable op recording its backward with the autodiff tape.
// The public surface, named one by one: geometry helpers, option checkers and kernel geometry stay
// inside the library (layers and exporters import them from their files).
export { convOutputSize, samePadding } from './geometry';
export type { Padding } from './geometry';
export { reshape, flatten, expandDims, squeeze, transpose, concat, stack, slice, pad, gather, broadcastTo, reverse } from './shape';
export {
  add, sub, mul, div, maximum, minimum, pow, neg, abs, square, sqrt, exp, log, relu, sigmoid, tanh, softplus, elu,
  leakyRelu, rsqrt, reciprocal, hardSigmoid, hardSwish, clip, activation, ACTIVATIONS,
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
  maxPool2d, avgPool2d, maxPool1d, avgPool1d, maxPool3d, avgPool3d,
  globalAvgPool2d, globalMaxPool2d, globalAvgPool1d, globalMaxPool1d, globalAvgPool3d, globalMaxPool3d,
} from './pool';
export type { PoolOptions } from './pool';
export { resize2d } from './resize';
export type { ResizeOptions, CoordinateMode, NearestMode } from './resize';
export { softmax, logSoftmax, softmaxCrossEntropy, sparseSoftmaxCrossEntropy, sigmoidCrossEntropy } from './softmax';
export { batchNorm } from './norm';
export { gram } from './gram';
export { rng, randomNormal, truncatedNormal, randomUniform, dropout, oneHot } from './random';
export type { Rng } from './random';
export type { TensorOrNumber } from './util';
