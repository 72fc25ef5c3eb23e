// A pool of workers running kernels on one shared WebAssembly.Memory, fork-join style: a wrapper splits a
// kernel call into parts (output tiles, batch items or image rows), the workers run parts 1..n-1 on their
// own instances of the same module and the calling thread runs part 0, then waits for the rest. Calls stay
// synchronous, so every kernel keeps its signature; signalling goes through Atomics on a small shared
// control block, with no message per call. Workers sleep in Atomics.wait between calls.
import { BackendError } from '../../errors';
import { hasNodeBuiltins, isNode, workerFactory, type SourceWorker } from '../../platform';

/** i32 fields per worker in the control block. */
const SLOT = 8;
const STATE = 0,
  FN = 1,
  FAILED = 2,
  READY = 3,
  NARGS = 4;
const IDLE = 0,
  BUSY = 1,
  STOP = 2;
/**
 * Polls of the state word before sleeping in Atomics.wait (about 0.1 ms): kernel calls come in bursts
 * (a training step makes dozens), and a futex wake-up costs more than the next call's whole part.
 */
const SPIN = 20000;
/** f64 argument cells per worker (kernels take at most 15 arguments). */
const ARGS = 16;

// The worker: instantiate the module on the shared memory, report ready, then run posted calls until told
// to stop. Plain JavaScript so that one string serves Node's worker_threads and browsers' Web Workers.
const WORKER_SOURCE = `
const run = (d) => {
  const instance = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() { throw new Error('wasm abort'); } } });
  const fns = d.names.map((n) => instance.exports[n]);
  const ctl = new Int32Array(d.control, 0, d.workers * ${SLOT});
  const args = new Float64Array(d.control, d.workers * ${SLOT} * 4);
  const s = d.index * ${SLOT}, a = d.index * ${ARGS};
  Atomics.store(ctl, s + ${READY}, 1);
  for (;;) {
    for (let i = 0; i < ${SPIN} && Atomics.load(ctl, s + ${STATE}) === ${IDLE}; i++);
    Atomics.wait(ctl, s + ${STATE}, ${IDLE});
    const state = Atomics.load(ctl, s + ${STATE});
    if (state === ${STOP}) return;
    if (state !== ${BUSY}) continue;
    try { fns[ctl[s + ${FN}]](...args.subarray(a, a + ctl[s + ${NARGS}])); ctl[s + ${FAILED}] = 0; }
    catch { ctl[s + ${FAILED}] = 1; }
    Atomics.store(ctl, s + ${STATE}, ${IDLE});
    Atomics.notify(ctl, s + ${STATE});
  }
};
if (typeof self === 'undefined') {
  // getBuiltinModule, not require: Node parses this source as ESM when the program runs with --input-type=module
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  parentPort.once('message', (d) => { run(d); parentPort.close(); });
} else {
  self.onmessage = (e) => { run(e.data); self.close(); };
}
`;

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailable(): string | null {
  const g = globalThis as any;
  if (typeof g.SharedArrayBuffer !== 'function') {
    return typeof g.window !== 'undefined'
      ? 'this page is not cross-origin isolated (no COOP/COEP headers), so SharedArrayBuffer is unavailable'
      : 'SharedArrayBuffer is unavailable in this runtime';
  }
  if (isNode && !hasNodeBuiltins())
    return 'this Node has no process.getBuiltinModule (Node >= 20.16 needed to start workers synchronously)';
  if (!workerFactory()) return 'this runtime cannot start workers';
  return null;
}

/** Whether this thread may block in Atomics.wait (not on a browser's main thread: it spins there). */
let blockingAllowed: boolean | null = null;
function canBlock(ctl: Int32Array): boolean {
  if (blockingAllowed === null) {
    try {
      Atomics.wait(ctl, 0, -1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

export class ThreadPool {
  private readonly workers: SourceWorker[] = [];
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly ids = new Map<string, number>();
  /** Why a worker failed, if one did. */
  failure: string | null = null;

  /** threads counts the calling thread: a pool of n starts n-1 workers. */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly local: Record<string, any>,
    readonly threads: number,
  ) {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    names.forEach((n, i) => this.ids.set(n, i));
    const n = threads - 1;
    const control = new SharedArrayBuffer(n * SLOT * 4 + n * ARGS * 8);
    this.ctl = new Int32Array(control, 0, n * SLOT);
    this.args = new Float64Array(control, n * SLOT * 4);
    const start = workerFactory();
    if (!start) throw new BackendError(`threads: ${threadsUnavailable()}`);
    for (let i = 0; i < n; i++) {
      const w = start(WORKER_SOURCE);
      w.unref?.(); // idle workers must not keep Node alive
      // a worker that fails never reports ready, so its parts run on the calling thread; keep the reason
      const failed = (e: unknown) => {
        this.failure ??= String((e as Error)?.message ?? (e as ErrorEvent)?.message ?? e);
      };
      if (w.on) w.on('error', failed);
      else w.addEventListener?.('error', failed);
      w.postMessage({ module, memory, control, names, index: i, workers: n });
      this.workers.push(w);
    }
  }

  /** Workers that finished starting (the others' parts run on the calling thread meanwhile). */
  get ready(): number {
    let r = 0;
    for (let i = 0; i < this.workers.length; i++) r += Atomics.load(this.ctl, i * SLOT + READY);
    return r;
  }

  /**
   * Runs export fn once per argument list, in parallel, and returns when all are done. Part 0 runs here,
   * as does any part whose worker is still starting, so a result never depends on worker timing.
   */
  run(fn: string, parts: number[][]): void {
    const id = this.ids.get(fn);
    if (id === undefined) throw new BackendError(`threads: the module has no kernel '${fn}'`);
    const sent: number[] = [];
    const here: number[][] = [parts[0]];
    for (let p = 1; p < parts.length; p++) {
      const w = p - 1,
        s = w * SLOT;
      if (w < this.workers.length && Atomics.load(this.ctl, s + READY) === 1) {
        this.args.set(parts[p], w * ARGS);
        this.ctl[s + FN] = id;
        this.ctl[s + NARGS] = parts[p].length;
        Atomics.store(this.ctl, s + STATE, BUSY);
        Atomics.notify(this.ctl, s + STATE);
        sent.push(w);
      } else here.push(parts[p]);
    }
    let error: unknown = null;
    try {
      for (const a of here) this.local[fn](...a);
    } catch (e) {
      error = e;
    }
    // wait for every worker even after an error: they write into memory the next call reuses
    const block = canBlock(this.ctl);
    for (const w of sent) {
      const s = w * SLOT;
      for (let i = 0; i < SPIN && Atomics.load(this.ctl, s + STATE) === BUSY; i++);
      while (Atomics.load(this.ctl, s + STATE) === BUSY) if (block) Atomics.wait(this.ctl, s + STATE, BUSY, 50);
      if (this.ctl[s + FAILED]) error ??= new BackendError(`threads: kernel '${fn}' failed in worker ${w + 1}`);
    }
    if (error) throw error;
  }

  /** Stops the workers (they finish their current part first). */
  close(): void {
    for (let i = 0; i < this.workers.length; i++) {
      Atomics.store(this.ctl, i * SLOT + STATE, STOP);
      Atomics.notify(this.ctl, i * SLOT + STATE);
    }
    this.workers.length = 0;
  }
}
