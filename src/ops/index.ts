// ops: stateless tensor ops, each differentiable op recording its backward with the autodiff tape.
export * from './geometry';
export * from './shape';
export * from './eltwise';
export * from './reduce';
export * from './matmul';
export * from './conv';
export * from './pool';
export * from './softmax';
export * from './norm';
export * from './gram';
export * from './random';
export type { TensorOrNumber } from './util';
export * from './convtranspose';
export * from './groupconv';
export * from './resize';
