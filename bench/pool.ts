// Pooling and elementwise benchmark cases: each names its convkit kernel call and the TF.js
// equivalent, so bench/run.ts can time both sides on the same shapes.
import type { Kernels, PoolGeometry } from '../src/backend/kernels';
import { tfPool, tfEltwise, type Runner } from './tfjs';

/** A case timed on every implementation; ops counts the work (see `unit`). */
export interface SimpleCase {
  name: string;
  ops: number;
  /** What ops counts: window cells visited (pooling) or elements (elementwise). */
  unit: string;
  convkit(k: Kernels): Runner;
  tf(): Runner & { dispose(): void };
}

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = s / 2147483647 - 0.5;
  }
  return a;
}

// A VGG-style pooling shape: 2x2 stride 2 on 112x112x64, batch 1.
const POOL: PoolGeometry = {
  batch: 1,
  channels: 64,
  inD: 1,
  inH: 112,
  inW: 112,
  outD: 1,
  outH: 56,
  outW: 56,
  poolD: 1,
  poolH: 2,
  poolW: 2,
  strideD: 1,
  strideH: 2,
  strideW: 2,
  padFront: 0,
  padTop: 0,
  padLeft: 0,
};
const POOL_IN = 112 * 112 * 64,
  POOL_OUT = 56 * 56 * 64,
  POOL_SHAPE: [number, number, number, number] = [1, 112, 112, 64];

/** Max and average pooling 2x2/2 on 112x112x64, forward and backward. */
export const POOL_CASES: SimpleCase[] = (['max', 'avg'] as const).flatMap((kind) =>
  [false, true].map((backward): SimpleCase => ({
    name: `${kind} pool 2x2/2 112x112x64 ${backward ? 'backward' : 'forward'}`,
    ops: POOL_OUT * 4,
    unit: 'window cells',
    convkit(k) {
      const x = rand(POOL_IN, 1),
        dy = rand(POOL_OUT, 2);
      if (kind === 'max') return backward ? () => k.maxPoolBackward(x, dy, POOL) : () => k.maxPool(x, POOL);
      return backward ? () => k.avgPoolBackward(dy, POOL) : () => k.avgPool(x, POOL);
    },
    tf: () => tfPool(kind, backward, POOL_SHAPE, 2, 2),
  })),
);

// Activations of a VGG block (56x56x64 = 200,704 values) and a 64x1000 softmax.
const N = 56 * 56 * 64,
  C = 64;

/** ReLU, sigmoid, bias add (b repeating over channels) and row softmax. */
export const ELTWISE_CASES: SimpleCase[] = [
  {
    name: 'relu 56x56x64',
    ops: N,
    unit: 'elements',
    convkit: (k) => {
      const x = rand(N, 3);
      return () => k.unary('relu', x);
    },
    tf: () => tfEltwise('relu', N, C),
  },
  {
    name: 'sigmoid 56x56x64',
    ops: N,
    unit: 'elements',
    convkit: (k) => {
      const x = rand(N, 4);
      return () => k.unary('sigmoid', x);
    },
    tf: () => tfEltwise('sigmoid', N, C),
  },
  {
    name: 'bias add 56x56x64 + 64',
    ops: N,
    unit: 'elements',
    convkit: (k) => {
      const x = rand(N, 5),
        b = rand(C, 6);
      return () => k.binary('add', x, b);
    },
    tf: () => tfEltwise('bias add', N, C),
  },
  {
    name: 'softmax 64x1000',
    ops: 64000,
    unit: 'elements',
    convkit: (k) => {
      const x = rand(64000, 7);
      return () => k.softmax(x, 64, 1000);
    },
    tf: () => tfEltwise('softmax', 64000, 1000),
  },
];
