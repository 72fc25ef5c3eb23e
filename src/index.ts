// The public surface of convkit: re-exports only.
export { init, backend, info } from './backend';
export type { BackendInfo, BackendName } from './backend';
export { Tensor, tensor, zeros, ones, fill, scalar } from './tensor';
export type { Shape, NestedArray, TensorLike } from './tensor';
export { grad, grads, valueAndGrads, Variable, variable, noGrad } from './autograd';
export { tidy, keep, dispose, memory, setPoolLimit } from './memory';
export type { PoolInfo } from './memory';
export {
  ConvkitError,
  ShapeError,
  ValueError,
  BackendError,
  ModelFormatError,
  ImageError,
  NumericalError,
  DisposedError,
} from './errors';
export * as detect from './detect';
export * as io from './io';
export * as ops from './ops';
export * as vision from './vision';
export * as layers from './layers';
export { Sequential, model, Model } from './models';
export { losses, optimizers, metrics, callbacks } from './train';
export * as zoo from './zoo';
export { quantize, QuantizedModel } from './quantize';
export type { QuantizeOptions, QuantizeProgress, QuantizeSettings, Ranges, SavedQuantization } from './quantize';
export * as datasets from './datasets';
export * as style from './style';
export * as face from './face';
// The types of the public API, so `import { type History } from 'convkit'` works.
export type {
  CompileArgs,
  FitArgs,
  History,
  ModelArgs,
  Summary,
  SummaryRow,
  SummaryOptions,
  Batch,
  Dataset,
  KerasConfig,
} from './models';
export type { Callback, Logs, ProgressSink } from './train';
export type { Layer, LayerArgs, SymShape, SymbolicTensor, InputSpec } from './layers';
