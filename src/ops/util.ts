// Small helpers shared by the op families: argument checks and "which inputs need a gradient".
import { Tensor, scalar, sizeOf } from '../tensor';
import { isRecording } from '../autograd/tape';
import { DisposedError, ShapeError, ValueError, fmtShape } from '../errors';
import { kernels } from '../backend';

/** A tensor or a plain number (treated as a scalar tensor). */
export type TensorOrNumber = Tensor | number;

/** Throws a ValueError unless x is a Tensor, a DisposedError if it was disposed. */
export function checkTensor(x: unknown, op: string, name = 'x'): Tensor {
  if (!(x instanceof Tensor))
    throw new ValueError(`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new DisposedError(`${op}: ${name} (shape ${fmtShape(x.shape)}) was disposed`);
  return x;
}

/** Wraps a number as a scalar tensor; checks tensors. */
export function toTensor(x: TensorOrNumber, op: string, name = 'x'): Tensor {
  if (typeof x === 'number') return scalar(x);
  return checkTensor(x, op, name);
}

/** The most values one op output may hold: 2^30 float32 values, the 4 GiB WebAssembly can address. */
export const MAX_OUTPUT_VALUES = 2 ** 30;

/** Refuses an output no backend can hold, before any kernel allocates it (`shapes` describes the inputs). */
export function checkOutputSize(op: string, shape: readonly number[], shapes: string): void {
  const n = sizeOf(shape);
  if (n > MAX_OUTPUT_VALUES)
    throw new ShapeError(
      `${op}: the output ${fmtShape(shape)} would hold ${n} values, over the limit of ${MAX_OUTPUT_VALUES} (${shapes})`,
    );
}

/** For each input, whether some tape wants its gradient (lets backward skip unneeded work). */
export const needsGrad = (inputs: readonly Tensor[]): boolean[] => inputs.map((x) => isRecording([x]));

/** dy masked by the fused ReLU output y (y > 0 exactly where the pre-activation is), unless already masked. */
export function reluBackward(y: Tensor, dy: Tensor, dyReluMasked: boolean): Float32Array {
  return dyReluMasked ? dy.data : kernels().unaryBackward('relu', y.data, y.data, dy.data);
}

/** True when two shapes are equal. */
export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Normalises an axis (negative counts from the end) and checks its range. */
export function normAxis(axis: number, rank: number, op: string, shape: readonly number[]): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor of shape ${fmtShape(shape)}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
