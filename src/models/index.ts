// Models: the functional Model, Sequential, summaries and the training loop.
export { Model, model } from './model';
export type { CompileArgs, FitArgs, History, ModelArgs } from './model';
export { Sequential } from './sequential';
export type { Summary, SummaryRow, SummaryOptions } from './summary';
export type { Batch, Dataset } from './data';
export { modelFromConfig } from './config';
export type { KerasConfig } from './config';
