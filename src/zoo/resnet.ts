// ResNets (He et al. 2015) from residual blocks, functional API. Depth 50 is exactly Keras's
// ResNet50 (bottleneck blocks, stride in the first 1x1, biases on every conv, batch-norm epsilon
// 1.001e-5, Keras layer names such as conv2_block1_1_conv), 25,636,712 parameters, so Keras weights
// converted to the TF.js format load by name. Depths 18 and 34 use basic blocks (two 3x3 convs)
// without conv biases, as the paper and torchvision: 11,689,512 and 21,797,672 trainable parameters.
import * as layers from '../layers';
import { SymbolicTensor } from '../layers';
import { Model, model } from '../models';
import { ValueError, fmtValue } from '../errors';
import { positive, imageShape } from './options';
import { checkOptions } from '../options';

/** Options of zoo.residualBlock. */
export interface ResidualBlockArgs {
  /** Channels of the block's convs; a bottleneck block outputs 4 x filters. */
  filters: number;
  /** Stride of the block (2 halves height and width). Default 1. */
  strides?: number;
  /** Bottleneck (1x1, 3x3, 1x1 x4) instead of basic (3x3, 3x3). Default false. */
  bottleneck?: boolean;
  /**
   * Shortcut: 'identity' adds the input as it is, 'projection' passes it through a 1x1 conv
   * (stride `strides`) and batch norm. Default: projection exactly when the shape changes.
   */
  shortcut?: 'identity' | 'projection';
  /** Bias on the convolutions (default true for bottleneck blocks, as Keras; false for basic). */
  useBias?: boolean;
  /** Batch-norm epsilon (default 1.001e-5, as Keras's ResNets). */
  epsilon?: number;
  /** Prefix of the layer names (Keras style: conv2_block1 gives conv2_block1_1_conv, ...). */
  name?: string;
}

let blockCount = 0;

/**
 * A residual block on a symbolic tensor: a[l+2] = relu(z[l+2] + shortcut(a[l])), the notes' skip
 * connection. Returns the block's output tensor.
 */
export function residualBlock(x: SymbolicTensor, args: ResidualBlockArgs): SymbolicTensor {
  checkOptions('residualBlock', args, ['filters', 'strides', 'bottleneck', 'shortcut', 'useBias', 'epsilon', 'name']);
  if (!(x instanceof SymbolicTensor) || x.rank !== 4)
    throw new ValueError(
      `residualBlock: expected a symbolic [N,H,W,C] tensor (from layers.input / layer.apply), got ${String(x)}`,
    );
  const filters = positive('residualBlock', 'filters', args?.filters);
  const strides = positive('residualBlock', 'strides', args.strides ?? 1);
  const bottleneck = args.bottleneck ?? false;
  const useBias = args.useBias ?? bottleneck;
  const epsilon = args.epsilon ?? 1.001e-5;
  const name = args.name ?? `res_block${blockCount++ === 0 ? '' : `_${blockCount - 1}`}`;
  const outC = bottleneck ? 4 * filters : filters;
  const shortcut = args.shortcut ?? (strides !== 1 || x.shape[3] !== outC ? 'projection' : 'identity');
  if (shortcut !== 'identity' && shortcut !== 'projection')
    throw new ValueError(
      `residualBlock '${name}': shortcut must be 'identity' or 'projection', got ${fmtValue(shortcut)}`,
    );
  if (shortcut === 'identity' && (strides !== 1 || x.shape[3] !== outC)) {
    throw new ValueError(
      `residualBlock '${name}': an identity shortcut needs stride 1 and ${outC} input channels, got stride ${strides} and input ${String(x)}; use shortcut: 'projection'`,
    );
  }
  const conv = (t: SymbolicTensor, f: number, k: number, s: number, id: string): SymbolicTensor =>
    layers
      .conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', useBias, name: `${name}_${id}_conv` })
      .apply(t) as SymbolicTensor;
  const bn = (t: SymbolicTensor, id: string): SymbolicTensor =>
    layers.batchNormalization({ epsilon, name: `${name}_${id}_bn` }).apply(t) as SymbolicTensor;
  const relu = (t: SymbolicTensor, id: string): SymbolicTensor =>
    layers.activation({ activation: 'relu', name: `${name}_${id}` }).apply(t) as SymbolicTensor;

  const short = shortcut === 'projection' ? bn(conv(x, outC, 1, strides, '0'), '0') : x;
  let y: SymbolicTensor;
  if (bottleneck) {
    y = relu(bn(conv(x, filters, 1, strides, '1'), '1'), '1_relu');
    y = relu(bn(conv(y, filters, 3, 1, '2'), '2'), '2_relu');
    y = bn(conv(y, outC, 1, 1, '3'), '3');
  } else {
    y = relu(bn(conv(x, filters, 3, strides, '1'), '1'), '1_relu');
    y = bn(conv(y, filters, 3, 1, '2'), '2');
  }
  const sum = layers.add({ name: `${name}_add` }).apply([short, y]) as SymbolicTensor;
  return relu(sum, 'out');
}

/** Options of zoo.resnet (Keras names). */
export interface ResNetArgs {
  depth?: 18 | 34 | 50;
  includeTop?: boolean;
  inputShape?: [number, number, number];
  classes?: number;
  /** Without the top: 'avg' adds global average pooling so the output is [N, channels]. */
  pooling?: 'avg' | null;
  seed?: number;
}

const STAGES: Record<number, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] };

/** ResNet-18, -34 or -50 (default 50, Keras's ResNet50). */
export function resnet(args: ResNetArgs = {}): Model {
  checkOptions('resnet', args, ['depth', 'includeTop', 'inputShape', 'classes', 'pooling', 'seed']);
  const depth = args.depth ?? 50;
  if (!(depth in STAGES)) throw new ValueError(`resnet: depth must be 18, 34 or 50, got ${fmtValue(depth)}`);
  const includeTop = args.includeTop ?? true;
  const inputShape = imageShape('resnet', args.inputShape ?? [224, 224, 3]);
  const classes = positive('resnet', 'classes', args.classes ?? 1000);
  const pooling = args.pooling ?? null;
  if (pooling !== null && pooling !== 'avg')
    throw new ValueError(`resnet: pooling must be 'avg' or null, got ${fmtValue(pooling)}`);
  const bottleneck = depth === 50;
  const useBias = bottleneck;

  const input = layers.input({ shape: inputShape, name: 'input_1' });
  let x = layers
    .zeroPadding2d({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'conv1_pad',
    })
    .apply(input) as SymbolicTensor;
  x = layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, useBias, name: 'conv1_conv' }).apply(x) as SymbolicTensor;
  x = layers.batchNormalization({ epsilon: 1.001e-5, name: 'conv1_bn' }).apply(x) as SymbolicTensor;
  x = layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as SymbolicTensor;
  x = layers
    .zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    })
    .apply(x) as SymbolicTensor;
  x = layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as SymbolicTensor;
  STAGES[depth].forEach((blocks, s) => {
    const filters = 64 << s;
    for (let b = 1; b <= blocks; b++) {
      // The first block of stages 3-5 halves the resolution (Keras's stride1=2).
      x = residualBlock(x, {
        filters,
        strides: b === 1 && s > 0 ? 2 : 1,
        bottleneck,
        useBias,
        name: `conv${s + 2}_block${b}`,
      });
    }
  });
  if (includeTop) {
    x = layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as SymbolicTensor;
    x = layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x) as SymbolicTensor;
  } else if (pooling === 'avg') x = layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as SymbolicTensor;
  return model({ inputs: input, outputs: x, name: `resnet${depth}`, seed: args.seed });
}
