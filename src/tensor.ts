import { DisposedError, ShapeError, ValueError, fmtShape } from './errors';
// tape.ts and memory.ts import this file too; none uses the other while loading, so the cycles are harmless.
import { record } from './autograd/tape';
import { track } from './memory';
import { retain, release } from './backend/pool';
import { holdPlain, setRehome } from './backend/resident';

export type Shape = number[];
/** Nested arrays of numbers, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = number | NestedArray[];
export type TensorLike = Tensor | Float32Array | NestedArray;

/** Number of elements in a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkShape(shape: readonly number[], where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`${where}: shape must hold non-negative integers, got ${fmtShape(shape)}`);
  }
}

/** A float32 tensor: a shape and a row-major Float32Array. Immutable by convention (Variable is the mutable one). */
export class Tensor {
  readonly shape: Shape;
  private values: Float32Array;
  private disposed = false;

  constructor(data: Float32Array, shape: readonly number[]) {
    checkShape(shape, 'tensor');
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(`tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
    }
    this.shape = [...shape];
    this.values = data;
    // a plain array may later move into WebAssembly memory (src/backend/resident.ts); a Variable's never does
    if (!retain(data) && new.target === Tensor) holdPlain(data, this);
    track(this);
  }

  static {
    // the first kernel that reads a plain array moves it into a resident block: its tensors then hold the view
    setRehome((holder, view) => {
      const t = holder as Tensor;
      if (t.disposed) return false;
      t.values = view;
      return true;
    });
  }

  /** The values, row-major. Throws a DisposedError after dispose(). */
  get data(): Float32Array {
    if (this.disposed) throw new DisposedError(`a tensor of shape ${fmtShape(this.shape)} was used after dispose()`);
    return this.values;
  }

  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Optional: gives the tensor's buffer back for reuse by later op outputs (once no other tensor shares it,
   * e.g. a reshape of it). Using the tensor afterwards throws a DisposedError. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    release(this.values);
  }

  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.values.length;
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return this.data[off];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: expected a tensor with one value, got shape ${fmtShape(this.shape)}`);
    return this.data[0];
  }

  /** Same data, new shape; one dimension may be -1. Shares the buffer; differentiable (ops.reshape is this). */
  reshape(shape: readonly number[]): Tensor {
    const out = new Tensor(this.data, resolveShape(shape, this.size, 'reshape'));
    return record([this], out, (dy) => [new Tensor(dy.data, this.shape)]);
  }

  toString(): string {
    return `Tensor${fmtShape(this.shape)} ${JSON.stringify(this.toArray())}`;
  }
}

/** Resolves one -1 in a shape against a total size. */
export function resolveShape(shape: readonly number[], size: number, where: string): number[] {
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== free));
    if (known === 0 || size % known !== 0)
      throw new ShapeError(`${where}: cannot reshape ${size} values into ${fmtShape(shape)}`);
    s[free] = size / known;
  }
  checkShape(s, where);
  if (sizeOf(s) !== size) throw new ShapeError(`${where}: cannot reshape ${size} values into ${fmtShape(shape)}`);
  return s;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  // ragged check happens during flattening
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: Float32Array): void {
  let k = 0;
  const walk = (d: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof d !== 'number')
        throw new ValueError(
          `tensor: expected a number at depth ${dim}, got ${Array.isArray(d) ? 'an array' : typeof d}`,
        );
      out[k++] = d;
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[dim]) {
      throw new ShapeError(
        `tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(d) ? d.length : typeof d}`,
      );
    }
    for (const e of d) walk(e, dim + 1);
  };
  walk(data, 0);
}

/**
 * Makes a Tensor from nested arrays, a Float32Array (shared, not copied, until a threads build's kernel first
 * reads it and moves it into WebAssembly memory) or a plain number array (with a shape).
 */
export function tensor(data: TensorLike | number[] | ArrayLike<number>, shape?: readonly number[]): Tensor {
  if (data instanceof Tensor) return shape ? new Tensor(data.data, resolveShape(shape, data.size, 'tensor')) : data;
  if (data instanceof Float32Array)
    return new Tensor(data, shape ? resolveShape(shape, data.length, 'tensor') : [data.length]);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    throw new ValueError(
      `tensor: expected Float32Array or nested number arrays, got ${data.constructor.name} (convert with Float32Array.from)`,
    );
  }
  if (typeof data === 'number') return new Tensor(Float32Array.of(data), shape ?? []);
  if (!Array.isArray(data))
    throw new ValueError(`tensor: expected Float32Array, nested number arrays or a number, got ${typeof data}`);
  const inferred = inferShape(data as NestedArray);
  const out = new Float32Array(sizeOf(inferred));
  flatten(data as NestedArray, inferred, out);
  return new Tensor(out, shape ? resolveShape(shape, out.length, 'tensor') : inferred);
}

/**
 * A zeroed Float32Array for a shape: the shape is checked first, and a size the engine cannot
 * allocate is a ShapeError naming `where` (not a bare RangeError).
 */
export function allocFor(shape: readonly number[], where: string): Float32Array {
  checkShape(shape, where);
  const n = sizeOf(shape);
  try {
    return new Float32Array(n);
  } catch (e) {
    if (e instanceof RangeError)
      throw new ShapeError(`${where}: cannot allocate ${n} values for shape ${fmtShape(shape)} (${e.message})`);
    throw e;
  }
}

/** A tensor of zeros. */
export const zeros = (shape: readonly number[]): Tensor => new Tensor(allocFor(shape, 'zeros'), shape);
/** A tensor filled with one value. */
export const fill = (shape: readonly number[], value: number): Tensor =>
  new Tensor(allocFor(shape, 'fill').fill(value), shape);
/** A tensor of ones. */
export const ones = (shape: readonly number[]): Tensor => fill(shape, 1);
/** A scalar tensor. */
export const scalar = (v: number): Tensor => new Tensor(Float32Array.of(v), []);
