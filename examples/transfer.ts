// Transfer learning as in the notes: take a network trained on one task, freeze its pretrained
// layers (trainable = false), replace the head and train only the head on a small labelled set.
// Here LeNet-5 learns the real MNIST digits 0-4, then its frozen conv layers feed a new dense head
// that learns digits 5-9 from 50 images per class; the same network trained from scratch on the
// same 250 images is the baseline. Both are scored on held-out digits 5-9.
// Run: node --import tsx examples/transfer.ts
import { fileURLToPath } from 'node:url';
import { init, zoo, layers, ops, Sequential, Tensor, optimizers } from '../src';
import type { Model } from '../src';
import { digitSet } from '../src/datasets';

/** Images [n,28,28,1] and one-hot labels over `classes` (digit - offset). */
interface Split {
  x: Tensor;
  y: Tensor;
}

/** Takes digits `from`..`to`-1 of each class listed, labelled digit - classes[0]. */
function split(classes: number[], from: number, to: number): Split {
  const items: [number, number][] = [];
  // Interleaved by class so any prefix is balanced.
  for (let i = from; i < to; i++) for (const d of classes) items.push([d, i]);
  return digitSet(items, classes);
}

/** Fraction of rows whose arg-max matches the one-hot label. */
function accuracy(m: Model, s: Split): number {
  const p = ops.argMax(m.predict(s.x, { batchSize: 250 }), -1).data,
    t = ops.argMax(s.y, -1).data;
  let ok = 0;
  for (let i = 0; i < p.length; i++) ok += p[i] === t[i] ? 1 : 0;
  return ok / p.length;
}

/** Options of runTransfer. */
export interface TransferOptions {
  log?: (line: string) => void;
  /** Pretraining images per class of digits 0-4 (default 600). */
  pretrainPerClass?: number;
  /** Epochs of pretraining on digits 0-4 (default 4). */
  pretrainEpochs?: number;
  /** Labelled images per class of digits 5-9 (default 50). */
  shots?: number;
  /** Epochs on the small set, the same for both networks (default 10). */
  epochs?: number;
  /** Held-out test images per class of digits 5-9 (default 300). */
  testPerClass?: number;
  seed?: number;
}

/** Result of runTransfer: test accuracies on held-out digits 5-9. */
export interface TransferResult {
  pretrainAccuracy: number;
  transfer: number;
  scratch: number;
  trainableTransfer: number;
  trainableScratch: number;
}

/** Runs the experiment and logs both accuracies. */
export async function runTransfer(o: TransferOptions = {}): Promise<TransferResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const { pretrainPerClass = 600, pretrainEpochs = 4, shots = 50, epochs = 10, testPerClass = 300, seed = 1 } = o;
  const info = await init();
  const low = [0, 1, 2, 3, 4],
    high = [5, 6, 7, 8, 9];
  // Digits 5-9: the first `shots` of each class are labelled, test digits come from the end of each class.
  const pre = split(low, 0, pretrainPerClass);
  const preTest = split(low, pretrainPerClass, pretrainPerClass + 100);
  const few = split(high, 0, shots);
  const test = split(high, 850 - testPerClass, 850);
  log(
    `transfer learning on MNIST (backend ${info.kernel}): pretrain on digits 0-4 (${pretrainPerClass}/class), then digits 5-9 from ${shots} labelled images per class`,
  );

  // 1. Pretrain LeNet-5 on digits 0-4.
  const base = zoo.lenet5({ classes: 5, seed });
  base.compile({
    optimizer: optimizers.adam({ learningRate: 0.002 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  await base.fit(pre.x, pre.y, { epochs: pretrainEpochs, batchSize: 64, seed, verbose: 0 });
  const pretrainAccuracy = accuracy(base, preTest);
  log(`  pretrained LeNet-5 on 0-4: ${(100 * pretrainAccuracy).toFixed(1)}% on held-out 0-4 digits`);

  // 2. Freeze the conv layers, drop the dense layers and put a new head on top.
  const frozen = ['conv1', 'pool1', 'conv2', 'pool2', 'flatten'].map((n) => base.getLayer(n));
  for (const l of frozen) l.trainable = false;
  const transfer = new Sequential(
    [
      ...frozen,
      layers.dense({ units: 84, activation: 'relu', name: 'new_fc', seed: seed + 1 }),
      layers.dense({ units: 5, activation: 'softmax', name: 'new_output', seed: seed + 2 }),
    ],
    { name: 'lenet5_transfer' },
  );
  // 3. The same architecture from scratch, every layer trainable.
  const scratch = zoo.lenet5({ classes: 5, seed: seed + 3 });

  const before = base.getLayer('conv2').getWeights()[0].data.slice();
  for (const m of [transfer, scratch]) {
    m.compile({
      optimizer: optimizers.adam({ learningRate: 0.002 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(few.x, few.y, { epochs, batchSize: 25, seed, verbose: 0 });
  }
  const after = base.getLayer('conv2').getWeights()[0].data;
  const unchanged = after.every((v, i) => v === before[i]);
  const count = (m: Model) => m.trainableWeights.reduce((a, w) => a + w.size, 0);
  const result: TransferResult = {
    pretrainAccuracy,
    transfer: accuracy(transfer, test),
    scratch: accuracy(scratch, test),
    trainableTransfer: count(transfer),
    trainableScratch: count(scratch),
  };
  log(`  on ${5 * testPerClass} held-out digits 5-9, after ${epochs} epochs on the same ${5 * shots} images:`);
  log(
    `    frozen pretrained convs + new head: ${(100 * result.transfer).toFixed(1)}%  (${result.trainableTransfer.toLocaleString('en-US')} trainable parameters)`,
  );
  log(
    `    LeNet-5 from scratch:               ${(100 * result.scratch).toFixed(1)}%  (${result.trainableScratch.toLocaleString('en-US')} trainable parameters)`,
  );
  log(`    frozen conv weights unchanged by the head's training: ${unchanged ? 'yes' : 'NO'}`);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t = Date.now();
  await runTransfer();
  console.log(`  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
