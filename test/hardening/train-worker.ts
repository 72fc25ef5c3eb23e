// Worker body for the concurrency test: trains one seeded LeNet-5 variant on real digits and posts
// its test accuracy, final loss and the backend it ran on.
import { parentPort, workerData } from 'node:worker_threads';
import { init, zoo, datasets } from '../../src';

const { variant, digits, epochs } = workerData as { variant: 'relu' | 'tanh'; digits: number; epochs: number };
const info = await init();
const { train, test } = datasets.loadDigits(digits, 300, 11);
const m = variant === 'relu' ? zoo.lenet5({ seed: 5 }) : zoo.lenet5({ seed: 6, activation: 'tanh', pooling: 'avg' });
m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const h = await m.fit(train.x, train.y, { epochs, batchSize: 32, seed: 3, verbose: 0 });
parentPort!.postMessage({
  kernel: info.kernel,
  accuracy: m.evaluate(test.x, test.y).accuracy,
  loss: h.history.loss[h.history.loss.length - 1],
});
