// `convkit bench`: how fast whole networks run on this machine. Each network's inference plan (Model.predict)
// is built once, warmed, then timed by wall clock on every thread count asked for, the thread counts
// interleaved round by round so that drift and other programs hit them alike; medians and fastest runs.
// The networks are the zoo's with seeded random weights (speed does not depend on the values); mobilenetv2 is
// nsfwjs's pretrained model when that package is installed. The benchmarks against TF.js and ONNX Runtime
// Web are in the repository's bench/ folder; this command needs neither.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import * as zoo from '../zoo';
import { backend, init } from '../backend';
import { noGrad } from '../autograd';
import { didYouMean } from '../errors';
import { loadNsfwjs } from '../io/pretrained';
import { packageDir } from '../platform';
import type { Model } from '../models';
import { Command, UsageError, numberOption } from './command';

/** The networks `convkit bench` times, by name: each built for a square input of `size` pixels. */
const NETWORKS: Record<string, (size: number) => Promise<Model> | Model> = {
  lenet5: () => zoo.lenet5({ seed: 1 }),
  alexnet: (size) => zoo.alexnet({ inputShape: [size, size, 3], seed: 1 }),
  vgg16: (size) => zoo.vgg16({ inputShape: [size, size, 3], seed: 1 }),
  resnet18: (size) => zoo.resnet({ depth: 18, inputShape: [size, size, 3], seed: 1 }),
  resnet50: (size) => zoo.resnet({ depth: 50, inputShape: [size, size, 3], seed: 1 }),
  googlenet: (size) => zoo.googlenet({ inputShape: [size, size, 3], seed: 1 }),
  mobilenetv2: async () => {
    if (!(await packageDir('nsfwjs')))
      throw new Error('needs the nsfwjs package for mobilenetv2 (its pretrained weights): npm install nsfwjs');
    return loadNsfwjs('mobilenet_v2');
  },
};

/** One timed network and thread count. */
export interface BenchRow {
  model: string;
  batch: number;
  threads: number;
  /** Median wall-clock ms per forward pass of the whole batch. */
  medianMs: number;
  fastestMs: number;
  imagesPerSecond: number;
  runs: number;
}

/** Milliseconds with two decimals below 10 (LeNet-5 takes a fraction of one), one above. */
const fmtMs = (ms: number): string => ms.toFixed(ms < 10 ? 2 : 1).padStart(8);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A comma-separated list option, each entry checked by `check`. */
function listOption<T>(raw: string, name: string, check: (s: string) => T): T[] {
  const parts = raw.split(',').filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError(`--${name} expects a comma-separated list, got '${raw}'`);
  return parts.map(check);
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'time whole networks (inference plans) on this machine, on 1 and more threads',
  usage: '[--models resnet18,resnet50] [--threads 1,2] [--batch N] [--size PX] [--rounds N]',
  options: {
    models: {
      type: 'string',
      arg: 'LIST',
      default: 'resnet18,resnet50',
      help: `networks to time: ${Object.keys(NETWORKS).join(', ')}`,
    },
    threads: { type: 'string', arg: 'LIST', help: 'thread counts to time (default 1 and the threads available)' },
    batch: { type: 'string', arg: 'N', default: '1', help: 'images per forward pass' },
    size: {
      type: 'string',
      arg: 'PX',
      default: '224',
      help: 'input width and height (lenet5 and mobilenetv2 fix their own)',
    },
    rounds: { type: 'string', arg: 'N', default: '7', help: 'timed runs per network and thread count' },
    'warm-ms': { type: 'string', arg: 'MS', default: '1000', help: 'warm-up per network before timing' },
  },
  examples: ['convkit bench', 'convkit bench --models resnet50 --threads 1,2,4,8 --rounds 15', 'convkit bench --json'],
  async run(args, log, progress) {
    const models = listOption(String(args.values.models), 'models', (s) => {
      if (!(s in NETWORKS)) throw new UsageError(`unknown network '${s}'${didYouMean(s, Object.keys(NETWORKS))}`);
      return s;
    });
    const batch = numberOption(args, 'batch', { min: 1 })!;
    const size = numberOption(args, 'size', { min: 32 })!;
    const rounds = numberOption(args, 'rounds', { min: 1 })!;
    const warmMs = numberOption(args, 'warm-ms', { min: 0 })!;
    const available = backend.info().threads;
    const threads =
      args.values.threads === undefined
        ? [...new Set([1, available])]
        : listOption(String(args.values.threads), 'threads', (s) => {
            const n = Number(s);
            if (!Number.isInteger(n) || n < 1 || n > 256)
              throw new UsageError(`--threads expects whole numbers from 1 to 256, got '${s}'`);
            return n;
          });
    const b = backend.info();
    log(`convkit bench: kernels ${b.kernel}, batch ${batch}, wall clock, medians of ${rounds} interleaved rounds`);
    const rows: BenchRow[] = [];
    try {
      for (const name of models) {
        const m = await NETWORKS[name](size);
        const [h, w, c] = m.inputs[0].shape.slice(1) as number[];
        const x: Tensor = ops.randomUniform([batch, h, w, c], { seed: 1 });
        const runOn = (n: number) => {
          backend.setThreads(n);
          noGrad(() => m.predict(x)).dispose();
        };
        progress.write(`${name} ${h}x${w}x${c}: building and warming plans for ${threads.join(', ')} thread(s)\n`);
        for (const n of threads) {
          runOn(n);
          await init(); // the pool's workers up before timing
          const t0 = performance.now();
          do runOn(n);
          while (performance.now() - t0 < warmMs);
        }
        const times = threads.map(() => [] as number[]);
        for (let r = 0; r < rounds; r++)
          threads.forEach((n, i) => {
            backend.setThreads(n);
            const t = performance.now();
            runOn(n);
            times[i].push(performance.now() - t);
          });
        threads.forEach((n, i) => {
          const med = median(times[i]);
          const row: BenchRow = {
            model: name,
            batch,
            threads: n,
            medianMs: med,
            fastestMs: Math.min(...times[i]),
            imagesPerSecond: (1000 * batch) / med,
            runs: rounds,
          };
          rows.push(row);
          log(
            `  ${name.padEnd(12)} ${String(n).padStart(3)} thread${n === 1 ? ' ' : 's'}  ${fmtMs(med)} ms median  ${fmtMs(row.fastestMs)} ms fastest  ${row.imagesPerSecond.toFixed(1).padStart(7)} images/s`,
          );
        });
        const one = rows.find((r) => r.model === name && r.threads === 1);
        if (one)
          for (const r of rows.filter((q) => q.model === name && q.threads > 1))
            log(`  ${name}: ${r.threads} threads ${(one.medianMs / r.medianMs).toFixed(2)}x one thread`);
      }
    } finally {
      backend.setThreads(null);
    }
    return { kernel: b.kernel, batch, rows };
  },
};
