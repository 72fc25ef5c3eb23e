// Training: losses, optimizers, metrics, callbacks and the fit() progress output.
export * as losses from './losses';
export * as optimizers from './optimizers';
export * as metrics from './metrics';
export * as callbacks from './callbacks';
export { Optimizer, SGD, Adam, RMSprop } from './optimizers';
export { EarlyStopping } from './callbacks';
export type { Callback, Logs } from './callbacks';
export { ProgressLogger, defaultSink } from './progress';
export type { ProgressSink } from './progress';
