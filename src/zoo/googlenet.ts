// GoogLeNet (Inception v1) as in the notes' table: conv 7x7/2, max pool, conv 1x1 + 3x3, max pool,
// inception 3a-3b, max pool, 4a-4e, max pool, 5a-5b, average pool 7x7, dropout 40%, linear +
// softmax. Local response normalisation is left out (later work found it unnecessary).
// With auxiliaryClassifiers the model has three outputs [main, aux1 (after 4a), aux2 (after 4d)],
// each side branch: average pool 5x5/3, conv 1x1 128, dense 1024, dropout 70%, dense + softmax.
import * as layers from '../layers';
import { SymbolicTensor } from '../layers';
import { Model, model } from '../models';
import { inceptionModule, InceptionModuleArgs } from './inception';
import { positive, imageShape } from './options';
import { checkOptions } from '../options';

/** Options of zoo.googlenet. */
export interface GoogLeNetArgs {
  /** Add the two side classifiers after inception 4a and 4d (default false). */
  auxiliaryClassifiers?: boolean;
  inputShape?: [number, number, number];
  classes?: number;
  seed?: number;
}

/**
 * One row of the GoogLeNet table: module name and its filter counts (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool
 * proj).
 */
export type Row = [string, number, number, number, number, number, number];
/** The notes' table: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj of each module. */
export const GOOGLENET_MODULES: readonly Row[] = [
  ['3a', 64, 96, 128, 16, 32, 32],
  ['3b', 128, 128, 192, 32, 96, 64],
  ['4a', 192, 96, 208, 16, 48, 64],
  ['4b', 160, 112, 224, 24, 64, 64],
  ['4c', 128, 128, 256, 24, 64, 64],
  ['4d', 112, 144, 288, 32, 64, 64],
  ['4e', 256, 160, 320, 32, 128, 128],
  ['5a', 256, 160, 320, 32, 128, 128],
  ['5b', 384, 192, 384, 48, 128, 128],
];

/** GoogLeNet; rows of its summary are named as in the notes (inception_3a ... inception_5b). */
export function googlenet(args: GoogLeNetArgs = {}): Model {
  checkOptions('googlenet', args, ['auxiliaryClassifiers', 'inputShape', 'classes', 'seed']);
  const aux = args.auxiliaryClassifiers ?? false;
  const inputShape = imageShape('googlenet', args.inputShape ?? [224, 224, 3]);
  const classes = positive('googlenet', 'classes', args.classes ?? 1000);
  const apply = (l: layers.Layer, t: SymbolicTensor): SymbolicTensor => l.apply(t) as SymbolicTensor;
  const conv = (t: SymbolicTensor, filters: number, k: number, name: string, strides = 1): SymbolicTensor =>
    apply(layers.conv2d({ filters, kernelSize: k, strides, padding: 'same', activation: 'relu', name }), t);
  const pool = (t: SymbolicTensor, name: string): SymbolicTensor =>
    apply(layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name }), t);
  const side = (t: SymbolicTensor, name: string): SymbolicTensor => {
    let y = apply(layers.averagePooling2d({ poolSize: 5, strides: 3, name: `${name}_pool` }), t);
    y = conv(y, 128, 1, `${name}_conv`);
    y = apply(layers.flatten({ name: `${name}_flatten` }), y);
    y = apply(layers.dense({ units: 1024, activation: 'relu', name: `${name}_fc` }), y);
    y = apply(layers.dropout({ rate: 0.7, name: `${name}_dropout` }), y);
    return apply(layers.dense({ units: classes, activation: 'softmax', name: `${name}_predictions` }), y);
  };

  const input = layers.input({ shape: inputShape, name: 'input' });
  let x = conv(input, 64, 7, 'conv1_7x7', 2);
  x = pool(x, 'pool1_3x3');
  x = conv(x, 64, 1, 'conv2_3x3_reduce');
  x = conv(x, 192, 3, 'conv2_3x3');
  x = pool(x, 'pool2_3x3');
  const sides: SymbolicTensor[] = [];
  for (const [id, ...f] of GOOGLENET_MODULES) {
    if (id === '4a' || id === '5a') x = pool(x, `pool${id[0] === '4' ? 3 : 4}_3x3`);
    const [filters1x1, filters3x3Reduce, filters3x3, filters5x5Reduce, filters5x5, poolProj] = f;
    const m: InceptionModuleArgs = {
      filters1x1,
      filters3x3Reduce,
      filters3x3,
      filters5x5Reduce,
      filters5x5,
      poolProj,
      name: `inception_${id}`,
    };
    x = inceptionModule(x, m);
    if (aux && (id === '4a' || id === '4d')) sides.push(side(x, `aux${sides.length + 1}`));
  }
  x = apply(layers.globalAveragePooling2d({ name: 'pool5_7x7' }), x);
  x = apply(layers.dropout({ rate: 0.4, name: 'dropout' }), x);
  const out = apply(layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }), x);
  return model({ inputs: input, outputs: aux ? [out, ...sides] : out, name: 'googlenet', seed: args.seed });
}
