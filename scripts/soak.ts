// Soak test: memory must stay flat without dispose(). Runs many conv2d calls of mixed shapes, LeNet-5
// training on real digits and save/load cycles to memory, printing RSS, JS heap and WASM memory after
// a warm-up and at the end of each phase. `npm run soak` (flags: --quick, --backend NAME).
// The phase functions are exported so a test can run them with small counts.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { init, backend, ops, io, zoo, datasets, valueAndGrads, Variable } from '../src';
import type { BackendName } from '../src/backend';
import type { Model } from '../src/models';

/** One memory reading: resident set, JS heap in use, and the active WASM build's linear memory. */
export interface MemoryReading {
  rss: number;
  heap: number;
  wasm: number;
}

/** Reads memory after a full GC when the process runs with --expose-gc. */
export function readMemory(): MemoryReading {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, wasm: backend.info().memoryBytes };
}

/** Called after the warm-up (first cycle / epoch) and at the end of a phase. */
export type Probe = (when: 'warm' | 'end') => void;

// Mixed conv2d shapes: odd sizes, strides, paddings, dilation, batch 1..8, 1..64 channels.
const SHAPES: { x: number[]; w: number[]; strides: number; padding: 'same' | 'valid' | number; dilation: number }[] = [
  { x: [1, 28, 28, 1], w: [5, 5, 1, 6], strides: 1, padding: 'same', dilation: 1 },
  { x: [4, 14, 14, 6], w: [5, 5, 6, 16], strides: 1, padding: 'valid', dilation: 1 },
  { x: [2, 17, 23, 3], w: [3, 3, 3, 8], strides: 2, padding: 'same', dilation: 1 },
  { x: [1, 32, 32, 16], w: [1, 1, 16, 32], strides: 1, padding: 'valid', dilation: 1 },
  { x: [8, 9, 9, 5], w: [3, 3, 5, 7], strides: 1, padding: 1, dilation: 2 },
  { x: [1, 56, 56, 8], w: [3, 3, 8, 8], strides: 1, padding: 'same', dilation: 1 },
  { x: [3, 11, 13, 64], w: [3, 3, 64, 3], strides: 3, padding: 'valid', dilation: 1 },
  { x: [1, 7, 7, 33], w: [7, 7, 33, 10], strides: 1, padding: 'valid', dilation: 1 },
];

/** `calls` conv2d calls cycling through the shapes (every 8th cycle with gradients); warm after one cycle. */
export function convPhase(calls: number, probe: Probe): void {
  const inputs = SHAPES.map((s, i) => ({
    opts: { strides: s.strides, padding: s.padding, dilation: s.dilation },
    x: new Variable(ops.randomUniform(s.x, { seed: 2 * i })),
    w: new Variable(ops.randomUniform(s.w, { seed: 2 * i + 1 })),
  }));
  let check = 0;
  for (let i = 0; i < calls; i++) {
    const c = i / inputs.length,
      s = inputs[i % inputs.length];
    if (Math.floor(c) % 8 === 0) {
      const { value, grads } = valueAndGrads(() => ops.sum(ops.conv2d(s.x, s.w, s.opts)), [s.x, s.w]);
      check += value.item() + grads[1].data[0];
    } else {
      check += ops.conv2d(s.x, s.w, s.opts).data[0];
    }
    if (i === inputs.length - 1) probe('warm');
  }
  if (!Number.isFinite(check)) throw new Error('soak: conv2d produced a non-finite value');
  probe('end');
}

/** LeNet-5 trained for `epochs` on `digits` real digits; warm after the first epoch. Returns test accuracy. */
export async function trainPhase(epochs: number, digits: number, probe: Probe): Promise<number> {
  const { train, test } = datasets.loadDigits(digits, Math.max(200, digits >> 2), 7);
  const m = zoo.lenet5({ seed: 1 });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(train.x, train.y, {
    epochs,
    batchSize: 64,
    seed: 2,
    verbose: 0,
    callbacks: {
      onEpochEnd: (e: number) => {
        if (e === 0) probe('warm');
      },
    },
  });
  probe('end');
  return m.evaluate(test.x, test.y).accuracy;
}

/** `cycles` io.save / io.load round trips of LeNet-5 through memory; warm after the first. */
export async function ioPhase(cycles: number, probe: Probe): Promise<void> {
  const x = ops.randomUniform([2, 28, 28, 1], { seed: 3 });
  let m: Model = zoo.lenet5({ seed: 4 });
  const want = m.predict(x).data;
  for (let i = 0; i < cycles; i++) {
    const h = io.memory();
    await io.save(m, h);
    m = await io.load(h);
    if (i === 0) probe('warm');
  }
  const got = m.predict(x).data;
  if (got.some((v, i) => v !== want[i])) throw new Error('soak: a reloaded model predicts differently');
  probe('end');
}

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, backend: { type: 'string' } },
  });
  const info = await init(values.backend ? { backend: values.backend as BackendName } : {});
  const q = values.quick;
  const counts = { conv: q ? 800 : 10_000, epochs: q ? 2 : 10, digits: q ? 500 : 4000, io: q ? 100 : 1000 };
  console.log(
    `soak on ${info.kernel} (node ${process.version}${(globalThis as { gc?: unknown }).gc ? ', --expose-gc' : ''})`,
  );
  console.log('phase                         | when | RSS       | JS heap   | WASM memory | time');
  const t0 = performance.now();
  const probeFor =
    (name: string): Probe =>
    (when) => {
      const r = readMemory();
      console.log(
        `${name.padEnd(29)} | ${when.padEnd(4)} | ${mb(r.rss).padStart(9)} | ${mb(r.heap).padStart(9)} | ${mb(r.wasm).padStart(11)} | ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    };
  const start = readMemory();
  console.log(
    `${'start'.padEnd(29)} |      | ${mb(start.rss).padStart(9)} | ${mb(start.heap).padStart(9)} | ${mb(start.wasm).padStart(11)} |`,
  );
  convPhase(counts.conv, probeFor(`${counts.conv} conv2d`));
  const acc = await trainPhase(
    counts.epochs,
    counts.digits,
    probeFor(`LeNet-5 ${counts.epochs} ep x ${counts.digits}`),
  );
  await ioPhase(counts.io, probeFor(`${counts.io} save/load`));
  console.log(
    `LeNet-5 test accuracy ${(acc * 100).toFixed(1)}%; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
