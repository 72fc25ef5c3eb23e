// Loads one WebAssembly build and manages its memory with a grow-only scratch arena:
// each kernel call resets the arena, copies its inputs in, runs, and copies the output out.
// Memory therefore never exceeds the largest single call's needs (plus the blocks inference plans pin
// below the scratch for their lives), with no dispose() anywhere.
// On the threads builds' shared memory an output is written instead into a "resident" block below the
// scratch and handed out as a view (src/backend/resident.ts), and a resident input is read where it lies:
// no copy either way. Growing a shared memory leaves views valid; a plain memory's growth would detach
// them, so the other builds keep the copies. A plain array that tensors hold moves into a block the first
// time a kernel reads it (Arena.moveIn) and is read in place from then on. Resident blocks are capped by the
// pool limit (past it, outputs are copied out), so memory stays bounded with no dispose() too.
// The threads builds import one shared memory that a pool of workers also instantiates the module on.
import { instantiate as loaderInstantiate, instantiateSync as loaderInstantiateSync } from '@assemblyscript/loader';
import * as binaries from './binaries';
import { BackendError, ValueError } from '../../errors';
import { ThreadPool, threadsUnavailable } from './threads';
import { coreCount, envVar } from '../../platform';
import { GEOMETRY_BLOCK_FIELDS, POOL_GEOMETRY_FIELDS } from './geometry';
import { acquire } from '../pool';
import {
  adopt,
  canReside,
  liveBlock,
  migrate,
  movable,
  MIN_RESIDENT_BYTES,
  registerCache,
  residentSettings,
  residentStats,
  retire,
  type Block,
  type BlockOwner,
} from '../resident';

export type Build = 'scalar' | 'simd' | 'relaxed' | 'simdThreads' | 'relaxedThreads';

/** The build that adds threads to a single-threaded one. */
const THREADED: Partial<Record<Build, Build>> = { simd: 'simdThreads', relaxed: 'relaxedThreads' };
/** Pages of the threads builds' shared memory: asconfig.json's initialMemory and maximumMemory. */
const SHARED_PAGES = { initial: 16, maximum: 65536 };

/** The raw exports of a build: kernels take byte pointers and i32 sizes. */
export type WasmExports = Record<string, any> & { memory: WebAssembly.Memory };

const PAGE = 65536;

/** Bytes of one float32 in WebAssembly memory. */
export const F32 = Float32Array.BYTES_PER_ELEMENT;
/** Rounds a byte offset up to 16 for v128 loads and stores (arithmetic, not `& ~15`: addresses reach 4 GiB). */
export const align16 = (p: number) => Math.ceil(p / 16) * 16;

/** Typed arrays a kernel reads or writes. */
export type KernelArray = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * A kernel input: an array to copy in, null for an absent optional one (pointer 0), or an array with bytes of
 * slack after it for kernels that read whole vectors past the last element.
 */
export type ArenaInput = KernelArray | null | { data: KernelArray; room: number };

/** A typed-array constructor results are copied out as. */
type ArrayType<V extends KernelArray> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): V;
  readonly BYTES_PER_ELEMENT: number;
};

/**
 * A kernel's result: how many floats, or values of another type with bytes of slack after them; `zero` clears it
 * first for kernels that accumulate into their output.
 */
export type ArenaOutput<V extends KernelArray = Float32Array> =
  number | { type?: ArrayType<V>; length: number; room?: number; zero?: boolean };

export class Arena implements BlockOwner {
  private top: number;
  /** Where the scratch starts: past every pinned and resident block. */
  private base: number;
  /** Pinned blocks, start -> end (bytes). */
  private readonly pinned = new Map<number, number>();
  /** Resident blocks, handed out or cached for reuse, start -> end (bytes). */
  private readonly blocks = new Map<number, number>();
  /** Freed resident blocks by byte size, for the next output of that size. */
  private readonly cached = new Map<number, number[]>();
  /** Whether outputs may live in this memory: only a shared one keeps views valid when it grows. */
  readonly resident: boolean;
  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly heapBase: number,
  ) {
    this.base = this.top = align16(heapBase);
    this.resident = canReside && typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    if (this.resident) registerCache(this);
  }

  /** Forgets every allocation; call at the start of each kernel. */
  reset(): void {
    this.top = this.base;
  }

  /** Grows memory to hold `end` bytes, or throws a BackendError naming the need. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // past 4 GiB (or the engine's limit) grow() throws a RangeError; keep the arena as it was
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      throw new BackendError(
        `wasm: a kernel needs ${end} bytes of memory and WebAssembly cannot grow that far (${(e as Error).message}); use smaller batches or backend 'js'`,
      );
    }
  }

  /** Reserves bytes (16-aligned for v128 loads), growing memory when needed. */
  allocBytes(bytes: number): number {
    const ptr = align16(this.top);
    const end = ptr + bytes;
    this.ensure(end);
    this.top = end;
    return ptr;
  }

  /**
   * Reserves bytes that outlive kernel calls (an inference plan's weights and activations) until
   * unpin(ptr): first fit among the pinned blocks, the scratch moving past the last one. Call between
   * kernel calls only (it resets the scratch).
   */
  pin(bytes: number): number {
    const at = this.firstFit(bytes);
    this.ensure(at + bytes);
    this.pinned.set(at, at + bytes);
    this.base = this.top = Math.max(this.base, align16(at + bytes));
    return at;
  }

  /** Frees a pinned block; the scratch moves down to the end of the last block still pinned or resident. */
  unpin(ptr: number): void {
    if (this.pinned.delete(ptr)) this.lowerBase();
  }

  /** The lowest 16-aligned start with `bytes` free before the next pinned or resident block (or past them all). */
  private firstFit(bytes: number): number {
    let at = align16(this.heapBase);
    for (const [s, e] of [...this.pinned, ...this.blocks].sort((a, b) => a[0] - b[0])) {
      if (s - at >= bytes) break;
      at = Math.max(at, align16(e));
    }
    return at;
  }

  /** Moves the scratch down to the end of the last pinned or resident block. */
  private lowerBase(): void {
    let end = this.heapBase;
    for (const e of this.pinned.values()) end = Math.max(end, e);
    for (const e of this.blocks.values()) end = Math.max(end, e);
    this.base = this.top = align16(end);
  }

  /**
   * A resident block for an output of `bytes`, or null for the copy-out path (not a shared memory, a small
   * output, or past the cap). A freed block of the same size is reused; else the block goes past the others,
   * or, once they span more than twice the cap, into the first hole that fits. Call before reset().
   */
  private reserve(bytes: number): Block | null {
    if (!this.resident || !residentSettings.enabled || bytes < MIN_RESIDENT_BYTES) return null;
    const list = this.cached.get(bytes);
    let at: number | undefined = list?.pop();
    if (at !== undefined) {
      residentStats.cachedBytes -= bytes;
    } else {
      const limit = residentSettings.limitBytes;
      if (residentStats.liveBytes + residentStats.cachedBytes + bytes > limit) {
        this.dropCached(limit - residentStats.liveBytes - bytes);
        if (residentStats.liveBytes + residentStats.cachedBytes + bytes > limit) return null;
      }
      const bound = align16(this.heapBase) + this.pinnedBytes + 2 * limit;
      at = align16(this.base);
      if (at + bytes > bound) at = this.firstFit(bytes);
      if (at + bytes > bound) return null;
      try {
        this.ensure(at + bytes);
      } catch {
        return null; // the copy-out path reports what it cannot allocate
      }
      this.blocks.set(at, at + bytes);
      this.base = Math.max(this.base, align16(at + bytes));
    }
    residentStats.liveBytes += bytes;
    residentStats.liveBlocks++;
    return { ptr: at, bytes, owner: this, holders: 0, live: true };
  }

  /** Takes a resident block back (its last tensor disposed, or its view collected) and keeps it for reuse. */
  free(b: Block): void {
    if (!b.live) return;
    retire(b);
    residentStats.liveBytes -= b.bytes;
    residentStats.liveBlocks--;
    const poison = residentSettings.poison;
    if (poison !== null) new Float32Array(this.memory.buffer, b.ptr, b.bytes / F32).fill(poison);
    let list = this.cached.get(b.bytes);
    if (!list) this.cached.set(b.bytes, (list = []));
    list.push(b.ptr);
    residentStats.cachedBytes += b.bytes;
    this.dropCached(residentSettings.limitBytes - residentStats.liveBytes);
  }

  /** Forgets cached (free) resident blocks until all arenas cache at most `toBytes`; the scratch moves down. */
  dropCached(toBytes: number): void {
    if (residentStats.cachedBytes <= toBytes) return;
    let dropped = false;
    for (const [bytes, list] of this.cached) {
      while (list.length > 0 && residentStats.cachedBytes > toBytes) {
        this.blocks.delete(list.pop()!);
        residentStats.cachedBytes -= bytes;
        dropped = true;
      }
      if (list.length === 0) this.cached.delete(bytes);
    }
    if (dropped) this.lowerBase();
  }

  /** Bytes pinned now. */
  get pinnedBytes(): number {
    let n = 0;
    for (const [s, e] of this.pinned) n += e - s;
    return n;
  }

  /** Reserves room for n float32 values. */
  alloc(n: number): number {
    return this.allocBytes(n * 4);
  }

  /** A fresh view (views go stale after memory.grow, so never keep one across allocations). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** Allocates and copies src into wasm memory; returns its pointer. */
  put(src: Float32Array): number {
    const ptr = this.alloc(src.length);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }

  /** Allocates n floats set to zero. */
  zeros(n: number): number {
    const ptr = this.alloc(n);
    this.f32(ptr, n).fill(0);
    return ptr;
  }

  /** Allocates and copies any typed array in byte for byte, `room` bytes of slack after it; returns its pointer. */
  putBytes(src: KernelArray, room = 0): number {
    const ptr = this.allocBytes(src.byteLength + room);
    new Uint8Array(this.memory.buffer, ptr, src.byteLength).set(
      new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
    );
    return ptr;
  }

  /**
   * One kernel call on the scratch: resets it, copies the inputs in (null gives pointer 0, an array listed twice
   * is copied once), reserves the output (if any), runs `body` with the inputs' pointers followed by the
   * output's, and copies the output out. Scratch the kernel needs is allocated inside body.
   */
  call<V extends KernelArray = Float32Array>(
    inputs: readonly ArenaInput[],
    output: ArenaOutput<V>,
    body: (ptrs: number[]) => void,
  ): V;
  call(inputs: readonly ArenaInput[], output: null, body: (ptrs: number[]) => void): void;
  call<V extends KernelArray>(
    inputs: readonly ArenaInput[],
    output: ArenaOutput<V> | null,
    body: (ptrs: number[]) => void,
  ): V | void {
    if (output === null) {
      // in-place kernels (optimizers) write into their inputs: those never move
      this.reset();
      body(this.inputs(inputs));
      return;
    }
    if (this.resident && residentSettings.enabled) inputs = this.moveIn(inputs);
    if (typeof output === 'number') {
      // the common case, floats out: no spec object, the monomorphic path
      const block = this.reserve(output * F32);
      this.reset();
      const ptrs = this.inputs(inputs);
      const out = block !== null ? block.ptr : this.alloc(output);
      ptrs.push(out);
      this.run(body, ptrs, block);
      return (block !== null ? this.view(block, output) : this.take(out, output)) as V;
    } else {
      const type = output.type ?? (Float32Array as unknown as ArrayType<V>),
        bytes = output.length * type.BYTES_PER_ELEMENT,
        floats = type === (Float32Array as unknown),
        block = floats && !output.room ? this.reserve(bytes) : null;
      this.reset();
      const ptrs = this.inputs(inputs);
      const out = block !== null ? block.ptr : this.allocBytes(bytes + (output.room ?? 0));
      if (output.zero) new Uint8Array(this.memory.buffer, out, bytes).fill(0);
      ptrs.push(out);
      this.run(body, ptrs, block);
      if (block !== null) return this.view(block, output.length) as V;
      if (floats) return this.take(out, output.length) as V;
      return new type(this.memory.buffer as ArrayBuffer, out, output.length).slice() as V;
    }
  }

  /**
   * Moves the plain arrays among a pure kernel's inputs that tensors hold into resident blocks (one copy each; the
   * tensors then hold the views, read in place from now on) and returns the inputs with the views in their place.
   * Past the cap an array stays plain and is copied in per call. Call before reserve() and reset().
   */
  private moveIn(inputs: readonly ArenaInput[]): readonly ArenaInput[] {
    let out: ArenaInput[] | null = null;
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      if (!(x instanceof Float32Array) || !movable(x)) continue;
      const block = this.reserve(x.byteLength);
      if (block === null) continue;
      new Float32Array(this.memory.buffer, block.ptr, x.length).set(x);
      const view = this.view(block, x.length);
      if (migrate(x, view, block) === 0) {
        this.free(block); // every tensor on it was disposed: nothing would hold the block
        continue;
      }
      out ??= inputs.slice();
      for (let j = i; j < out.length; j++) if (out[j] === x) out[j] = view;
    }
    return out ?? inputs;
  }

  /** Runs a kernel body; a resident block reserved for its output goes back if it throws. */
  private run(body: (ptrs: number[]) => void, ptrs: number[], block: Block | null): void {
    try {
      body(ptrs);
    } catch (e) {
      if (block !== null) this.free(block);
      throw e;
    }
  }

  /** The inputs' pointers: each copied in, or where it already lies (a resident view of this memory). */
  private inputs(inputs: readonly ArenaInput[]): number[] {
    const ptrs: number[] = [];
    for (let i = 0; i < inputs.length; i++) ptrs.push(this.input(inputs, i, ptrs));
    return ptrs;
  }

  /** Copies inputs[i] in, or reuses the pointer of an earlier listing of the same array or of a resident view. */
  private input(inputs: readonly ArenaInput[], i: number, ptrs: number[]): number {
    const x = inputs[i];
    if (x === null) return 0;
    for (let j = 0; j < i; j++) if (inputs[j] === x) return ptrs[j];
    if (x instanceof Float32Array) {
      // a view's byte offset in this memory is its address (inputs with slack are copied: a kernel may read past)
      if (this.resident && liveBlock(x, this) !== undefined) return x.byteOffset;
      return this.put(x);
    }
    return ArrayBuffer.isView(x) ? this.putBytes(x) : this.putBytes(x.data, x.room);
  }

  /** A resident block's output as a view on this memory (valid across growth: the memory is shared). */
  private view(block: Block, n: number): Float32Array {
    return adopt(new Float32Array(this.memory.buffer, block.ptr, n), block);
  }

  /**
   * A copy of n floats at ptr that outlives later calls: a resident view where outputs may reside (no fresh
   * JS array: in Chromium a fresh 1.6 MB one costs about 6.5 ms), else an array from the output pool.
   * Call between kernel calls (an inference plan's result, read from its pinned activations).
   */
  result(ptr: number, n: number): Float32Array {
    const block = this.reserve(n * F32);
    if (block === null) return this.take(ptr, n);
    new Float32Array(this.memory.buffer).copyWithin(block.ptr / F32, ptr / F32, ptr / F32 + n);
    return this.view(block, n);
  }

  /** Copies n floats out of wasm memory into an array from the output pool (recycled when tensors are disposed). */
  take(ptr: number, n: number): Float32Array {
    const out = acquire(n);
    out.set(this.f32(ptr, n));
    return out;
  }

  /** Current size of linear memory in bytes (the high-water mark: it never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

export interface WasmModule {
  build: Build;
  exports: WasmExports;
  arena: Arena;
  compiled: WebAssembly.Module;
  /** The worker pool, when this build runs on shared memory and more than one thread is wanted. */
  pool: ThreadPool | null;
}

const bytesCache = new Map<Build, Uint8Array<ArrayBuffer>>();
function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return Uint8Array.from((globalThis as any).Buffer.from(s, 'base64') as Uint8Array);
}

/** The bytes of a build (decoded once). */
export function buildBytes(build: Build): Uint8Array<ArrayBuffer> {
  let b = bytesCache.get(build);
  if (!b) {
    b = decodeBase64(binaries[build]);
    bytesCache.set(build, b);
  }
  return b;
}

/** Whether this runtime validates a build (the feature probe for SIMD and relaxed SIMD). */
export function supports(build: Build): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(buildBytes(build));
  } catch {
    return false;
  }
}

const abort = (_msg: number, _file: number, line: number, col: number) => {
  throw new BackendError(`wasm abort at ${line}:${col}`);
};

/** The build to load for a requested one: its threads variant where threads can run. */
export function resolveBuild(build: Build): Build {
  const threaded = THREADED[build];
  return threaded && threadsUnavailable() === null && supports(threaded) ? threaded : build;
}

function importsFor(build: Build): WebAssembly.Imports {
  const shared = build.endsWith('Threads');
  return { env: shared ? { abort, memory: new WebAssembly.Memory({ ...SHARED_PAGES, shared: true }) } : { abort } };
}

function wrap(build: Build, compiled: WebAssembly.Module, exports: any): WasmModule {
  const ex = exports as WasmExports;
  // the conv geometry block is written here and read there: a build from other sources must not load
  if (ex.geometryFields() !== GEOMETRY_BLOCK_FIELDS) {
    throw new BackendError(
      `wasm build '${build}' reads conv geometry blocks of ${ex.geometryFields()} fields, the host writes ${GEOMETRY_BLOCK_FIELDS}; rebuild with npm run build:wasm`,
    );
  }
  if (ex.poolGeometryFields() !== POOL_GEOMETRY_FIELDS.length) {
    throw new BackendError(
      `wasm build '${build}' reads pooling geometry blocks of ${ex.poolGeometryFields()} fields, the host writes ${POOL_GEOMETRY_FIELDS.length}; rebuild with npm run build:wasm`,
    );
  }
  const base = Number(ex.heapBase());
  return { build, exports: ex, arena: new Arena(ex.memory, base), compiled, pool: null };
}

/**
 * Instantiates a build (or its threads variant) synchronously (fine in Node and workers; browsers prefer the async
 * form).
 */
export function instantiateSync(requested: Build): WasmModule {
  if (!supports(requested)) throw new BackendError(`wasm build '${requested}' does not validate on this runtime`);
  const build = resolveBuild(requested);
  const compiled = new WebAssembly.Module(buildBytes(build));
  return wrap(build, compiled, loaderInstantiateSync(compiled, importsFor(build)).exports);
}

/** Instantiates a build (or its threads variant) asynchronously. */
export async function instantiate(requested: Build): Promise<WasmModule> {
  if (!supports(requested)) throw new BackendError(`wasm build '${requested}' does not validate on this runtime`);
  const build = resolveBuild(requested);
  const compiled = await WebAssembly.compile(buildBytes(build));
  const { exports } = await loaderInstantiate(compiled, importsFor(build));
  return wrap(build, compiled, exports);
}

// ---- threads ----

let wanted: number | null = null;
let fallback: number | null = null;

/** The default thread count: CONVKIT_THREADS (Node) if set, else every core where threads can run. */
function defaultThreads(): number {
  if (threadsUnavailable() !== null) return 1;
  const env = envVar('CONVKIT_THREADS');
  if (env === undefined || env === '') return coreCount();
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new ValueError(`CONVKIT_THREADS: expected an integer from 1 to 256, got ${JSON.stringify(env)}`);
  return n;
}

/** Threads kernels may use: set by setThreads, else the default. */
export function threadsWanted(): number {
  return wanted ?? (fallback ??= defaultThreads());
}

/** Sets the thread count (validated by the caller; null = the default); pools resize on their next call. */
export function setThreadsWanted(n: number | null): void {
  wanted = n;
}

// Why starting workers failed (e.g. a page whose CSP forbids blob: workers), or null; set once, read via poolFailure().
let startFailure: string | null = null;

/** Why starting workers failed (e.g. a page whose CSP forbids blob: workers), or null. */
export const poolFailure = (): string | null => startFailure;

/** Threads a module's kernels run on now (1 for builds without shared memory, or when workers cannot start). */
export function threadsOf(mod: WasmModule): number {
  return mod.build.endsWith('Threads') && startFailure === null && !mod.pool?.failure ? threadsWanted() : 1;
}

/**
 * The module's pool when more than one thread is wanted. A pool only ever grows: asking for fewer threads
 * uses fewer of its workers, so switching back and forth never restarts workers.
 */
export function poolOf(mod: WasmModule): ThreadPool | null {
  const n = threadsOf(mod);
  if (n <= 1) return null;
  if (!mod.pool || mod.pool.threads < n) {
    mod.pool?.close();
    mod.pool = null;
    try {
      mod.pool = new ThreadPool(mod.compiled, mod.arena.memory, mod.exports, n);
    } catch (e) {
      startFailure = `workers failed to start (${(e as Error)?.message ?? e})`; // one thread from now on
      return null;
    }
  }
  return mod.pool;
}

/** Starts the module's pool if threads are wanted and resolves once its workers are up (or after timeoutMs). */
export async function poolReady(mod: WasmModule, timeoutMs = 10_000): Promise<void> {
  const pool = poolOf(mod);
  const until = Date.now() + timeoutMs;
  while (pool && pool.ready < pool.threads - 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}

/** Below this many flops a call runs on one thread: waking workers costs more than it saves. */
const MIN_PARALLEL_FLOPS = 1 << 20;

/**
 * Fewest flops per float read or written for a call to split: below it (depthwise convolutions: about 9)
 * the work is memory-bound, and moving the data between cores costs more than the second core saves
 * (measured: depthwise 3x3 56x56x128 ran 0.7x as fast on 2 threads).
 */
const MIN_PARALLEL_INTENSITY = 16;

/** How many parts to split a call of this many flops, moving this many floats, into. */
export function partsFor(mod: WasmModule, flops: number, floats = 0): number {
  if (flops < MIN_PARALLEL_FLOPS || flops < MIN_PARALLEL_INTENSITY * floats) return 1;
  return poolOf(mod) ? threadsOf(mod) : 1;
}

/** Runs export fn once per argument list: in parallel on the pool when there is one, else in turn. */
export function runParts(mod: WasmModule, fn: string, parts: number[][]): void {
  if (parts.length > 1 && mod.pool) mod.pool.run(fn, parts);
  else for (const a of parts) mod.exports[fn](...a);
}
