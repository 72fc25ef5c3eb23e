// TensorFlow.js 4.22 as the peer in benchmarks: loads its 'cpu' and 'wasm' backends in Node and builds
// closures that run the same shapes as convkit's cases. Each closure reads its result back (dataSync),
// as convkit's kernels copy theirs out of WebAssembly memory, then frees it.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { ConvGeometry } from '../src/backend/kernels';

export type Tf = typeof tf;
export type TfBackend = 'cpu' | 'wasm';
export type Runner = () => void;

let loaded = false;

/** Loads TF.js with the wasm backend pointed at the package's own dist/ folder (resolved, not hard-coded). */
export async function loadTf(): Promise<Tf> {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
    loaded = true;
  }
  return tf;
}

/** Makes a TF.js backend active; tensors must be created after this call. */
export async function useTf(name: TfBackend): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend '${name}' failed to initialise`);
  await tf.ready();
}

const uniform = (shape: number[]) => tf.randomUniform(shape, -0.5, 0.5, 'float32', 1);
// Wraps an op so its output is read back and freed, and its inputs are freed by dispose().
function runner(inputs: tf.Tensor[], op: () => tf.Tensor): Runner & { dispose(): void } {
  const f = (() => {
    const y = op();
    y.dataSync();
    y.dispose();
  }) as Runner & { dispose(): void };
  f.dispose = () => inputs.forEach((t) => t.dispose());
  return f;
}

/** 'valid' when the geometry has no padding, else TF's 'same' (the conv cases use TF's 'same' rule). */
function padMode(g: ConvGeometry): 'same' | 'valid' {
  return g.padTop === 0 && g.padLeft === 0 && g.outH === Math.floor((g.inH - g.fH) / g.strideH) + 1 ? 'valid' : 'same';
}

export type ConvOp = 'forward' | 'backprop input' | 'backprop filter';

/** One kernel of a 2D conv case (depthwise when multiplier is given); forward fuses bias + ReLU like convkit's. */
export function tfConv(g: ConvGeometry, op: ConvOp, multiplier?: number): Runner & { dispose(): void } {
  const pad = padMode(g),
    strides: [number, number] = [g.strideH, g.strideW];
  const xShape: [number, number, number, number] = [g.batch, g.inH, g.inW, g.inC];
  const fShape: [number, number, number, number] = [g.fH, g.fW, g.inC, multiplier ?? g.outC];
  const x = uniform(xShape) as tf.Tensor4D,
    w = uniform(fShape) as tf.Tensor4D,
    b = uniform([g.outC]) as tf.Tensor1D;
  const dy = uniform([g.batch, g.outH, g.outW, g.outC]) as tf.Tensor4D;
  const eng = tf.engine(),
    inputs = [x, w, b, dy];
  if (multiplier) {
    const attrs = { strides, pad, dilations: 1, inputShape: xShape, filterShape: fShape } as any;
    if (op === 'forward') return runner(inputs, () => tf.depthwiseConv2d(x, w, strides, pad));
    if (op === 'backprop input')
      return runner(
        inputs,
        () => eng.runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, attrs) as tf.Tensor,
      );
    return runner(inputs, () => eng.runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs) as tf.Tensor);
  }
  const attrs = { strides, pad, dataFormat: 'NHWC', inputShape: xShape, filterShape: fShape } as any;
  if (op === 'forward')
    return runner(inputs, () => tf.fused.conv2d({ x, filter: w, strides, pad, bias: b, activation: 'relu' }));
  if (op === 'backprop input')
    return runner(inputs, () => eng.runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs) as tf.Tensor);
  return runner(inputs, () => eng.runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor);
}

/** C = A·B with A [m,k], B [k,n]. */
export function tfMatmul(m: number, k: number, n: number): Runner & { dispose(): void } {
  const a = uniform([m, k]) as tf.Tensor2D,
    b = uniform([k, n]) as tf.Tensor2D;
  return runner([a, b], () => tf.matMul(a, b));
}

/** Gram matrix of an [hw, c] activation: Aᵀ·A, as matMul(A, A, true, false). */
export function tfGram(hw: number, c: number): Runner & { dispose(): void } {
  const a = uniform([hw, c]) as tf.Tensor2D;
  return runner([a], () => tf.matMul(a, a, true, false));
}

/** Max or average pooling of an NHWC input, forward or backward ('valid' padding). */
export function tfPool(
  kind: 'max' | 'avg',
  backward: boolean,
  shape: [number, number, number, number],
  pool: number,
  stride: number,
): Runner & { dispose(): void } {
  const x = uniform(shape) as tf.Tensor4D;
  const y = kind === 'max' ? tf.maxPool(x, pool, stride, 'valid') : tf.avgPool(x, pool, stride, 'valid');
  const dy = uniform(y.shape) as tf.Tensor4D;
  const attrs = { filterSize: pool, strides: stride, pad: 'valid' } as any,
    eng = tf.engine();
  if (!backward)
    return runner([x, y, dy], () =>
      kind === 'max' ? tf.maxPool(x, pool, stride, 'valid') : tf.avgPool(x, pool, stride, 'valid'),
    );
  return runner(
    [x, y, dy],
    () =>
      (kind === 'max'
        ? eng.runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs)
        : eng.runKernel('AvgPoolGrad', { dy, input: x }, attrs)) as tf.Tensor,
  );
}

/** An elementwise op on a [n] input (b repeats over the last axis for 'bias add'); softmax over [rows, cols]. */
export function tfEltwise(
  op: 'relu' | 'sigmoid' | 'bias add' | 'softmax',
  n: number,
  inner: number,
): Runner & { dispose(): void } {
  const x = uniform([n / inner, inner]),
    b = uniform([inner]);
  const f = {
    relu: () => tf.relu(x),
    sigmoid: () => tf.sigmoid(x),
    'bias add': () => tf.add(x, b),
    softmax: () => tf.softmax(x),
  }[op];
  return runner([x, b], f);
}

/** The notes' LeNet-5 with ReLU and max pooling, compiled with Adam 0.001 (what zoo.lenet5() builds). */
export function tfLenet5(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return m;
}

/** A batch of n random 28x28x1 images with one-hot labels. */
export function tfBatch(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 10),
        'int32',
      ),
      10,
    )
    .toFloat() as tf.Tensor2D;
  return { x, y };
}
