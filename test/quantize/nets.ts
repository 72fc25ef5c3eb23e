// Shared by the quantisation tests: seeded inputs, relative error, and a small net with every int8 step kind.
import { layers, model, Tensor } from '../../src';
import type { Model } from '../../src';
import { sizeOf } from '../../src/tensor';
import { expect } from 'vitest';

/** Values in [-1, 1) from a seeded LCG. */
export function seeded(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = sizeOf(shape);
  return new Tensor(
    Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1),
    shape,
  );
}

/** Root mean square of (a - b) over that of a; fails on a value of b that is not finite. */
export function relError(a: Tensor, b: Tensor): number {
  let e = 0,
    s = 0;
  for (let i = 0; i < a.size; i++) {
    expect(Number.isFinite(b.data[i])).toBe(true);
    e += (a.data[i] - b.data[i]) ** 2;
    s += a.data[i] ** 2;
  }
  return Math.sqrt(e / s);
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
  h = layers.add({ name: 'sum' }).apply([h, p]);
  h = layers
    .conv2d({ filters: 9, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', seed: 4, name: 'c5' })
    .apply(h);
  h = layers.globalAveragePooling2d().apply(h);
  const y = layers.dense({ units: 7, seed: 5, name: 'out' }).apply(h);
  return model({ inputs: x, outputs: y as never });
}

/**
 * Residual blocks of both kinds on [h, w, c] inputs: ResNet's (two 3x3 convs, add, then ReLU as its own layer) and
 * MobileNetV2's (1x1 then 3x3, linear add), each sum read by the next int8 conv; then a last add that only float
 * pooling reads, and a dense layer.
 */
export function residualNet(h = 9, w = 10, c = 8): Model {
  const x = layers.input({ shape: [h, w, c] });
  const conv = (k: number, act: 'relu' | 'relu6' | 'linear', name: string, seed: number) =>
    layers.conv2d({ filters: c, kernelSize: k, padding: 'same', activation: act, seed, name });
  const h0 = conv(3, 'relu', 'stem', 1).apply(x);
  let b = conv(3, 'relu', 'r1a', 2).apply(h0);
  b = conv(3, 'linear', 'r1b', 3).apply(b);
  const h1 = layers.activation({ activation: 'relu' }).apply(layers.add().apply([b, h0]));
  b = conv(1, 'relu6', 'm1a', 4).apply(h1);
  b = conv(3, 'linear', 'm1b', 5).apply(b);
  const h2 = layers.add().apply([h1, b]);
  b = conv(1, 'linear', 'last', 6).apply(h2);
  let y = layers.add().apply([b, h2]);
  y = layers.globalAveragePooling2d().apply(y);
  y = layers.dense({ units: 5, seed: 7, name: 'out' }).apply(y);
  return model({ inputs: x, outputs: y as never });
}

/**
 * Tiny-YOLO blocks (face-api's detector in small): conv 3x3 valid, leaky ReLU, max pool 2/2 same; depthwise 3x3 and
 * pointwise conv, leaky ReLU, max pool 2/1 same; a 1x1 head. Input 15x13x3.
 */
export function tinyYoloNet(alpha = 0.1): Model {
  const x = layers.input({ shape: [15, 13, 3] });
  let h = layers.conv2d({ filters: 16, kernelSize: 3, seed: 31, name: 'c0' }).apply(x);
  h = layers.leakyReLU({ alpha }).apply(h);
  h = layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(h);
  h = layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, seed: 32, name: 'dw' }).apply(h);
  h = layers.conv2d({ filters: 20, kernelSize: 1, seed: 33, name: 'pw' }).apply(h);
  h = layers.leakyReLU({ alpha }).apply(h);
  h = layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h);
  const y = layers.conv2d({ filters: 10, kernelSize: 1, seed: 34, name: 'head' }).apply(h);
  return model({ inputs: x, outputs: y as never });
}
