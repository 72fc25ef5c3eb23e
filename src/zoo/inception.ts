// The inception module of the notes: 1x1, 1x1 -> 3x3, 1x1 -> 5x5 and 3x3 max pool -> 1x1 branches,
// each 'same' with ReLU, concatenated along the channels. The 1x1 "bottleneck" convs before the
// 3x3 and 5x5 cut the cost about tenfold (the notes' 120M -> 12.4M multiplies example).
import * as layers from '../layers';
import { SymbolicTensor } from '../layers';
import { Model } from '../models';
import { ValueError } from '../errors';
import { positive } from './options';
import { checkOptions } from '../options';

/** Filters of each branch (the columns of the notes' GoogLeNet table). */
export interface InceptionModuleArgs {
  filters1x1: number;
  filters3x3Reduce: number;
  filters3x3: number;
  filters5x5Reduce: number;
  filters5x5: number;
  poolProj: number;
  /** Name of the module (e.g. inception_3a); its layers are named <name>_1x1, <name>_3x3_reduce, ... */
  name?: string;
}

const KEYS = ['filters1x1', 'filters3x3Reduce', 'filters3x3', 'filters5x5Reduce', 'filters5x5', 'poolProj'] as const;
let moduleCount = 0;

/**
 * Applies an inception module to x. The module is a nested model named `name`, so a model's
 * summary() shows it as one row (inception_3a, ...) with its parameters and multiply-adds.
 */
export function inceptionModule(x: SymbolicTensor, args: InceptionModuleArgs): SymbolicTensor {
  checkOptions('inceptionModule', args, [...KEYS, 'name']);
  if (!(x instanceof SymbolicTensor) || x.rank !== 4 || x.shape[3] === null) {
    throw new ValueError(
      `inceptionModule: expected a symbolic [N,H,W,C] tensor with known channels (from layers.input / layer.apply), got ${String(x)}`,
    );
  }
  const f = Object.fromEntries(KEYS.map((k) => [k, positive('inceptionModule', k, args?.[k])])) as Record<
    (typeof KEYS)[number],
    number
  >;
  const name = args.name ?? `inception${moduleCount++ === 0 ? '' : `_${moduleCount - 1}`}`;
  const input = layers.input({ shape: x.shape.slice(1) as number[], name: `${name}_input` });
  const conv = (t: SymbolicTensor, filters: number, k: number, id: string): SymbolicTensor =>
    layers
      .conv2d({ filters, kernelSize: k, padding: 'same', activation: 'relu', name: `${name}_${id}` })
      .apply(t) as SymbolicTensor;
  const b1 = conv(input, f.filters1x1, 1, '1x1');
  const b3 = conv(conv(input, f.filters3x3Reduce, 1, '3x3_reduce'), f.filters3x3, 3, '3x3');
  const b5 = conv(conv(input, f.filters5x5Reduce, 1, '5x5_reduce'), f.filters5x5, 5, '5x5');
  const pooled = layers
    .maxPooling2d({ poolSize: 3, strides: 1, padding: 'same', name: `${name}_pool` })
    .apply(input) as SymbolicTensor;
  const bp = conv(pooled, f.poolProj, 1, 'pool_proj');
  const out = layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([b1, b3, b5, bp]) as SymbolicTensor;
  return new Model({ inputs: input, outputs: out, name }).apply(x) as SymbolicTensor;
}
