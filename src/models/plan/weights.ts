// Packed weights shared by the plans of one WebAssembly module. A model keeps two plans (another input shape, batch
// size or thread count), and each used to pin its own copy of every packed weight: two VGG-16 plans held 2 x 700 MB.
// Plans now take each packed weight from this store, a block pinned once per distinct content and counted, unpinned
// when the last plan holding it is released. Content is the key, not identity: lowering a model folds batch norm
// into new arrays every time, and two models with equal weights may share too (plans never write their weights).
import type { WasmModule } from '../../backend/wasm/module';

interface Entry {
  ptr: number;
  bytes: number;
  refs: number;
  key: string;
}

interface Store {
  byKey: Map<string, Entry[]>;
  byPtr: Map<number, Entry>;
}

const stores = new WeakMap<WasmModule, Store>();

function storeOf(mod: WasmModule): Store {
  let s = stores.get(mod);
  if (!s) stores.set(mod, (s = { byKey: new Map(), byPtr: new Map() }));
  return s;
}

/** Equal contents always share a key: the length and 32 bytes sampled across the content. */
function keyOf(content: Uint8Array): string {
  const n = content.length,
    step = Math.max(1, Math.floor(n / 32));
  let h = n | 0;
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ content[i], 0x01000193);
  return `${n}:${h >>> 0}`;
}

/** Byte equality, 4 bytes at a time where both are aligned for it (blocks are 16-aligned). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const n = a.length >> 2,
      a4 = new Int32Array(a.buffer, a.byteOffset, n),
      b4 = new Int32Array(b.buffer, b.byteOffset, n);
    for (; i < n; i++) if (a4[i] !== b4[i]) return false;
    i = n << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A pinned block of `bytes` that write(ptr) fills, shared with every plan of the module that holds the same bytes:
 * the block is pinned and written first, and given back if an equal one is already held. Each call takes one
 * reference, which releaseWeights gives back.
 */
export function acquireWeights(mod: WasmModule, bytes: number, write: (ptr: number) => void): number {
  const store = storeOf(mod),
    ptr = mod.arena.pin(bytes);
  const heap = () => new Uint8Array(mod.exports.memory.buffer as ArrayBuffer),
    view = (at: number) => heap().subarray(at, at + bytes);
  try {
    write(ptr);
  } catch (e) {
    mod.arena.unpin(ptr);
    throw e;
  }
  const key = keyOf(view(ptr)),
    same = store.byKey.get(key)?.find((e) => sameBytes(view(e.ptr), view(ptr)));
  if (same) {
    mod.arena.unpin(ptr);
    same.refs++;
    return same.ptr;
  }
  const e: Entry = { ptr, bytes, refs: 1, key };
  store.byPtr.set(ptr, e);
  const list = store.byKey.get(key);
  if (list) list.push(e);
  else store.byKey.set(key, [e]);
  return ptr;
}

/** Gives back one reference to a block from acquireWeights; the last one unpins it. */
export function releaseWeights(mod: WasmModule, ptr: number): void {
  const store = storeOf(mod),
    e = store.byPtr.get(ptr);
  if (!e || --e.refs > 0) return;
  store.byPtr.delete(ptr);
  const list = store.byKey.get(e.key)!;
  list.splice(list.indexOf(e), 1);
  if (!list.length) store.byKey.delete(e.key);
  mod.arena.unpin(ptr);
}

/** Bytes of distinct packed weights the module's plans hold (each shared block once). */
export function sharedWeightBytes(mod: WasmModule): number {
  let n = 0;
  for (const e of storeOf(mod).byPtr.values()) n += e.bytes;
  return n;
}
