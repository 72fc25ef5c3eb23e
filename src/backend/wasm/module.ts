// Loads one WebAssembly build and manages its memory with a grow-only scratch arena:
// each kernel call resets the arena, copies its inputs in, runs, and copies the output out.
// Memory therefore never exceeds the largest single call's needs, with no dispose() anywhere.
import { instantiate as loaderInstantiate, instantiateSync as loaderInstantiateSync } from '@assemblyscript/loader';
import * as binaries from './binaries';
import { BackendError } from '../../errors';

export type Build = 'scalar' | 'simd' | 'relaxed';

/** The raw exports of a build: kernels take byte pointers and i32 sizes. */
export type WasmExports = Record<string, any> & { memory: WebAssembly.Memory };

const PAGE = 65536;

export class Arena {
  private top: number;
  constructor(readonly memory: WebAssembly.Memory, readonly base: number) { this.top = base; }

  /** Forgets every allocation; call at the start of each kernel. */
  reset(): void { this.top = this.base; }

  /** Reserves bytes (16-aligned for v128 loads), growing memory when needed. */
  allocBytes(bytes: number): number {
    const ptr = (this.top + 15) & ~15;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // past 4 GiB (or the engine's limit) grow() throws a RangeError; keep the arena as it was
      try { this.memory.grow(Math.ceil((end - have) / PAGE)); } catch (e) {
        throw new BackendError(`wasm: a kernel needs ${end} bytes of memory and WebAssembly cannot grow that far (${(e as Error).message}); use smaller batches or backend 'js'`);
      }
    }
    this.top = end;
    return ptr;
  }

  /** Reserves room for n float32 values. */
  alloc(n: number): number { return this.allocBytes(n * 4); }

  /** A fresh view (views go stale after memory.grow, so never keep one across allocations). */
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }

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

  /** Copies n floats out of wasm memory into a new array. */
  take(ptr: number, n: number): Float32Array { return this.f32(ptr, n).slice(); }

  /** Current size of linear memory in bytes (the high-water mark: it never shrinks). */
  get memoryBytes(): number { return this.memory.buffer.byteLength; }
}

export interface WasmModule { build: Build; exports: WasmExports; arena: Arena }

const bytesCache = new Map<Build, Uint8Array<ArrayBuffer>>();
function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return Uint8Array.from((globalThis as any).Buffer.from(s, "base64") as Uint8Array);
}

/** The bytes of a build (decoded once). */
export function buildBytes(build: Build): Uint8Array<ArrayBuffer> {
  let b = bytesCache.get(build);
  if (!b) { b = decodeBase64(binaries[build]); bytesCache.set(build, b); }
  return b;
}

/** Whether this runtime validates a build (the feature probe for SIMD and relaxed SIMD). */
export function supports(build: Build): boolean {
  try { return typeof WebAssembly === 'object' && WebAssembly.validate(buildBytes(build)); } catch { return false; }
}

const imports = { env: { abort(_msg: number, _file: number, line: number, col: number) { throw new BackendError(`wasm abort at ${line}:${col}`); } } };

function wrap(build: Build, exports: any): WasmModule {
  const ex = exports as WasmExports;
  const base = Number(ex.heapBase());
  return { build, exports: ex, arena: new Arena(ex.memory, base) };
}

/** Instantiates a build synchronously (fine in Node and workers; browsers prefer the async form). */
export function instantiateSync(build: Build): WasmModule {
  if (!supports(build)) throw new BackendError(`wasm build '${build}' does not validate on this runtime`);
  return wrap(build, loaderInstantiateSync(buildBytes(build), imports).exports);
}

/** Instantiates a build asynchronously. */
export async function instantiate(build: Build): Promise<WasmModule> {
  if (!supports(build)) throw new BackendError(`wasm build '${build}' does not validate on this runtime`);
  const { exports } = await loaderInstantiate(buildBytes(build), imports);
  return wrap(build, exports);
}
