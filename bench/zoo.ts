// Inference of whole networks (batch 1): VGG-16 and ResNet-50 at 224x224x3 and GoogLeNet, in images/s,
// convkit (wasm-simd) against TensorFlow.js 4.22 ('cpu' and 'wasm' backends). TF.js runs the very same
// networks with the same random weights: each convkit model is saved with io.save to memory and loaded
// with tf.loadLayersModel. Times are this process's CPU time (user + system) per image, medians of a
// few runs after a warm-up, so other work sharing the cores does not inflate them.
// Run: node --import tsx bench/zoo.ts [--runs 3] [--models vgg16,resnet50,googlenet] [--no-tf-cpu]
import { fileURLToPath } from 'node:url';
import { init, backend, zoo, io, tensor } from '../src';
import type { Model, BackendName } from '../src';
import { loadTf, useTf, type TfBackend } from './tfjs';

/** One measured row: images per second (null when skipped) and the runs behind the median. */
export interface ZooRow {
  model: string;
  impl: string;
  msPerImage: number | null;
  imagesPerSecond: number | null;
  runs: number;
  note?: string;
}

/** The benchmarked networks (random weights, seeded). */
export const ZOO_MODELS: Record<string, () => Model> = {
  vgg16: () => zoo.vgg16({ seed: 1 }),
  resnet50: () => zoo.resnet({ depth: 50, seed: 1 }),
  googlenet: () => zoo.googlenet({ seed: 1 }),
};

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median CPU ms of `runs` calls after untimed ones for warmMs of wall time (at least one unless warmMs < 0). */
function time(f: () => void, runs: number, warmMs: number): number {
  const t0 = performance.now();
  if (warmMs >= 0)
    do f();
    while (performance.now() - t0 < warmMs);
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = cpuMs();
    f();
    ts.push(cpuMs() - t);
  }
  return median(ts);
}

/**
 * Benchmarks each model with convkit's backends and TF.js's; tfjs 'cpu' is slow (minutes for VGG-16),
 * so it gets tfCpuRuns runs (default 1) and no warm-up, or none with tfCpuRuns 0. TF.js wasm warms up
 * for 1.5 s (V8 tiers its WebAssembly up late), convkit for 0.5 s.
 */
export async function benchZoo(
  opts: {
    models?: string[];
    runs?: number;
    tfCpuRuns?: number;
    convkit?: BackendName[];
    log?: (r: ZooRow) => void;
  } = {},
): Promise<ZooRow[]> {
  const { models = Object.keys(ZOO_MODELS), runs = 3, tfCpuRuns = 1, convkit = ['wasm-simd'], log = () => {} } = opts;
  await init();
  const tf = await loadTf();
  const rows: ZooRow[] = [];
  const push = (r: ZooRow) => {
    rows.push(r);
    log(r);
  };
  const row = (model: string, impl: string, ms: number, n: number): ZooRow => ({
    model,
    impl,
    msPerImage: ms,
    imagesPerSecond: 1000 / ms,
    runs: n,
  });
  for (const name of models) {
    const m = ZOO_MODELS[name]();
    const [h, w, c] = m.inputs[0].shape.slice(1) as number[];
    const x = new Float32Array(h * w * c).map((_, i) => Math.sin(i * 0.001));
    const xt = tensor(x, [1, h, w, c]);
    for (const b of convkit) {
      await backend.with(b, async () =>
        push(
          row(
            name,
            `convkit ${b}`,
            time(() => m.predict(xt), runs, 500),
            runs,
          ),
        ),
      );
    }
    const mem = io.memory();
    await io.save(m, mem);
    for (const tb of ['wasm', 'cpu'] as TfBackend[]) {
      const n = tb === 'cpu' ? tfCpuRuns : runs;
      if (n === 0) {
        push({ model: name, impl: `tfjs ${tb}`, msPerImage: null, imagesPerSecond: null, runs: 0, note: 'skipped' });
        continue;
      }
      await useTf(tb);
      const tm = await tf.loadLayersModel(tf.io.fromMemory(mem.artifacts as never));
      const input = tf.tensor(x, [1, h, w, c]);
      const f = () => {
        const y = tm.predict(input) as import('@tensorflow/tfjs').Tensor;
        y.dataSync();
        y.dispose();
      };
      push(row(name, `tfjs ${tb}`, time(f, n, tb === 'cpu' ? -1 : 1500), n));
      input.dispose();
      tm.dispose();
    }
  }
  return rows;
}

/** A markdown table of the rows, with the ratio to convkit wasm-simd. */
export function zooTable(rows: ZooRow[]): string {
  const out = [
    '| model | implementation | ms / image | images / s | time vs convkit wasm-simd | runs |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ref = rows.find((q) => q.model === r.model && q.impl === 'convkit wasm-simd');
    const ratio = r.msPerImage && ref?.msPerImage ? `${(r.msPerImage / ref.msPerImage).toFixed(2)}x` : '';
    out.push(
      `| ${r.model} | ${r.impl} | ${r.msPerImage?.toFixed(0) ?? r.note ?? ''} | ${r.imagesPerSecond?.toFixed(3) ?? ''} | ${r.impl === 'convkit wasm-simd' ? '1' : ratio} | ${r.runs} |`,
    );
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (f: string) => {
    const i = args.indexOf(f);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rows = await benchZoo({
    models: flag('--models')?.split(','),
    runs: Number(flag('--runs') ?? 3),
    tfCpuRuns: args.includes('--no-tf-cpu') ? 0 : 1,
    log: (r) => console.error(`${r.model} | ${r.impl}: ${r.msPerImage?.toFixed(0) ?? r.note} ms`),
  });
  console.log(zooTable(rows));
}
