// LeNet-5 as in the course notes: 28x28x1 input, conv 6@5x5 'same', pool, conv 16@5x5 'valid',
// pool, dense 120, 84, 10 softmax. relu + max pooling by default; { activation: 'sigmoid',
// pooling: 'avg' } is the 1998 variant.
import { ValueError } from '../errors';
import { checkOptions } from '../options';
import * as layers from '../layers';
import { Sequential } from '../models';

/** Options of zoo.lenet5. */
export interface LeNet5Args {
  activation?: 'relu' | 'sigmoid' | 'tanh';
  pooling?: 'max' | 'avg';
  inputShape?: [number, number, number];
  classes?: number;
  /** Seeds every layer's initialisers (reproducible weights). */
  seed?: number;
}

/** LeNet-5 (about 61.7k parameters on 28x28x1): per-layer params 156, 2416, 48120, 10164, 850. */
export function lenet5(args: LeNet5Args = {}): Sequential {
  checkOptions('lenet5', args, ['activation', 'pooling', 'inputShape', 'classes', 'seed']);
  const { activation = 'relu', pooling = 'max', inputShape = [28, 28, 1], classes = 10, seed } = args;
  if (pooling !== 'max' && pooling !== 'avg')
    throw new ValueError(`lenet5: pooling must be 'max' or 'avg', got '${pooling}'`);
  const pool = (name: string) =>
    pooling === 'max' ? layers.maxPooling2d({ poolSize: 2, name }) : layers.averagePooling2d({ poolSize: 2, name });
  return new Sequential(
    [
      layers.conv2d({ filters: 6, kernelSize: 5, padding: 'same', activation, inputShape, name: 'conv1' }),
      pool('pool1'),
      layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation, name: 'conv2' }),
      pool('pool2'),
      layers.flatten({ name: 'flatten' }),
      layers.dense({ units: 120, activation, name: 'fc3' }),
      layers.dense({ units: 84, activation, name: 'fc4' }),
      layers.dense({ units: classes, activation: 'softmax', name: 'output' }),
    ],
    { name: 'lenet5', seed },
  );
}
