// The main job: LeNet-5 learns the 10,000 real MNIST digits of the `mnist` package.
// Splits 8,000 / 2,000 with a fixed seed, trains with a progress bar, prints test accuracy and the
// confusion matrix, saves the model and writes pictures (curves, conv1 filters, mistakes).
import { join } from 'node:path';
import { init, zoo, ops, vision, io, Tensor, optimizers, callbacks } from '../src';
import type { BackendName } from '../src';
import { loadDigits } from './data/mnist';

/** Seeded shuffled batches whose digits are translated by up to ±2 pixels (zeros shifted in). */
export function* shiftedBatches(x: Tensor, y: Tensor, batchSize: number, seed: number): Generator<{ xs: Tensor; ys: Tensor }> {
  const n = x.shape[0], classes = y.shape[1];
  const rng = ops.rng(seed);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rng.next() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  for (let b = 0; b < n; b += batchSize) {
    const idx = order.slice(b, b + batchSize);
    const xs = new Float32Array(idx.length * 784), ys = new Float32Array(idx.length * classes);
    idx.forEach((src, k) => {
      const dy = Math.floor(rng.next() * 5) - 2, dx = Math.floor(rng.next() * 5) - 2;
      for (let r = 0; r < 28; r++) {
        const sr = r - dy;
        if (sr < 0 || sr >= 28) continue;
        for (let c = 0; c < 28; c++) {
          const sc = c - dx;
          if (sc >= 0 && sc < 28) xs[k * 784 + r * 28 + c] = x.data[src * 784 + sr * 28 + sc];
        }
      }
      ys.set(y.data.subarray(src * classes, (src + 1) * classes), k * classes);
    });
    yield { xs: new Tensor(xs, [idx.length, 28, 28, 1]), ys: new Tensor(ys, [idx.length, classes]) };
  }
}

export interface LenetJobOptions { out: string; epochs: number; backend?: BackendName; seed: number; log: (s: string) => void }

/** Trains LeNet-5 and writes its pictures; returns the test accuracy. */
export async function trainLenet(o: LenetJobOptions): Promise<{ accuracy: number; files: string[] }> {
  const info = await init(o.backend ? { backend: o.backend } : {});
  o.log(`backend: ${info.kernel} (simd ${info.simd}, relaxed-simd ${info.relaxedSimd}, threads ${info.threads})`);

  const { train, test } = loadDigits(8000, 2000, o.seed);
  o.log(`data: ${train.labels.length} training and ${test.labels.length} test digits from the mnist package`);

  const net = zoo.lenet5({ seed: o.seed });
  net.summary({ print: true });
  net.compile({ optimizer: optimizers.adam({ learningRate: 0.002 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Augmentation: every epoch sees each digit shifted by up to 2 pixels (8,000 fresh variants).
  const batches = (epoch: number) => shiftedBatches(train.x, train.y, 64, o.seed * 1000 + epoch);
  const history = await net.fit(batches, {
    epochs: o.epochs, verbose: 1,
    // Step size decays 12% per epoch: large steps early, fine ones once the shifted digits are learnt.
    callbacks: [callbacks.learningRateScheduler((epoch) => 0.002 * 0.88 ** epoch)], stepsPerEpoch: Math.ceil(train.labels.length / 64),
    // The held-out digits are only watched (as in the Keras MNIST example): no early stopping or selection uses them.
    validationData: [test.x, test.y],
  });

  const probs = net.predict(test.x, { batchSize: 500 });
  const predicted = ops.argMax(probs, -1).data;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const wrong: number[] = [];
  test.labels.forEach((label, i) => {
    confusion[label][predicted[i]]++;
    if (predicted[i] !== label) wrong.push(i);
  });
  const accuracy = 1 - wrong.length / test.labels.length;
  o.log(`\ntest accuracy: ${(accuracy * 100).toFixed(2)}% (${test.labels.length - wrong.length}/${test.labels.length} held-out digits)`);
  o.log('confusion matrix (rows: true digit, columns: predicted):');
  o.log('      ' + [...Array(10).keys()].map((d) => String(d).padStart(5)).join(''));
  confusion.forEach((row, d) => o.log(`  ${d}:  ` + row.map((c) => String(c).padStart(5)).join('')));

  const files: string[] = [];
  const write = async (name: string, t: Tensor) => { const p = join(o.out, name); await io.writeImage(p, t); files.push(p); };
  await write('lenet-training.png', vision.plotHistory(history, { title: 'LeNet-5 on MNIST', width: 900, height: 360 }));
  const conv1 = net.getLayer('conv1').weights[0];
  await write('lenet-conv1-filters.png', vision.montage(vision.filterTiles(conv1), { scale: 'tile', zoom: 12, cols: 6, pad: 4 }));
  const shown = wrong.slice(0, 48);
  const digits = shown.map((i) => new Tensor(test.x.data.slice(i * 784, (i + 1) * 784).map((v) => 255 * (1 - v)), [28, 28, 1]));
  if (digits.length) {
    await write('lenet-mistakes.png', vision.montage(digits, { zoom: 3, cols: 8, pad: 6, labels: shown.map((i) => `${test.labels[i]}→${predicted[i]}`), labelScale: 2 }));
  }
  await write('lenet-confusion.png', vision.plotConfusionMatrix(confusion, [...Array(10).keys()].map(String)));
  // TF.js Layers format: tf.loadLayersModel reads it too; the browser demo loads it.
  const dir = join(o.out, 'lenet5-model');
  await io.save(net, dir);
  files.push(join(dir, 'model.json'));
  return { accuracy, files };
}
