// A bounded pool of recycled output buffers, keyed by element count. Kernel outputs are drawn from it;
// a disposed tensor gives its buffer back only when no other tensor shares it (reshape shares data),
// counted per ArrayBuffer. Buffers a user passed in are never counted, so never pooled. A fresh array
// costs little in Node but about 6.5 ms per 1.6 MB in Chromium (zero fill and page faults), so
// recycling is what makes eager ops cheap there. Without dispose() nothing is returned and the
// garbage collector frees outputs as before. Outputs that live in WebAssembly memory (src/backend/resident.ts)
// are counted and freed there, within the same cap.
import { residentSettings, residentStats, retainResident, releaseResident, trimCached } from './resident';

/** Free buffers by length. */
const free = new Map<number, Float32Array[]>();
/** Buffers this pool handed out and not yet took back -> how many tensors hold them. */
const holders = new WeakMap<ArrayBufferLike, number>();
let pooledBytes = 0;
let pooledBuffers = 0;
/** Default cap on the bytes kept for reuse; beyond it returned buffers are left to the garbage collector. */
export const DEFAULT_POOL_LIMIT = 128 * 2 ** 20;
let limitBytes = DEFAULT_POOL_LIMIT;
residentSettings.limitBytes = limitBytes;
/** Tests set a value (NaN) written over every returned buffer, so a stale read shows. */
let poison: number | null = null;

/** A Float32Array of n values from the pool (or fresh); its contents are undefined: callers overwrite all of it. */
export function acquire(n: number): Float32Array {
  const list = free.get(n);
  let a = list?.pop();
  if (a) {
    pooledBytes -= a.byteLength;
    pooledBuffers--;
  } else {
    a = new Float32Array(n);
  }
  holders.set(a.buffer, 0);
  return a;
}

/** A Float32Array of n values all set to `value` (a fresh array is not filled twice with zeros). */
export function acquireFilled(n: number, value: number): Float32Array {
  const list = free.get(n);
  if (!list?.length) {
    const a = new Float32Array(n);
    holders.set(a.buffer, 0);
    return value === 0 ? a : a.fill(value);
  }
  return acquire(n).fill(value);
}

/** Called by every Tensor built on `data`: one more holder if the pool or a resident block owns it, else false. */
export function retain(data: Float32Array): boolean {
  if (retainResident(data)) return true;
  const c = holders.get(data.buffer);
  if (c === undefined) return false;
  holders.set(data.buffer, c + 1);
  return true;
}

/** Called when a tensor built on `data` is disposed: the last holder gives the buffer back (up to the cap). */
export function release(data: Float32Array): void {
  if (releaseResident(data)) return;
  const buf = data.buffer;
  const c = holders.get(buf);
  if (c === undefined) return;
  if (c > 1) {
    holders.set(buf, c - 1);
    return;
  }
  holders.delete(buf);
  if (pooledBytes + buf.byteLength > limitBytes) return;
  const whole = new Float32Array(buf);
  if (poison !== null) whole.fill(poison);
  let list = free.get(whole.length);
  if (!list) free.set(whole.length, (list = []));
  list.push(whole);
  pooledBytes += buf.byteLength;
  pooledBuffers++;
}

/** What the pool holds now. */
export interface PoolInfo {
  /** Bytes of free buffers waiting for reuse. */
  pooledBytes: number;
  /** How many free buffers. */
  pooledBuffers: number;
  /** The cap on pooledBytes, and separately on residentBytes + residentCachedBytes. */
  limitBytes: number;
  /** Bytes of op outputs living in WebAssembly memory (threads builds), handed out and not yet freed. */
  residentBytes: number;
  /** How many such outputs. */
  residentBlocks: number;
  /** Bytes of freed WebAssembly-memory blocks kept for reuse by later outputs. */
  residentCachedBytes: number;
}

/** The pool's size and cap. */
export const poolInfo = (): PoolInfo => ({
  pooledBytes,
  pooledBuffers,
  limitBytes,
  residentBytes: residentStats.liveBytes,
  residentBlocks: residentStats.liveBlocks,
  residentCachedBytes: residentStats.cachedBytes,
});

/**
 * Sets the cap on bytes kept for reuse (0 turns recycling off), and on bytes of outputs living in WebAssembly
 * memory (0 copies every output out, as the single-threaded builds do); drops free buffers beyond it.
 */
export function setPoolLimit(bytes: number): void {
  limitBytes = Math.max(0, bytes);
  residentSettings.limitBytes = limitBytes;
  trimCached(limitBytes);
  for (const [n, list] of free) {
    while (pooledBytes > limitBytes && list.length > 0) {
      pooledBytes -= list.pop()!.byteLength;
      pooledBuffers--;
    }
    if (list.length === 0) free.delete(n);
  }
}

/** Empties the pool (the cap stays). */
export function clearPool(): void {
  trimCached(0);
  free.clear();
  pooledBytes = pooledBuffers = 0;
}

/** Test hook: fill returned buffers with this value (NaN) so a read of recycled memory shows; null stops it. */
export function setPoolPoison(value: number | null): void {
  poison = value;
  residentSettings.poison = value;
}
