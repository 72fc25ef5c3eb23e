// Fine-tuning a network PyTorch trained: scripts/onnx-fixtures.py trains a small CNN on the real MNIST
// digits 0-4 in PyTorch and exports it with torch.onnx.export (NCHW, opset 13) to
// test/fixtures/onnx/mnist04.onnx. Here io.loadOnnx turns it into a convkit model, its convolutions are
// frozen (trainable = false), its 5-way head is replaced by a new Dense softmax for digits 5-9, and only
// that head trains on 50 images per class. The baseline is the same head on the same architecture whose
// frozen convolutions keep random, untrained weights (Keras's Glorot-uniform start, zero biases), so the
// difference is what PyTorch's training put into the features. Both are scored on held-out digits 5-9.
// On this small network the PyTorch features mostly make the head learn faster: with the default budget
// (15 epochs, Adam 0.003) they lead by 4-6 points; given 30 epochs at 0.01 the random features catch up
// (random ReLU + max-pool convolutions are strong features for MNIST: Jarrett et al. 2009, Saxe et al. 2011).
// Run: node --import tsx examples/finetune-onnx.ts [--out DIR]   (also writes DIR/finetune-onnx.log)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { init, io, layers, model, ops, optimizers } from '../src';
import type { Model, Tensor } from '../src';
import { digitSet } from '../src/datasets';
import { fileLog } from './log';

/** The PyTorch-trained network and its index entry (what PyTorch measured when it trained it). */
export const MNIST04_ONNX = fileURLToPath(new URL('../test/fixtures/onnx/mnist04.onnx', import.meta.url));
const INDEX = fileURLToPath(new URL('../test/fixtures/onnx/index.json', import.meta.url));

/** How the ONNX file was trained (scripts/onnx-fixtures.py writes it into index.json). */
export interface Mnist04Training {
  digits: number[];
  train: number;
  heldOut: number;
  epochs: number;
  seed: number;
  heldOutAccuracy: number;
  trainSeconds: number;
  heldOutIndices: [number, number];
}

/** Images [n,28,28,1] and one-hot labels over `classes`, indices from..to-1 of each, interleaved by class. */
function split(classes: number[], from: number, to: number): { x: Tensor; y: Tensor } {
  const items: [number, number][] = [];
  for (let i = from; i < to; i++) for (const d of classes) items.push([d, i]);
  return digitSet(items, classes);
}

/** Fraction of rows whose arg-max matches the one-hot label. */
function accuracy(m: Model, s: { x: Tensor; y: Tensor }): number {
  const p = ops.argMax(m.predict(s.x, { batchSize: 250 }) as Tensor, -1).data,
    t = ops.argMax(s.y, -1).data;
  let ok = 0;
  for (let i = 0; i < p.length; i++) ok += p[i] === t[i] ? 1 : 0;
  return ok / p.length;
}

/** Options of runFinetuneOnnx. */
export interface FinetuneOnnxOptions {
  /** Folder for the fine-tuned network as ONNX (finetune-onnx.onnx); none written without it. */
  out?: string;
  log?: (line: string) => void;
  /** Labelled images per class of digits 5-9 (default 50). */
  shots?: number;
  /** Epochs of the head's training, the same for both networks (default 15). */
  epochs?: number;
  /** Adam's learning rate for the heads (default 0.003). */
  learningRate?: number;
  /** Held-out test images per class of digits 5-9, from the end of each class (default 300). */
  testPerClass?: number;
  /** Seed of the new heads, of the random convolutions and of the shuffling (default 1). */
  seed?: number;
  /** The ONNX file (default the PyTorch-trained mnist04.onnx). */
  file?: string;
}

/** Result of runFinetuneOnnx: accuracies, and whether the frozen weights stayed as loaded. */
export interface FinetuneOnnxResult {
  /** PyTorch's held-out accuracy on digits 0-4, from index.json. */
  pytorchAccuracy: number;
  /** The loaded network's accuracy in convkit on the same held-out digits 0-4. */
  importedAccuracy: number;
  /** Held-out accuracy on digits 5-9: frozen PyTorch-trained convolutions + new head. */
  finetuned: number;
  /** The same with frozen random convolutions. */
  randomFeatures: number;
  /** Every frozen layer's weights equal after training to what they were before. */
  frozenUnchanged: boolean;
  /** Names of the frozen layers. */
  frozen: string[];
  trainableParams: number;
  /** The fine-tuned 5-9 classifier (frozen PyTorch convolutions + the trained head). */
  model: Model;
  files: string[];
}

/** Loads the file, freezes every layer below the last Dense and puts a new 5-way softmax head there. */
async function withNewHead(file: string, seed: number, name: string): Promise<{ m: Model; frozen: Model['layers'] }> {
  const loaded = await io.loadOnnx(file);
  const heads = loaded.layers.filter((l) => l.className === 'Dense');
  const old = heads[heads.length - 1];
  // the features are whatever fed the old head (PyTorch's flattened 4x4x16 maps)
  const features = old.inboundNodes[0].inputs[0];
  const out = layers.dense({ units: 5, activation: 'softmax', name: 'digits_5_9', seed }).apply(features);
  const m = model({ inputs: loaded.inputs, outputs: out, name });
  const frozen = m.layers.filter((l) => l.className !== 'InputLayer' && l.name !== 'digits_5_9');
  for (const l of frozen) l.trainable = false;
  return { m, frozen };
}

/** Runs the experiment, logs per-epoch progress and both accuracies. */
export async function runFinetuneOnnx(o: FinetuneOnnxOptions = {}): Promise<FinetuneOnnxResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const { shots = 50, epochs = 15, learningRate = 0.003, testPerClass = 300, seed = 1, file = MNIST04_ONNX } = o;
  const t0 = performance.now();
  await init();
  const training = (JSON.parse(readFileSync(INDEX, 'utf8')) as Record<string, { training?: Mnist04Training }>).mnist04
    .training!;
  const high = [5, 6, 7, 8, 9];
  const few = split(high, 0, shots);
  const test = split(high, 850 - testPerClass, 850);

  // 1. The PyTorch network as it came: scored in convkit on PyTorch's own held-out digits 0-4.
  const original = await io.loadOnnx(file);
  const [a, b] = training.heldOutIndices;
  const importedAccuracy = accuracy(original, split(training.digits, a, b));
  log(
    `PyTorch-trained CNN (${training.epochs} epochs on ${training.train} digits per class of 0-4, ` +
      `${training.trainSeconds} s) loaded from ONNX: ${original.layers.length} layers, ` +
      `${original.countParams().toLocaleString('en-US')} parameters`,
  );
  log(
    `  held-out digits 0-4 (indices ${a}-${b - 1} of each): ` +
      `PyTorch measured ${(100 * training.heldOutAccuracy).toFixed(2)}%, ` +
      `convkit measures ${(100 * importedAccuracy).toFixed(2)}%`,
  );

  // 2. Two copies with a new head: the PyTorch-trained convolutions, and the same ones re-drawn at random.
  const tuned = await withNewHead(file, seed, 'mnist59_finetuned');
  const random = await withNewHead(file, seed, 'mnist59_random_features');
  const glorot = layers.initializers.glorotUniform(),
    zeros = layers.initializers.zeros();
  random.frozen.forEach((l, i) => {
    const w = l.getWeights();
    if (w.length === 0) return;
    const k = glorot.generate(w[0].shape, seed + 100 + i);
    l.setWeights([k, ...w.slice(1).map((t) => zeros.generate(t.shape, 0))]);
  });
  const before = tuned.frozen.map((l) => l.getWeights().map((t) => t.data.slice()));
  const trainable = tuned.m.trainableWeights.reduce((s, w) => s + w.size, 0);
  log(
    `frozen: ${tuned.frozen.map((l) => l.name).join(', ')}; ` +
      `new head digits_5_9 (Dense softmax, ${trainable} trainable parameters)`,
  );
  log(
    `training each head ${epochs} epochs on ${5 * shots} digits 5-9 (${shots} per class), ` +
      `Adam ${learningRate}, seed ${seed}:`,
  );

  // 3. Train both heads the same way; held-out accuracy after every epoch.
  const hist: Record<string, string[]> = { tuned: [], random: [] };
  for (const [key, m] of [
    ['tuned', tuned.m],
    ['random', random.m],
  ] as const) {
    m.compile({ optimizer: optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(few.x, few.y, {
      epochs,
      batchSize: 25,
      seed,
      verbose: 0,
      callbacks: {
        onEpochEnd: (_e, logs) => {
          hist[key].push(`loss ${logs.loss.toFixed(3)} held-out ${(100 * accuracy(m, test)).toFixed(1)}%`);
        },
      },
    });
  }
  for (let e = 0; e < epochs; e++)
    log(
      `  epoch ${String(e + 1).padStart(2)}/${epochs}: ` +
        `PyTorch features ${hist.tuned[e]} | random features ${hist.random[e]}`,
    );

  const frozenUnchanged = tuned.frozen.every((l, i) =>
    l.getWeights().every((t, j) => t.data.every((v, k) => v === before[i][j][k])),
  );
  const finetuned = accuracy(tuned.m, test),
    randomFeatures = accuracy(random.m, test);
  log(`on ${5 * testPerClass} held-out digits 5-9 (indices ${850 - testPerClass}-849 of each):`);
  log(`  frozen PyTorch-trained convolutions + new head: ${(100 * finetuned).toFixed(1)}%`);
  log(`  frozen random convolutions + new head:          ${(100 * randomFeatures).toFixed(1)}%`);
  log(`  frozen weights unchanged by the head's training: ${frozenUnchanged ? 'yes' : 'NO'}`);

  const files: string[] = [];
  if (o.out) {
    const path = join(o.out, 'finetune-onnx.onnx');
    await io.saveOnnx(tuned.m, path);
    files.push(path);
    log(`  the fine-tuned 5-9 classifier saved back to ONNX: ${path}`);
  }
  log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return {
    pytorchAccuracy: training.heldOutAccuracy,
    importedAccuracy,
    finetuned,
    randomFeatures,
    frozenUnchanged,
    frozen: tuned.frozen.map((l) => l.name),
    trainableParams: trainable,
    model: tuned.m,
    files,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'out' } } });
  const out = resolve(values.out!);
  await runFinetuneOnnx({ out, log: fileLog(join(out, 'finetune-onnx.log')) });
}
