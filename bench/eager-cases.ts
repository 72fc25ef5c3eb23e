// The eager op cases of bench/eager.ts (Node) and bench/browser.ts --ops (Chromium): the shapes of bench/RESULTS.md
// where eager calls trailed TF.js wasm, each as a convkit call and the same TF.js call.
import { ops, type Tensor } from '../src';
import type * as Tf from '@tensorflow/tfjs';

/** One op: its input shapes, convkit's call and TF.js's. */
export interface EagerCase {
  name: string;
  inputs: number[][];
  ck: (xs: Tensor[]) => Tensor;
  tf: (tf: typeof Tf, xs: any[]) => Tf.Tensor;
}

export const EAGER_CASES: EagerCase[] = [
  {
    name: '1x1 conv 28x28x192 -> 16',
    inputs: [
      [1, 28, 28, 192],
      [1, 1, 192, 16],
    ],
    ck: ([x, w]) => ops.conv2d(x, w),
    tf: (tf, [x, w]) => tf.conv2d(x, w, 1, 'valid'),
  },
  {
    name: '5x5 conv 28x28x192 -> 32 same',
    inputs: [
      [1, 28, 28, 192],
      [5, 5, 192, 32],
    ],
    ck: ([x, w]) => ops.conv2d(x, w, { padding: 'same' }),
    tf: (tf, [x, w]) => tf.conv2d(x, w, 1, 'same'),
  },
  {
    name: 'max pool 2x2/2 112x112x64',
    inputs: [[1, 112, 112, 64]],
    ck: ([x]) => ops.maxPool2d(x, { poolSize: 2 }),
    tf: (tf, [x]) => tf.maxPool(x, 2, 2, 'valid'),
  },
  { name: 'relu 56x56x64', inputs: [[1, 56, 56, 64]], ck: ([x]) => ops.relu(x), tf: (tf, [x]) => tf.relu(x) },
  { name: 'relu 112x112x32', inputs: [[1, 112, 112, 32]], ck: ([x]) => ops.relu(x), tf: (tf, [x]) => tf.relu(x) },
  {
    name: 'sigmoid 56x56x64',
    inputs: [[1, 56, 56, 64]],
    ck: ([x]) => ops.sigmoid(x),
    tf: (tf, [x]) => tf.sigmoid(x),
  },
];

/** The three ways a case runs: convkit leaving outputs to the garbage collector, convkit disposing, TF.js disposing. */
export const EAGER_IMPLS = ['convkit', 'convkit + dispose', 'TF.js wasm + dispose'] as const;

/** The runners of one case on the given inputs (convkit tensors and TF.js tensors made from the same values). */
export function eagerRunners(c: EagerCase, tf: typeof Tf, xs: Tensor[], txs: Tf.Tensor[]): (() => void)[] {
  return [() => void c.ck(xs), () => c.ck(xs).dispose(), () => c.tf(tf, txs).dispose()];
}
