// Tab 5: the same ops on every backend this browser runs, in the visitor's own browser:
// median time of several runs, GFLOP/s (2 per multiply-add) as a grouped bar chart and a table.
// Whole networks too: Model.predict (the inference plan) at batch 1 on one thread and, where the page is
// cross-origin isolated, on two, with TF.js wasm on the same model where the server has it, interleaved by wall
// clock (networks.ts's timeRuns, as bench/browser.ts times them). ?netsize=N runs small stand-ins at N x N
// instead (the end-to-end test's fast mode); ?nets=resnet50,... picks networks.
import { backend, init, io, ops, zoo, Tensor } from '../../src';
import type { BackendName, Model } from '../../src';
import type * as Tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import { $, status, nextFrame, barChart, Bar } from './ui';
import { sizeOf } from '../../src/tensor';
import { loadModel, predictRunners, seededImage, timeRuns } from './networks';
import type { Runner, RunTime } from './networks';

function random(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = sizeOf(shape);
  return new Tensor(
    Float32Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5),
    shape,
  );
}

interface Case {
  name: string;
  flops: number;
  run: () => Tensor;
}

function cases(): Case[] {
  const a = random([256, 256], 1),
    b = random([256, 256], 2);
  const x = random([1, 56, 56, 32], 3),
    w = random([3, 3, 32, 32], 4);
  const xd = random([1, 56, 56, 64], 5),
    wd = random([3, 3, 64, 1], 6);
  return [
    { name: 'matmul 256³', flops: 2 * 256 ** 3, run: () => ops.matmul(a, b) },
    {
      name: 'conv2d 56x56x32→32 3x3',
      flops: 2 * 56 * 56 * 32 * 32 * 9,
      run: () => ops.conv2d(x, w, { padding: 'same' }),
    },
    {
      name: 'depthwise 56x56x64 3x3',
      flops: 2 * 56 * 56 * 64 * 9,
      run: () => ops.depthwiseConv2d(xd, wd, { padding: 'same' }),
    },
  ];
}

/** Median milliseconds of `f` after one warm-up run: at least 3 runs, up to about 250 ms of runs. */
function time(f: () => unknown): number {
  f();
  const t: number[] = [];
  const start = performance.now();
  while (t.length < 3 || (t.length < 25 && performance.now() - start < 250)) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((p, q) => p - q);
  return t[t.length >> 1];
}

/**
 * Runs every case on every available backend (and on all threads when the page is isolated); rows carry data-* for
 * tests.
 */
async function run(): Promise<void> {
  const names = backend.available() as BackendName[];
  const best = names[names.length - 1];
  const bars: Bar[] = [];
  const rows: string[] = [];
  const prev = backend.info().kernel;
  backend.use(best);
  const threads = backend.info().threads; // > 1 only when cross-origin isolated
  const runs: Array<{ name: BackendName; threads: number }> = names.map((name) => ({ name, threads: 1 }));
  if (threads > 1) runs.push({ name: best, threads });
  try {
    for (const c of cases()) {
      for (const r of runs) {
        const series = r.threads > 1 ? `${r.name} ×${r.threads} threads` : r.name;
        status('bench-status', 'busy', `timing ${c.name} on ${series}…`);
        await nextFrame();
        backend.setThreads(r.threads);
        await init(); // the workers are up before timing
        const ms = backend.with(r.name, () => time(c.run));
        const gflops = c.flops / ms / 1e6;
        bars.push({ group: c.name, series, value: gflops });
        rows.push(
          `<tr data-op="${c.name}" data-backend="${r.name}" data-threads="${r.threads}" data-ms="${ms}" data-gflops="${gflops}"><td>${c.name}</td><td>${series}</td><td>${ms.toFixed(2)}</td><td>${gflops.toFixed(2)}</td></tr>`,
        );
        barChart($<HTMLCanvasElement>('bench-chart'), bars, 'GFLOP/s');
      }
    }
    $('bench-table').innerHTML =
      `<tr><th>op</th><th>backend</th><th>median ms</th><th>GFLOP/s</th></tr>${rows.join('')}`;
    const where =
      threads > 1 ? `one thread, and ${best} on ${threads} threads` : `one thread (${backend.info().threadsReason})`;
    status(
      'bench-status',
      'ready',
      `done: ${names.join(', ')} on ${where} (${navigator.userAgent.match(/Chrom\w+\/[\d.]+|Firefox\/[\d.]+|Version\/[\d.]+ Safari/)?.[0] ?? 'this browser'})`,
    );
  } catch (e) {
    status('bench-status', 'error', `benchmark: ${(e as Error).message}`);
  } finally {
    backend.setThreads(null);
    backend.use(prev);
  }
}

/** A whole network for the tab: its key (for ?nets=), name, how to build or load it, and its input shape. */
interface NetworkCase {
  key: string;
  name: string;
  make: () => Promise<Model>;
  shape: number[];
}

/** MobileNetV2 (nsfwjs's, served in mobilenetv2/) and ResNet-18/50 with seeded weights at 224; small ones below. */
function networkCases(size: number): NetworkCase[] {
  if (size < 224)
    return [
      { key: 'lenet5', name: 'LeNet-5', make: async () => zoo.lenet5({ seed: 1 }), shape: [1, 28, 28, 1] },
      {
        key: 'resnet18',
        name: `ResNet-18 at ${size}x${size}`,
        make: async () => zoo.resnet({ depth: 18, inputShape: [size, size, 3], classes: 10, seed: 1 }),
        shape: [1, size, size, 3],
      },
    ];
  const shape = [1, 224, 224, 3];
  return [
    { key: 'mobilenetv2', name: 'MobileNetV2 (nsfwjs)', make: () => loadModel('mobilenetv2/model.json'), shape },
    { key: 'resnet18', name: 'ResNet-18', make: async () => zoo.resnet({ depth: 18, seed: 1 }), shape },
    { key: 'resnet50', name: 'ResNet-50', make: async () => zoo.resnet({ depth: 50, seed: 1 }), shape },
  ];
}

type TfGlobal = typeof Tf & { wasm: typeof TfWasm };
let tfReady: Promise<TfGlobal | null> | null = null;

/** Loads a classic script; false when the server does not have it. */
function script(src: string): Promise<boolean> {
  return new Promise((ok) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = () => ok(true);
    el.onerror = () => ok(false);
    document.head.append(el);
  });
}

/**
 * TensorFlow.js with its wasm backend, from the tfjs/ and tfjs-wasm/ folders `npm run serve` mounts when the
 * packages are installed (their UMD scripts: bundled, the threaded wasm build's workers never start), loaded
 * on first use; null where they are not served.
 */
function loadTf(): Promise<TfGlobal | null> {
  tfReady ??= (async () => {
    if (!(await script('tfjs/tf.min.js')) || !(await script('tfjs-wasm/tf-backend-wasm.min.js'))) return null;
    const tf = (globalThis as unknown as { tf: TfGlobal }).tf;
    tf.wasm.setWasmPaths(new URL('tfjs-wasm/', location.href).href);
    if (!(await tf.setBackend('wasm'))) return null;
    await tf.ready();
    return tf;
  })();
  return tfReady;
}

/** Runner for TF.js wasm on the same model and weights (io.toArtifacts, in memory), reading each output back. */
async function tfRunner(tf: TfGlobal, m: Model, x: Tensor): Promise<{ runner: Runner; free: () => void }> {
  const tm = await tf.loadLayersModel(tf.io.fromMemory({ ...io.toArtifacts(m), trainingConfig: undefined }));
  const input = tf.tensor(x.data, x.shape);
  return {
    runner: {
      name: `TF.js wasm ${tf.wasm.getThreadsCount()}`,
      run: () => {
        const y = tm.predict(input) as Tf.Tensor;
        y.dataSync();
        y.dispose();
      },
    },
    free: () => {
      input.dispose();
      tm.dispose();
    },
  };
}

/** Resolves once the digits tab is not training LeNet-5 in the page (its steps would run between the rounds). */
async function digitsIdle(): Promise<void> {
  const state = () => $('digit-status').dataset.state;
  if (state() !== 'busy' && state() !== 'loading') return;
  status('networks-status', 'busy', 'waiting for the digits tab to finish (training LeNet-5 in the page)…');
  while (state() === 'busy' || state() === 'loading') await new Promise((r) => setTimeout(r, 250));
}

/**
 * Times each network's predict on 1 thread and, when the page can run threads, 2, interleaved with TF.js wasm
 * (one thread) where it is served; ?nets=resnet50,... picks networks. Rows carry data-* for tests.
 */
async function runNetworks(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const size = Number(params.get('netsize') ?? 224);
  const pick = params.get('nets')?.split(',');
  const small = size < 224;
  const rows: string[] = [],
    skipped: string[] = [];
  const threads = crossOriginIsolated && navigator.hardwareConcurrency > 1 ? [1, 2] : [1];
  try {
    await digitsIdle();
    status('networks-status', 'busy', 'loading TensorFlow.js (wasm)…');
    const tf = await loadTf();
    for (const c of networkCases(size).filter((c) => !pick || pick.includes(c.key))) {
      status('networks-status', 'busy', `loading ${c.name}…`);
      await nextFrame();
      let m: Model;
      try {
        m = await c.make();
      } catch (e) {
        skipped.push(`${c.name} (${(e as Error).message})`);
        continue;
      }
      const x = seededImage(c.shape);
      const runners = await predictRunners(m, x, threads);
      const peer = tf ? await tfRunner(tf, m, x) : null;
      if (peer) runners.push(peer.runner);
      status('networks-status', 'busy', `timing ${c.name}: ${runners.map((r) => r.name).join(', ')}…`);
      await nextFrame();
      let times: RunTime[];
      try {
        times = await timeRuns(runners, { rounds: small ? 2 : 7, warmMs: small ? 50 : 1500, onRound: nextFrame });
      } finally {
        backend.setThreads(null);
        peer?.free();
      }
      for (const t of times) {
        const [engine, n] = t.name.startsWith('TF.js') ? ['TF.js wasm', t.name.split(' ').pop()!] : ['convkit', t.name];
        rows.push(
          `<tr data-model="${c.name}" data-engine="${engine}" data-threads="${n}" data-ms="${t.ms}" data-min="${t.minMs}"><td>${c.name}</td><td>${engine}</td><td>${n}</td><td>${t.ms.toFixed(1)}</td><td>${t.minMs.toFixed(1)}</td><td>${t.runs}</td></tr>`,
        );
      }
      $('networks-table').innerHTML =
        `<tr><th>network (batch 1)</th><th>engine</th><th>threads</th><th>median ms</th><th>fastest ms</th><th>runs</th></tr>${rows.join('')}`;
    }
    const note = (tf ? '' : '; TF.js not served') + (skipped.length ? `; skipped ${skipped.join(', ')}` : '');
    status(
      'networks-status',
      'ready',
      `done: Model.predict on ${backend.info().kernel}, ${threads.length > 1 ? '1 and 2 threads' : `one thread (${backend.info().threadsReason})`}${note}`,
    );
  } catch (e) {
    status('networks-status', 'error', `networks: ${(e as Error).message}`);
  }
}

/** Wires the run buttons. */
export function setupBench(): void {
  $('run-bench').addEventListener('click', run);
  $('run-networks').addEventListener('click', runNetworks);
}
