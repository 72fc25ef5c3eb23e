// Keras-style layers: factories with Keras option names (camelCase), the classes, initialisers,
// and a registry to rebuild layers from their Keras { class_name, config } form.
/**
 * Keras layers with Keras option names in camelCase; `fromConfig` rebuilds them from Keras's `{ class_name, config }`.
 *
 * @example
 * ```ts
 * import { layers, model, Sequential } from 'convkit';
 * const net = new Sequential([
 *   layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
 *   layers.maxPooling2d({ poolSize: 2 }),
 *   layers.flatten(),
 *   layers.dense({ units: 10, activation: 'softmax' }),
 * ]);
 * // the functional API: branches and merges
 * const x = layers.input({ shape: [8] });
 * const y = layers.add().apply([layers.dense({ units: 4 }).apply(x), layers.dense({ units: 4 }).apply(x)]);
 * const twoBranches = model({ inputs: x, outputs: y });
 * ```
 * @module
 */
import { ModelFormatError, ConvkitError } from '../errors';
import { Layer, LayerArgs } from './base';
import { Conv1D, Conv2D, Conv3D, DepthwiseConv2D, ConvArgs, DepthwiseConv2DArgs } from './conv';
import {
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  PoolArgs,
} from './pooling';
import { InputLayer, Dense, Flatten, Activation, Dropout, DenseArgs } from './core';
import { BatchNormalization, BatchNormalizationArgs } from './normalization';
import { Add, Concatenate, Multiply, Subtract } from './merge';
import { ZeroPadding2D } from './padding';
import { ReLU, LeakyReLU, PReLU, Softmax, L2Normalize, ZeroChannels } from './extra';
import { Conv2DTranspose, Conv2DTransposeArgs } from './convtranspose';
import { Reshape, Permute, Slice } from './reshaping';
import { UpSampling2D, Resizing, ResizingArgs } from './resizing';
import { Rescaling, RescalingValue } from './rescaling';
import { deserializeInitializer } from './initializers';
import type { ActivationName } from './activations';

export { Layer, SymbolicTensor, fmtSymShape, deriveSeed, resetNames } from './base';
export type { LayerArgs, CallArgs, SymShape, LayerNode, InputSpec } from './base';
export * as initializers from './initializers';
export type { ActivationName } from './activations';
export { Conv, Conv1D, Conv2D, Conv3D, DepthwiseConv2D } from './conv';
export type { ConvArgs, DepthwiseConv2DArgs } from './conv';
export {
  Pool,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
} from './pooling';
export type { PoolArgs } from './pooling';
export { InputLayer, Dense, Flatten, Activation, Dropout, input } from './core';
export type { DenseArgs } from './core';
export { BatchNormalization } from './normalization';
export type { BatchNormalizationArgs } from './normalization';
export { Add, Concatenate, Multiply, Subtract } from './merge';
export { ZeroPadding2D } from './padding';
export { ReLU, LeakyReLU, PReLU, Softmax, reLU, leakyReLU, L2Normalize, ZeroChannels } from './extra';
export { Conv2DTranspose } from './convtranspose';
export type { Conv2DTransposeArgs } from './convtranspose';
export { Reshape, Permute, Slice } from './reshaping';
export { UpSampling2D, Resizing } from './resizing';
export type { ResizingArgs } from './resizing';
export { Rescaling } from './rescaling';
export type { RescalingValue } from './rescaling';
export type { ReLUArgs } from './extra';

/** 1D convolution over [N, L, C]. */
export const conv1d = (a: ConvArgs): Conv1D => new Conv1D(a);
/** 2D convolution over [N, H, W, C] (cross-correlation, as in Keras). */
export const conv2d = (a: ConvArgs): Conv2D => new Conv2D(a);
/** 3D convolution over [N, D, H, W, C]. */
export const conv3d = (a: ConvArgs): Conv3D => new Conv3D(a);
/** Depthwise 2D convolution. */
export const depthwiseConv2d = (a: DepthwiseConv2DArgs): DepthwiseConv2D => new DepthwiseConv2D(a);
/** 1D max pooling. */
export const maxPooling1d = (a?: PoolArgs): MaxPooling1D => new MaxPooling1D(a);
/** 2D max pooling. */
export const maxPooling2d = (a?: PoolArgs): MaxPooling2D => new MaxPooling2D(a);
/** 3D max pooling. */
export const maxPooling3d = (a?: PoolArgs): MaxPooling3D => new MaxPooling3D(a);
/** 1D average pooling. */
export const averagePooling1d = (a?: PoolArgs): AveragePooling1D => new AveragePooling1D(a);
/** 2D average pooling (padded cells are not counted, as in Keras). */
export const averagePooling2d = (a?: PoolArgs): AveragePooling2D => new AveragePooling2D(a);
/** 3D average pooling. */
export const averagePooling3d = (a?: PoolArgs): AveragePooling3D => new AveragePooling3D(a);
/** Global average pooling: [N, H, W, C] -> [N, C] ([N, 1, 1, C] with keepdims). */
export const globalAveragePooling2d = (a?: LayerArgs & { keepdims?: boolean }): GlobalAveragePooling2D =>
  new GlobalAveragePooling2D(a);
/** Global max pooling: [N, H, W, C] -> [N, C] ([N, 1, 1, C] with keepdims). */
export const globalMaxPooling2d = (a?: LayerArgs & { keepdims?: boolean }): GlobalMaxPooling2D =>
  new GlobalMaxPooling2D(a);
/** Transposed 2D convolution (Keras Conv2DTranspose). */
export const conv2dTranspose = (a: Conv2DTransposeArgs): Conv2DTranspose => new Conv2DTranspose(a);
/** Reshapes every sample (batch axis kept). */
export const reshape = (a: LayerArgs & { targetShape: number[] }): Reshape => new Reshape(a);
/** Permutes the non-batch axes (dims count from 1, as in Keras). */
export const permute = (a: LayerArgs & { dims: number[] }): Permute => new Permute(a);
/** A box of every sample (begin and size exclude the batch axis). */
export const slice = (a: LayerArgs & { begin: number[]; size: number[] }): Slice => new Slice(a);
/** Integer upsampling of height and width (nearest or bilinear). */
export const upSampling2d = (a?: ConstructorParameters<typeof UpSampling2D>[0]): UpSampling2D => new UpSampling2D(a);
/** Resampling to a fixed height and width. */
export const resizing = (a: ResizingArgs): Resizing => new Resizing(a);
/** x · scale + offset with constant (broadcast) scale and offset. */
export const rescaling = (a?: LayerArgs & { scale?: RescalingValue; offset?: RescalingValue }): Rescaling =>
  new Rescaling(a);
/** Elementwise product of several (broadcasting) inputs. */
export const multiply = (a?: LayerArgs): Multiply => new Multiply(a);
/** The first input minus the second (broadcasting). */
export const subtract = (a?: LayerArgs): Subtract => new Subtract(a);
/** PReLU: a learned slope below zero. */
export const pReLU = (a?: ConstructorParameters<typeof PReLU>[0]): PReLU => new PReLU(a);
/** Softmax over an axis as a layer. */
export const softmax = (a?: LayerArgs & { axis?: number }): Softmax => new Softmax(a);
/** Fully connected layer. */
export const dense = (a: DenseArgs): Dense => new Dense(a);
/** Flattens all but the batch axis. */
export const flatten = (a?: LayerArgs): Flatten => new Flatten(a);
/** Applies an activation by name. */
export const activation = (a: LayerArgs & { activation: ActivationName }): Activation => new Activation(a);
/** Batch normalization over the channel axis. */
export const batchNormalization = (a?: BatchNormalizationArgs): BatchNormalization => new BatchNormalization(a);
/** Seeded inverted dropout, active only in training. */
export const dropout = (a: LayerArgs & { rate: number; seed?: number }): Dropout => new Dropout(a);
/** Elementwise sum of several inputs. */
export const add = (a?: LayerArgs): Add => new Add(a);
/** Concatenation of several inputs along an axis. */
export const concatenate = (a?: LayerArgs & { axis?: number }): Concatenate => new Concatenate(a);
/** Zero padding of height and width. */
export const zeroPadding2d = (a?: ConstructorParameters<typeof ZeroPadding2D>[0]): ZeroPadding2D =>
  new ZeroPadding2D(a);

/** A layer class that fromConfig can rebuild. */
export type LayerClass = new (args: any) => Layer;
/** Keras class name -> layer class, for rebuilding layers from configs. */
export const registry = new Map<string, LayerClass>([
  ['InputLayer', InputLayer],
  ['Conv1D', Conv1D],
  ['Conv2D', Conv2D],
  ['Conv3D', Conv3D],
  ['DepthwiseConv2D', DepthwiseConv2D],
  ['MaxPooling1D', MaxPooling1D],
  ['MaxPooling2D', MaxPooling2D],
  ['MaxPooling3D', MaxPooling3D],
  ['AveragePooling1D', AveragePooling1D],
  ['AveragePooling2D', AveragePooling2D],
  ['AveragePooling3D', AveragePooling3D],
  ['GlobalAveragePooling2D', GlobalAveragePooling2D],
  ['Dense', Dense],
  ['Flatten', Flatten],
  ['Activation', Activation],
  ['BatchNormalization', BatchNormalization],
  ['Dropout', Dropout],
  ['Add', Add],
  ['Concatenate', Concatenate],
  ['ZeroPadding2D', ZeroPadding2D],
  ['ReLU', ReLU],
  ['LeakyReLU', LeakyReLU],
  ['PReLU', PReLU],
  ['Softmax', Softmax],
  ['GlobalMaxPooling2D', GlobalMaxPooling2D],
  ['Conv2DTranspose', Conv2DTranspose],
  ['Reshape', Reshape],
  ['Permute', Permute],
  ['Slice', Slice],
  ['UpSampling2D', UpSampling2D],
  ['Resizing', Resizing],
  ['Rescaling', Rescaling],
  ['Multiply', Multiply],
  ['Subtract', Subtract],
  ['UnitNormalization', L2Normalize],
  ['ZeroChannels', ZeroChannels],
]);

/** Registers a custom layer class for fromConfig. */
export function registerLayer(className: string, cls: LayerClass): void {
  registry.set(className, cls);
}

/** Config keys with no counterpart here; dropped when null or at their Keras default. */
const IGNORED = new Set([
  'dtype',
  'data_format',
  'sparse',
  'ragged',
  'kernel_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'kernel_constraint',
  'bias_constraint',
  'depthwise_regularizer',
  'depthwise_constraint',
  'beta_regularizer',
  'gamma_regularizer',
  'beta_constraint',
  'gamma_constraint',
  'noise_shape',
  'synchronized',
  'renorm',
  'renorm_clipping',
  'renorm_momentum',
  'fused',
  'virtual_batch_size',
  'adjustment',
  'trainable',
]);

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The Keras { class_name, config } form of a layer (TF.js Layers format). */
export const serialize = (layer: Layer): { class_name: string; config: Record<string, unknown> } => ({
  class_name: layer.className,
  config: layer.getConfig(),
});

/** Rebuilds a layer from its Keras { class_name, config } form; bad configs throw ModelFormatError. */
export function fromConfig(c: { class_name: string; config: Record<string, any> }): Layer {
  const cls = registry.get(c?.class_name);
  if (!cls)
    throw new ModelFormatError(
      `fromConfig: unknown layer class '${c?.class_name}' (known: ${[...registry.keys()].join(', ')})`,
    );
  const cfg = c.config ?? {};
  const where = `${c.class_name} '${cfg.name ?? '?'}'`;
  if (cfg.data_format !== undefined && cfg.data_format !== 'channels_last')
    throw new ModelFormatError(`${where}: only data_format 'channels_last' is supported, got '${cfg.data_format}'`);
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (v === null || IGNORED.has(k)) continue;
    if (c.class_name === 'InputLayer' && (k === 'batch_input_shape' || k === 'batch_shape')) {
      args.batchShape = v;
      continue;
    }
    const key = camel(k);
    args[key] = key.endsWith('Initializer') ? deserializeInitializer(v, where) : v;
  }
  if (c.class_name === 'BatchNormalization' && Array.isArray(args.axis)) args.axis = (args.axis as number[])[0];
  try {
    const layer = new cls(args);
    if (cfg.trainable === false) layer.trainable = false;
    return layer;
  } catch (e) {
    if (e instanceof ConvkitError && !(e instanceof ModelFormatError))
      throw new ModelFormatError(`fromConfig ${where}: ${e.message}`);
    // a config field of the wrong type that a constructor did not anticipate is still a bad file
    if (e instanceof TypeError || e instanceof RangeError)
      throw new ModelFormatError(`fromConfig ${where}: malformed config (${e.message})`);
    throw e;
  }
}
