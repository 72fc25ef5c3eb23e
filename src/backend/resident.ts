// Op outputs that live in WebAssembly memory between kernel calls ("resident" blocks): the bookkeeping that
// ties a Float32Array view to its block. Only builds on a shared memory use them: growing a shared memory
// keeps every view valid, while growing a plain one detaches them (and would empty users' tensors).
// A block is freed by dispose()/tidy once no tensor holds it, or when its view is garbage collected; the
// arena that owns it keeps freed blocks for reuse by size, within the pool's byte cap (setPoolLimit).
// A plain array a tensor holds (made by tensor(), or a Float32Array handed to it) moves into a block the first
// time a kernel of such a build reads it: one copy, after which its tensors hold the view (as TF.js copies into
// its heap once, at tf.tensor()). Variables never move: they are written in place (assign, optimizers).

/** What an arena does with its blocks: the allocator side (src/backend/wasm/module.ts). */
export interface BlockOwner {
  /** Takes a block back (dispose or garbage collection). */
  free(block: Block): void;
}

/** One resident block: where it lies, how many tensors hold it, and whether it is still handed out. */
export interface Block {
  readonly ptr: number;
  readonly bytes: number;
  readonly owner: BlockOwner;
  holders: number;
  live: boolean;
}

/**
 * Outputs and plain arrays below this many bytes stay out of blocks: a block's bookkeeping costs more than
 * such a copy, and it keeps the count of blocks (and so the allocator's work) small.
 */
export const MIN_RESIDENT_BYTES = 4096;

/** Every view on a live or freed block (views cut by subarray too) -> its block. */
const blockOf = new WeakMap<Float32Array, Block>();
/** A view cut from a resident view -> the view it was cut from, which it keeps alive (so the block stays held). */
const anchors = new WeakMap<Float32Array, Float32Array>();
/** Frees a block when the view it was handed out as is collected (the view, never the tensor: `.data` keeps it). */
const registry =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Block>((b) => b.owner.free(b)) : null;

/** Whether this runtime can hand out resident views (it must be able to free them when they are collected). */
export const canReside = registry !== null;

const subarray = Float32Array.prototype.subarray;
/**
 * The prototype of resident views: a Float32Array whose subarray() results keep the whole view alive,
 * so that `t.data.subarray(...)` held after t is dropped never reads a reused block. `constructor` is
 * still Float32Array.
 */
const ResidentProto: Float32Array = Object.create(Float32Array.prototype, {
  subarray: {
    value(this: Float32Array, begin?: number, end?: number): Float32Array {
      const part = subarray.call(this, begin, end) as Float32Array;
      const b = blockOf.get(this);
      if (b) {
        blockOf.set(part, b);
        anchors.set(part, anchors.get(this) ?? this);
        Object.setPrototypeOf(part, ResidentProto);
      }
      return part;
    },
    writable: true,
    configurable: true,
  },
});

/** Ties a fresh view to its block: registered for garbage collection, recognised by blockOf. */
export function adopt(view: Float32Array, block: Block): Float32Array {
  blockOf.set(view, block);
  Object.setPrototypeOf(view, ResidentProto);
  registry!.register(view, block, block);
  return view;
}

/** Marks a block freed (no more finalizer for it); the caller puts it back in its allocator. */
export function retire(block: Block): void {
  block.live = false;
  registry?.unregister(block);
}

/** The block an array views when it is a live resident view owned by `owner`, else undefined. */
export function liveBlock(data: Float32Array, owner: BlockOwner): Block | undefined {
  const b = blockOf.get(data);
  return b !== undefined && b.live && b.owner === owner ? b : undefined;
}

/** Called by the Tensor constructor through pool.retain: one more holder; false when data is not resident. */
export function retainResident(data: Float32Array): boolean {
  const b = blockOf.get(data);
  if (b === undefined) return false;
  if (b.live) b.holders++;
  return true;
}

/** Called by dispose through pool.release: the last holder frees the block at once; false when not resident. */
export function releaseResident(data: Float32Array): boolean {
  const b = blockOf.get(data);
  if (b === undefined) return false;
  if (b.live && --b.holders <= 0) b.owner.free(b);
  return true;
}

/** Byte counts over every arena: blocks handed out, and freed blocks kept for reuse. */
export const residentStats = { liveBytes: 0, liveBlocks: 0, cachedBytes: 0 };

/** Settings the pool passes on: the cap on live + cached bytes, and the NaN poison tests write over freed blocks. */
export const residentSettings: { limitBytes: number; poison: number | null; enabled: boolean } = {
  limitBytes: 0,
  poison: null,
  enabled: true,
};

/** Test and benchmark switch: false sends every output down the copy-out path (the resident blocks stay). */
export function setResidentOutputs(on: boolean): void {
  residentSettings.enabled = on;
}

/** Arenas with cached blocks to drop when the cap shrinks or the pool is cleared. */
const owners = new Set<{ dropCached(toBytes: number): void }>();

/** Registers an arena's cache with the pool's cap. */
export function registerCache(o: { dropCached(toBytes: number): void }): void {
  owners.add(o);
}

/** Drops cached (free) blocks until live + cached bytes fit in `limitBytes`. */
export function trimCached(limitBytes: number): void {
  for (const o of owners) o.dropCached(Math.max(0, limitBytes - residentStats.liveBytes));
}

/** Plain arrays (neither pooled nor resident) of MIN_RESIDENT_BYTES or more -> the tensors built on them. */
const plainHolders = new WeakMap<Float32Array, object[]>();
/** Points a tensor at a view (tensor.ts sets it: `values` is private there); false for a disposed tensor. */
let rehome: (holder: object, view: Float32Array) => boolean = () => false;

/** Called once by tensor.ts: how migrate() swaps a tensor's array. */
export function setRehome(fn: (holder: object, view: Float32Array) => boolean): void {
  rehome = fn;
}

/** Called by the Tensor constructor for an array that is neither pooled nor resident: it may move later. */
export function holdPlain(data: Float32Array, holder: object): void {
  if (!canReside || data.byteLength < MIN_RESIDENT_BYTES) return;
  const list = plainHolders.get(data);
  if (list) list.push(holder);
  else plainHolders.set(data, [holder]);
}

/** Whether tensors hold this plain array, so that an arena may move it into a block (migrate). */
export const movable = (data: Float32Array): boolean => plainHolders.has(data);

/**
 * Points every live tensor holding `data` at `view` (a copy of it on `block`), each one a holder of the block;
 * returns how many. Tensors built on `data` later stay on the plain array.
 */
export function migrate(data: Float32Array, view: Float32Array, block: Block): number {
  const list = plainHolders.get(data);
  plainHolders.delete(data);
  if (list) for (const t of list) if (rehome(t, view)) block.holders++;
  return block.holders;
}
