// The page of bench/browser.ts (bundled by it with esbuild; convkit comes from its browser bundle through the
// page's import map, ONNX Runtime Web from the package's own ES module, TF.js from its UMD scripts). It exposes
// window.bench for the driver: setup() loads one network into the engines asked for, warm() runs each of
// them for a while, round() runs each once and returns the milliseconds performance.now() measured; eagerOps()
// times the eager op cases of bench/eager-cases.ts (the implementations listed there) on one thread.
import { backend, init, noGrad, tensor, tidy, Tensor } from '../src';
import type { Model } from '../src';
import type * as Tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web/wasm';
import { loadModel, seededImage, useThreads } from '../examples/web/networks';
import { EAGER_CASES, eagerRunners } from './eager-cases';

/**
 * The implementations a page can hold: convkit's plan (predict) on 1 and 2 threads and its eager path
 * (Model.apply) on 1, plain and inside tidy, TF.js wasm and ORT Web on the page's thread count (both fix
 * it when their wasm starts).
 */
export type Impl = 'plan1' | 'plan2' | 'eager1' | 'tidy1' | 'tf' | 'ort';

/** What the driver asks a page to load: the network's folder under models/, its input shape, the engines. */
export interface PageSpec {
  model: string;
  shape: number[];
  threads: number;
  impls: Impl[];
}

/** What a page reports after setup: the threads each engine runs, and its isolation. */
export interface PageInfo {
  crossOriginIsolated: boolean;
  userAgent: string;
  convkit?: { kernel: string; threads: number };
  tfThreads?: number;
  ortThreads?: number;
}

// TF.js comes from its own UMD scripts (tf.min.js, tf-backend-wasm.min.js), loaded before this module: bundled
// into it, the wasm backend's threaded build starts its workers from the source text of a factory function
// that then refers to the bundle's scope, and setBackend('wasm') never resolves.
const tf = (globalThis as unknown as { tf: typeof Tf & { wasm: typeof TfWasm } }).tf;

const runs: Partial<Record<Impl, () => unknown>> = {};
const outputs: Partial<Record<Impl, number[]>> = {};

/** NHWC [b,h,w,c] to NCHW [b,c,h,w] (ORT runs convkit's ONNX export, whose input is NCHW). */
function nchw(x: Float32Array, [b, h, w, c]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < h * w; i++)
      for (let ch = 0; ch < c; ch++) y[(n * c + ch) * h * w + i] = x[(n * h * w + i) * c + ch];
  return y;
}

async function setup(spec: PageSpec): Promise<PageInfo> {
  const info: PageInfo = { crossOriginIsolated, userAgent: navigator.userAgent };
  const x = seededImage(spec.shape, 1);
  const base = new URL('.', location.href).href;
  const has = (i: Impl) => spec.impls.includes(i);
  if (has('tf')) {
    console.log(`${spec.model}: TF.js wasm, ${spec.threads} threads`);
    tf.wasm.setWasmPaths(`${base}tfjs-wasm/`);
    tf.wasm.setThreadsCount(spec.threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
    await tf.ready();
    info.tfThreads = tf.wasm.getThreadsCount();
    // Each response is read whole as it arrives: TF.js asks for every shard at once and reads none until all
    // have answered, which over HTTP/1.1 (6 connections a host) stalls for good once a model has more than 6
    // shards of 4 MiB (ResNet-18 has 12).
    const fetchFunc = (async (u: string, init?: RequestInit): Promise<Response> => {
      const r = await fetch(u, init);
      return new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers });
    }) as typeof fetch;
    const tm = await tf.loadLayersModel(`${base}models/${spec.model}/model.json`, { fetchFunc });
    const input = tf.tensor(x.data, spec.shape);
    runs.tf = () => {
      const y = tm.predict(input) as Tf.Tensor;
      const d = y.dataSync();
      y.dispose();
      return d;
    };
    outputs.tf = Array.from(runs.tf() as Float32Array);
  }
  if (has('ort')) {
    console.log(`${spec.model}: ORT Web, ${spec.threads} threads`);
    ort.env.wasm.wasmPaths = `${base}ort/`;
    ort.env.wasm.numThreads = spec.threads;
    const s = await ort.InferenceSession.create(`${base}models/${spec.model}.onnx`, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const [b, h, w, c] = spec.shape;
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', nchw(x.data, spec.shape), [b, c, h, w]) };
    runs.ort = async () => (await s.run(feeds))[s.outputNames[0]].data;
    outputs.ort = Array.from((await runs.ort()) as Float32Array);
    info.ortThreads = ort.env.wasm.numThreads;
  }
  if (has('plan1') || has('plan2') || has('eager1') || has('tidy1')) {
    console.log(`${spec.model}: convkit`);
    await init();
    const m: Model = await loadModel(`models/${spec.model}/model.json`);
    await useThreads(2); // the workers are up before timing; each run then picks its count
    const plan = (n: number) => () => {
      backend.setThreads(n);
      return m.predict(x);
    };
    const eager = () => {
      backend.setThreads(1);
      return noGrad(() => m.apply(x)) as Tensor;
    };
    if (has('plan1')) runs.plan1 = plan(1);
    if (has('plan2')) runs.plan2 = plan(2);
    if (has('eager1')) runs.eager1 = eager;
    if (has('tidy1')) runs.tidy1 = () => tidy(eager);
    const k = backend.info();
    info.convkit = { kernel: k.kernel, threads: k.threads };
    for (const i of ['plan1', 'plan2', 'eager1', 'tidy1'] as const)
      if (runs[i]) outputs[i] = Array.from((runs[i]!() as Tensor).data);
  }
  return info;
}

/** Runs every implementation for about `ms` milliseconds (WebAssembly tiers up late; TF.js wasm needs seconds). */
async function warm(ms: number): Promise<void> {
  for (const f of Object.values(runs)) {
    const t0 = performance.now();
    do await f();
    while (performance.now() - t0 < ms);
  }
}

/**
 * One round: each implementation once, in a fixed order; wall-clock milliseconds by implementation. The eager
 * ones run once untimed first: a run inside tidy frees more buffers than a plain one, so a run right after the
 * other would be timed on the other's pool.
 */
async function round(): Promise<Partial<Record<Impl, number>>> {
  const ms: Partial<Record<Impl, number>> = {};
  for (const [impl, f] of Object.entries(runs) as [Impl, () => unknown][]) {
    if (impl === 'eager1' || impl === 'tidy1') f();
    const t = performance.now();
    await f();
    ms[impl] = performance.now() - t;
  }
  return ms;
}

/**
 * The eager op cases on one thread, wall clock: each implementation warmed for warmMs, then `rounds` rounds
 * timing a batch of about 30 ms of calls of each in turn; median ms per call by case and implementation.
 */
async function eagerOps(rounds: number, warmMs: number): Promise<Record<string, number[]>> {
  tf.wasm.setWasmPaths(`${new URL('.', location.href).href}tfjs-wasm/`);
  tf.wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
  await tf.ready();
  await init();
  backend.setThreads(1);
  const perCall = (f: () => void, n: number) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    return (performance.now() - t) / n;
  };
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const out: Record<string, number[]> = {};
  for (const c of EAGER_CASES) {
    const data = c.inputs.map((s, i) => seededImage(s, i + 1).data.map((v) => v - 0.5));
    const xs = data.map((d, i) => tensor(d, c.inputs[i]));
    const txs = data.map((d, i) => tf.tensor(d, c.inputs[i]));
    const impls = eagerRunners(c, tf, xs, txs);
    // a collection (the page runs with --expose-gc) and a turn of the event loop between timed batches, as in
    // bench/eager.ts: the first column's undisposed outputs give their blocks back
    const tick = () => {
      (globalThis as { gc?: () => void }).gc?.();
      return new Promise((r) => setTimeout(r, 0));
    };
    for (const f of impls) {
      const t0 = performance.now();
      while (performance.now() - t0 < warmMs) f();
      await tick();
    }
    const calls = impls.map((f) => Math.max(3, Math.round(30 / Math.max(0.02, perCall(f, 3)))));
    const ms: number[][] = impls.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (const [i, f] of impls.entries()) {
        ms[i].push(perCall(f, calls[i]));
        await tick();
      }
    out[c.name] = ms.map(med);
    txs.forEach((t) => t.dispose());
    await new Promise((r) => setTimeout(r, 0));
  }
  return out;
}

const bench = { setup, warm, round, outputs: () => outputs, eagerOps };
export type BenchPage = typeof bench;
(globalThis as unknown as { bench: BenchPage }).bench = bench;
