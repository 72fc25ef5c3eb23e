// Backend selection: init() probes the platform and loads the best WASM build; backend.use()
// switches between the 'js' reference, scalar 'wasm' and 'wasm-simd'. Ops call kernels().
import type { Kernels, BackendName } from './kernels';
import { jsKernels } from './js';
import { wasmKernels } from './wasm';
import {
  instantiate,
  instantiateSync,
  supports,
  WasmModule,
  Build,
  threadsOf,
  threadsWanted,
  setThreadsWanted,
  poolReady,
  poolFailure,
} from './wasm/module';
import { threadsUnavailable } from './wasm/threads';
import { setResidentOutputs } from './resident';
import { coreCount, envVar } from '../platform';
import { BackendError, ValueError, ConvkitError, fmtValue } from '../errors';

export type { Kernels, BackendName } from './kernels';

export interface BackendInfo {
  /** The kernels in use. */
  kernel: BackendName;
  /** SIMD128 validates on this runtime. */
  simd: boolean;
  /** Relaxed SIMD validates on this runtime. */
  relaxedSimd: boolean;
  /** Worker threads in use (1 = single thread). */
  threads: number;
  /** Why this backend was chosen (or why a better one was not). */
  reason: string;
  /** Why the kernels run on this many threads. */
  threadsReason: string;
  /** Bytes of WebAssembly memory held by the active build (0 for 'js'). */
  memoryBytes: number;
}

const BUILD_OF: Record<Exclude<BackendName, 'js'>, Build> = {
  wasm: 'scalar',
  'wasm-simd': 'simd',
  'wasm-relaxed-simd': 'relaxed',
};
const NAMES: BackendName[] = ['js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd'];

const modules = new Map<BackendName, WasmModule>();
const kernelSets = new Map<BackendName, Kernels>([['js', jsKernels]]);
let active: Kernels | null = null;
let reason = '';

/** Builds whose load-time probe disagreed with the reference, with the disagreement. */
const probeFailures = new Map<BackendName, string>();

/**
 * Checks a relaxed-SIMD build against the 'js' reference on a small GEMM and convolution before it is
 * used: relaxed instructions may differ per engine, and some engines have mis-executed SIMD. Returns
 * what disagreed, or null.
 */
export function probeKernels(k: Kernels): string | null {
  let state = 12345;
  const rand = (n: number) =>
    Float32Array.from({ length: n }, () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5);
  const close = (a: Float32Array, b: Float32Array) =>
    a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * (1 + Math.abs(b[i])));
  const [m, kk, n] = [19, 37, 27];
  const a = rand(m * kk),
    b = rand(kk * n),
    bias = rand(n);
  for (const [tA, tB] of [
    [false, false],
    [true, true],
  ] as const) {
    if (!close(k.matmul(a, b, m, kk, n, tA, tB, bias, 'relu'), jsKernels.matmul(a, b, m, kk, n, tA, tB, bias, 'relu')))
      return `matmul ${m}x${kk}x${n} (transA ${tA}, transB ${tB})`;
  }
  const g = {
    batch: 2,
    inD: 1,
    inH: 9,
    inW: 7,
    inC: 5,
    outD: 1,
    outH: 9,
    outW: 7,
    outC: 6,
    fD: 1,
    fH: 3,
    fW: 3,
    strideD: 1,
    strideH: 1,
    strideW: 1,
    dilationD: 1,
    dilationH: 1,
    dilationW: 1,
    padFront: 0,
    padTop: 1,
    padLeft: 1,
  };
  const x = rand(2 * 9 * 7 * 5),
    w = rand(9 * 5 * 6),
    dy = rand(2 * 9 * 7 * 6);
  if (!close(k.conv(x, w, g, null, 'linear'), jsKernels.conv(x, w, g, null, 'linear'))) return 'conv 3x3 same';
  if (!close(k.convBackpropFilter(x, dy, g), jsKernels.convBackpropFilter(x, dy, g))) return 'conv filter gradient';
  return null;
}

function load(name: BackendName, mod: WasmModule): Kernels {
  const k = wasmKernels(name, mod);
  if (name === 'wasm-relaxed-simd') {
    const bad = probeKernels(k);
    if (bad) {
      probeFailures.set(name, bad);
      throw new BackendError(`backend '${name}' disagrees with the reference on ${bad} on this engine; not used`);
    }
  }
  modules.set(name, mod);
  kernelSets.set(name, k);
  return k;
}

/**
 * The best backend this runtime supports, best first. Relaxed SIMD only if its build validates and its probe passed.
 */
function preference(): BackendName[] {
  const order: BackendName[] = [];
  if (supports('relaxed') && !probeFailures.has('wasm-relaxed-simd')) order.push('wasm-relaxed-simd');
  if (supports('simd')) order.push('wasm-simd');
  if (supports('scalar')) order.push('wasm');
  order.push('js');
  return order;
}

let warned = false;
/** Warns once per process that WebAssembly failed to instantiate and the slow 'js' kernels run instead. */
function warnFallback(e: unknown): void {
  reason = `WebAssembly failed to instantiate (${(e as Error)?.message ?? e}); using the 'js' reference kernels`;
  if (warned) return;
  warned = true;
  console.warn(`convkit: ${reason}, which are much slower`);
}

/** The backend forced by the CONVKIT_BACKEND environment variable (Node), if any; checked. */
function envBackend(): BackendName | undefined {
  const v = envVar('CONVKIT_BACKEND');
  if (v === undefined || v === '') return undefined;
  return checkName(v, 'CONVKIT_BACKEND');
}

function checkName(v: unknown, where: string): BackendName {
  if (!NAMES.includes(v as BackendName))
    throw new ValueError(`${where}: unknown backend ${JSON.stringify(v)}, expected one of ${NAMES.join(', ')}`);
  return v as BackendName;
}

/** A forced backend that fails to load is an error, typed. */
const loadError = (name: BackendName, e: unknown): ConvkitError =>
  e instanceof ConvkitError ? e : new BackendError(`backend '${name}' failed to load: ${(e as Error)?.message ?? e}`);

let initQueue: Promise<unknown> = Promise.resolve();

/**
 * Loads the best build the platform supports and makes it active. Call once before heavy work
 * (in browsers this compiles asynchronously). Pass { backend } (or set CONVKIT_BACKEND in Node) to
 * force one; without either, a backend already chosen (by backend.use or an earlier init) stays
 * active. Calls made at the same time run one after another, so concurrent init() is safe. If every
 * WebAssembly build fails to instantiate, the 'js' kernels run and one warning is printed. Where threads
 * run, it resolves once the worker pool is up (call it again after backend.setThreads to wait for new workers).
 */
export function init(opts: { backend?: BackendName } = {}): Promise<BackendInfo> {
  const run = initQueue
    .then(() => initNow(opts))
    .then(async (i) => {
      const mod = modules.get(i.kernel);
      if (mod) await poolReady(mod); // so the first calls already run on every thread
      return info();
    });
  initQueue = run.catch(() => undefined);
  return run;
}

async function initNow(opts: { backend?: BackendName }): Promise<BackendInfo> {
  if (opts === null || typeof opts !== 'object')
    throw new ValueError(`init: expected an options object, got ${fmtValue(opts)}`);
  const chosen = opts.backend !== undefined ? checkName(opts.backend, 'init') : undefined;
  // Compile every build that validates now, asynchronously, so backend.use() never needs a
  // synchronous compile later (browsers restrict those on the main thread).
  let failure: unknown = null;
  for (const name of preference()) {
    if (name !== 'js' && !kernelSets.has(name)) {
      try {
        load(name, await instantiate(BUILD_OF[name]));
      } catch (e) {
        failure = e;
      }
    }
  }
  // A later init() without a choice keeps the backend already in use (as tf.ready() does).
  if (!chosen && active) return info();
  const forced = chosen ?? envBackend();
  if (forced) {
    try {
      active = ensure(forced);
    } catch (e) {
      throw loadError(forced, e);
    }
    reason = chosen ? 'requested' : 'forced by CONVKIT_BACKEND';
    return info();
  }
  for (const name of preference()) {
    const k = kernelSets.get(name);
    if (k) {
      active = k;
      reason = name === 'js' ? 'no WebAssembly build validates here' : `best build that validates (${name})`;
      break;
    }
  }
  if (active === jsKernels && failure) warnFallback(failure);
  return info();
}

function ensure(name: BackendName): Kernels {
  const have = kernelSets.get(name);
  if (have) return have;
  if (name === 'js') return jsKernels;
  return load(name, instantiateSync(BUILD_OF[name]));
}

/**
 * The active kernels. An op called before init() initialises here: it loads the build CONVKIT_BACKEND
 * names, or else the best one that instantiates, synchronously (browsers may refuse large synchronous
 * compiles on the main thread, so call init() there).
 */
export function kernels(): Kernels {
  if (active) return active;
  const forced = envBackend();
  if (forced) {
    try {
      active = ensure(forced);
    } catch (e) {
      throw loadError(forced, e);
    }
    reason = 'forced by CONVKIT_BACKEND';
    return active;
  }
  let failure: unknown = null;
  for (const name of preference()) {
    try {
      active = ensure(name);
      reason = `loaded on first use (${name}); call init() to choose`;
      break;
    } catch (e) {
      failure = e;
    }
  }
  active ??= jsKernels;
  if (active === jsKernels && failure) warnFallback(failure);
  return active;
}

function threadsReason(k: Kernels, threads: number): string {
  const mod = modules.get(k.name);
  const why =
    threadsUnavailable() ?? poolFailure() ?? (mod?.pool?.failure ? `a worker failed (${mod.pool.failure})` : null);
  if (why) return `single thread: ${why}`;
  if (!mod) return `single thread: the '${k.name}' kernels are the plain TypeScript reference`;
  if (!mod.build.endsWith('Threads'))
    return `single thread: the '${k.name}' kernels have no threads build (only wasm-simd and wasm-relaxed-simd do)`;
  if (threads === 1) return 'single thread: set by backend.setThreads(1) or CONVKIT_THREADS';
  return `${threads} threads share one WebAssembly.Memory (${coreCount()} cores; backend.setThreads(n) changes it)`;
}

/** Information about the active backend and the platform. */
export function info(): BackendInfo {
  const k = kernels();
  const mod = modules.get(k.name);
  const threads = mod ? threadsOf(mod) : 1;
  return {
    kernel: k.name,
    simd: supports('simd'),
    relaxedSimd: supports('relaxed'),
    threads,
    reason,
    threadsReason: threadsReason(k, threads),
    memoryBytes: modules.get(k.name)?.arena.memoryBytes ?? 0,
  };
}

export const backend = {
  /** Switches to a backend: 'js' (TypeScript reference), 'wasm' (scalar) or 'wasm-simd'. */
  use(name: BackendName): void {
    if (!NAMES.includes(name))
      throw new ValueError(`backend.use: unknown backend '${name}', expected one of ${NAMES.join(', ')}`);
    try {
      active = ensure(name);
      reason = 'requested';
    } catch (e) {
      throw new BackendError(
        `backend.use('${name}'): ${(e as Error).message}; await init({ backend: '${name}' }) in browsers`,
      );
    }
  },
  info,
  /**
   * Sets how many threads the wasm-simd kernels use (default: every core where threads can run, or
   * CONVKIT_THREADS in Node); null restores the default. Where threads cannot run (a page that is not
   * cross-origin isolated) the kernels stay on one thread and info().threadsReason says why. New workers
   * start in the background (their share runs on the calling thread meanwhile); `await init()` waits for them.
   */
  setThreads(n: number | null): BackendInfo {
    if (n !== null && (!Number.isInteger(n) || n < 1 || n > 256))
      throw new ValueError(`backend.setThreads: expected an integer from 1 to 256 or null, got ${fmtValue(n)}`);
    setThreadsWanted(n);
    return info();
  },
  /** The thread count kernels with a threads build use (1 where threads cannot run). */
  threads(): number {
    return threadsWanted();
  },
  /** The kernels of a backend by name (loads it if needed); the active one when no name is given. @internal */
  kernels(name?: BackendName): Kernels {
    return name ? ensure(name) : kernels();
  },
  /** Names of the backends this runtime can run. */
  available(): BackendName[] {
    return preference().reverse();
  },
  /** The loaded WASM module of a backend (tests and benchmarks inspect memory and build flags). @internal */
  module(name: BackendName): WasmModule | undefined {
    ensure(name);
    return modules.get(name);
  },
  /**
   * Test and benchmark switch: false copies every op output out of WebAssembly memory, as the builds without
   * shared memory do (true, the default, lets the threads builds keep outputs there). @internal
   */
  setResidentOutputs,
  /** Runs f with a backend active, restoring the previous one after. */
  with<T>(name: BackendName, f: () => T): T {
    const prev = kernels(),
      prevReason = reason;
    backend.use(name);
    try {
      return f();
    } finally {
      active = prev;
      reason = prevReason;
    }
  },
};
