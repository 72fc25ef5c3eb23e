// Shared by the quantisation tests: seeded inputs and a small net with every int8 step kind.
import { layers, model, Tensor } from '../../src';
import type { Model } from '../../src';
import { sizeOf } from '../../src/tensor';

/** Values in [-1, 1) from a seeded LCG. */
export function seeded(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = sizeOf(shape);
  return new Tensor(
    Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1),
    shape,
  );
}

/** Conv 3x3 + BN + ReLU, depthwise stride 2 + ReLU6, 1x1 conv, residual add, 5x5 conv, pooling, dense. */
export function smallNet(): Model {
  const x = layers.input({ shape: [13, 11, 3] });
  let h = layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', seed: 1, name: 'c1' }).apply(x);
  h = layers.batchNormalization({ name: 'bn1' }).apply(h);
  h = layers.activation({ activation: 'relu' }).apply(h);
  h = layers
    .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6', seed: 2, name: 'dw' })
    .apply(h);
  const p = layers.conv2d({ filters: 12, kernelSize: 1, seed: 3, name: 'pw' }).apply(h);
  h = layers.add().apply([h, p]);
  h = layers
    .conv2d({ filters: 9, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', seed: 4, name: 'c5' })
    .apply(h);
  h = layers.globalAveragePooling2d().apply(h);
  const y = layers.dense({ units: 7, seed: 5, name: 'out' }).apply(h);
  return model({ inputs: x, outputs: y as never });
}
