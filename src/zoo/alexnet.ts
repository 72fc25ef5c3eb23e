// AlexNet as in the course notes (single stream, no local response normalisation): 227x227x3,
// 96@11x11/4, max pool 3x3/2, 256@5x5 same, pool, 384, 384, 256 @3x3 same, pool, dense 4096, 4096,
// classes. 62,378,344 parameters with 1000 classes.
import * as layers from '../layers';
import type { InitializerSpec } from '../layers/initializers';
import { Sequential } from '../models';
import { positive, imageShape } from './options';
import { checkOptions } from '../options';

/** Options of zoo.alexnet. */
export interface AlexNetArgs {
  inputShape?: [number, number, number];
  classes?: number;
  /** Dropout rate before each hidden dense layer (0.5 as in the paper; 0 leaves the layers out). */
  dropout?: number;
  seed?: number;
  /** Initialiser of every kernel (default 'glorotUniform'; 'zeros' builds a big model fast, e.g. to count). */
  kernelInitializer?: InitializerSpec;
}

/** AlexNet (single stream, ReLU, max pooling, dropout 0.5 in the dense layers). */
export function alexnet(args: AlexNetArgs = {}): Sequential {
  checkOptions('alexnet', args, ['inputShape', 'classes', 'dropout', 'seed', 'kernelInitializer']);
  const inputShape = imageShape('alexnet', args.inputShape ?? [227, 227, 3]);
  const classes = positive('alexnet', 'classes', args.classes ?? 1000);
  const rate = args.dropout ?? 0.5;
  const kernelInitializer = args.kernelInitializer;
  const conv = (name: string, filters: number, kernelSize: number, strides = 1, padding: 'same' | 'valid' = 'same') =>
    layers.conv2d({ filters, kernelSize, strides, padding, activation: 'relu', kernelInitializer, name });
  const pool = (name: string) => layers.maxPooling2d({ poolSize: 3, strides: 2, name });
  const drop = (name: string) => (rate > 0 ? [layers.dropout({ rate, name })] : []);
  return new Sequential(
    [
      layers.conv2d({
        filters: 96,
        kernelSize: 11,
        strides: 4,
        activation: 'relu',
        kernelInitializer,
        inputShape,
        name: 'conv1',
      }),
      pool('pool1'),
      conv('conv2', 256, 5),
      pool('pool2'),
      conv('conv3', 384, 3),
      conv('conv4', 384, 3),
      conv('conv5', 256, 3),
      pool('pool5'),
      layers.flatten({ name: 'flatten' }),
      ...drop('drop6'),
      layers.dense({ units: 4096, activation: 'relu', kernelInitializer, name: 'fc6' }),
      ...drop('drop7'),
      layers.dense({ units: 4096, activation: 'relu', kernelInitializer, name: 'fc7' }),
      layers.dense({ units: classes, activation: 'softmax', kernelInitializer, name: 'predictions' }),
    ],
    { name: 'alexnet', seed: args.seed },
  );
}
