// The eager op cases of bench/eager.ts (Node) and bench/browser.ts --ops (Chromium): the shapes of bench/RESULTS.md
// where eager calls trailed TF.js wasm, each as a convkit call and the same TF.js call.
import { backend, ops, tensor, type Tensor } from '../src';
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

/**
 * The ways a case runs: convkit leaving outputs to the garbage collector; convkit disposing each output, its inputs
 * plain arrays (copied into WebAssembly memory per call) or outputs of earlier ops (on the threads builds they live
 * in WebAssembly memory, as in a chain, and TF.js's inputs do); convkit disposing with every output copied out
 * (the path before resident outputs, and of builds without shared memory); TF.js wasm disposing.
 */
export const EAGER_IMPLS = [
  'convkit',
  'convkit + dispose',
  'convkit + dispose, inputs from ops',
  'convkit + dispose, copy-out',
  'TF.js wasm + dispose',
] as const;

/** The runners of one case on the given inputs (convkit tensors and TF.js tensors made from the same values). */
export function eagerRunners(c: EagerCase, tf: typeof Tf, xs: Tensor[], txs: Tf.Tensor[]): (() => void)[] {
  // x * 1 is x exactly, and it comes out of a kernel: where outputs reside, so do these inputs
  const chained = xs.map((x) => ops.mul(x, tensor(new Float32Array(x.size).fill(1), x.shape)));
  return [
    () => void c.ck(xs),
    () => c.ck(xs).dispose(),
    () => c.ck(chained).dispose(),
    () => {
      backend.setResidentOutputs(false);
      try {
        c.ck(xs).dispose();
      } finally {
        backend.setResidentOutputs(true);
      }
    },
    () => c.tf(tf, txs).dispose(),
  ];
}

/** A markdown row: the case, ms per implementation, then TF.js's time over convkit + dispose (plain and chained). */
export function eagerRow(name: string, ms: number[]): string {
  const t = ms[ms.length - 1];
  return `| ${name} | ${ms.map((v) => v.toFixed(3)).join(' | ')} | ${(t / ms[1]).toFixed(2)}x | ${(t / ms[2]).toFixed(2)}x |`;
}

/** The table's header. */
export const EAGER_HEADER = `| case | ${EAGER_IMPLS.join(' ms | ')} ms | TF.js / convkit + dispose | TF.js / inputs from ops |\n|---|${'---:|'.repeat(EAGER_IMPLS.length + 2)}`;
