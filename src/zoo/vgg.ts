// VGG-16 as in the notes and Keras: [CONV 64]x2, POOL, [CONV 128]x2, POOL, [CONV 256]x3, POOL,
// [CONV 512]x3, POOL, [CONV 512]x3, POOL, FC 4096, FC 4096, softmax. Every conv is 3x3, stride 1,
// 'same'; every pool 2x2, stride 2. Layer names follow Keras (block1_conv1 ... fc1, fc2, predictions)
// so Keras VGG16 weights converted to the TF.js format load by name. 138,357,544 parameters.
import * as layers from '../layers';
import type { InitializerSpec } from '../layers/initializers';
import { Layer } from '../layers';
import { Sequential } from '../models';
import { ValueError, fmtValue } from '../errors';
import { positive, imageShape } from './options';
import { checkOptions } from '../options';

/** Options of zoo.vgg16 (Keras names). */
export interface VGG16Args {
  /** Include the three dense layers (default true); without them the output is the last pool. */
  includeTop?: boolean;
  inputShape?: [number, number, number];
  classes?: number;
  /** Without the top: 'avg' adds a global average pooling so the output is [N, 512]. */
  pooling?: 'avg' | null;
  seed?: number;
  /** Initialiser of every kernel (default 'glorotUniform'; 'zeros' builds the model fast, e.g. to count). */
  kernelInitializer?: InitializerSpec;
}

const BLOCKS: [number, number][] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

/** VGG-16. */
export function vgg16(args: VGG16Args = {}): Sequential {
  checkOptions('vgg16', args, ['includeTop', 'inputShape', 'classes', 'pooling', 'seed', 'kernelInitializer']);
  const includeTop = args.includeTop ?? true;
  const inputShape = imageShape('vgg16', args.inputShape ?? [224, 224, 3]);
  const classes = positive('vgg16', 'classes', args.classes ?? 1000);
  const pooling = args.pooling ?? null;
  const kernelInitializer = args.kernelInitializer;
  if (pooling !== null && pooling !== 'avg')
    throw new ValueError(`vgg16: pooling must be 'avg' or null, got ${fmtValue(pooling)}`);
  const stack: Layer[] = [];
  BLOCKS.forEach(([filters, n], b) => {
    for (let i = 1; i <= n; i++) {
      stack.push(
        layers.conv2d({
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer,
          name: `block${b + 1}_conv${i}`,
          ...(stack.length === 0 ? { inputShape } : {}),
        }),
      );
    }
    stack.push(layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }));
  });
  if (includeTop) {
    stack.push(
      layers.flatten({ name: 'flatten' }),
      layers.dense({ units: 4096, activation: 'relu', kernelInitializer, name: 'fc1' }),
      layers.dense({ units: 4096, activation: 'relu', kernelInitializer, name: 'fc2' }),
      layers.dense({ units: classes, activation: 'softmax', kernelInitializer, name: 'predictions' }),
    );
  } else if (pooling === 'avg') stack.push(layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }));
  return new Sequential(stack, { name: 'vgg16', seed: args.seed });
}
