// Int8 weights on disk. quantize() rounds the kernels of its int8 layers to symmetric int8 values times a float32
// scale (per output channel, or per tensor) before batch-norm folding, and io.save stores exactly those, so
// io.load gives back the same weights and the same int8 predictions bit for bit. Per output channel, rounding
// commutes with the fold (a per-channel factor): the plan's int8 kernels after folding are these values again.
import { ModelFormatError } from '../errors';
import { DepthwiseConv2D, Dense, Conv, type Layer } from '../layers';
import type { Variable } from '../autograd';
import { Model } from '../models/model';

/** An int8 kernel: q[i] · scales[i % scales.length] (float32 arithmetic). */
export interface Int8Kernel {
  q: Int8Array;
  scales: Float32Array;
}

/** Output channels of a kernel: the last axis ([..., in, out]), depthwise the last two ([fH, fW, C, M]). */
export const kernelChannels = (l: Layer, shape: readonly number[]): number =>
  l instanceof DepthwiseConv2D ? shape[shape.length - 2] * shape[shape.length - 1] : shape[shape.length - 1];

/** The kernel Variables of the named conv / depthwise / dense layers, each with its channel count. */
export function int8Kernels(
  model: Model,
  names: readonly string[],
): Array<{ layer: string; kernel: Variable; n: number }> {
  const want = new Set(names);
  const all = (m: Model): Layer[] => m.layers.flatMap((l) => (l instanceof Model ? all(l) : [l]));
  return all(model)
    .filter((l) => want.has(l.name) && (l instanceof Conv || l instanceof DepthwiseConv2D || l instanceof Dense))
    .map((l) => {
      const kernel = (l as Conv | DepthwiseConv2D | Dense).kernel;
      return { layer: l.name, kernel, n: kernelChannels(l, kernel.shape) };
    });
}

/** Symmetric int8 of w, columns i % n: scale = max |w| / 127 per column (perChannel) or over the tensor. */
export function encodeInt8(w: Float32Array, n: number, perTensor: boolean): Int8Kernel {
  const max = new Float64Array(n);
  for (let i = 0; i < w.length; i++) max[i % n] = Math.max(max[i % n], Math.abs(w[i]));
  if (perTensor) max.fill(Math.max(0, ...max));
  const scales = Float32Array.from(max, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scales[i % n])));
  return { q, scales };
}

/** The float32 values of an int8 kernel. */
export function decodeInt8({ q, scales }: Int8Kernel): Float32Array {
  const n = scales.length,
    v = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) v[i] = scales[i % n] * q[i];
  return v;
}

const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => Object.is(x, b[i]));

/**
 * w rounded onto its int8 grid: decode(encode(w)), repeated until encoding reproduces it (the float32 scale of
 * already rounded values can move by an ulp; one more pass settles it), so io.save stores it exactly.
 */
export function snapInt8(w: Float32Array, n: number, perTensor: boolean): Float32Array {
  let v = decodeInt8(encodeInt8(w, n, perTensor));
  for (let i = 0; i < 4; i++) {
    const next = decodeInt8(encodeInt8(v, n, perTensor));
    if (same(next, v)) return v;
    v = next;
  }
  return v;
}

/** The int8 encoding of w when it decodes to w exactly, else null (the value is stored as float32). */
export function exactInt8(w: Float32Array, n: number, perTensor: boolean): Int8Kernel | null {
  const k = encodeInt8(w, n, perTensor);
  return same(decodeInt8(k), w) ? k : null;
}

/** Checks a stored int8 tensor's channel count against its shape. */
export function checkChannels(name: string, shape: number[], channels: unknown, where: string): number {
  const size = shape.reduce((a, d) => a * d, 1);
  if (!Number.isInteger(channels) || (channels as number) < 1 || size % (channels as number) !== 0)
    throw new ModelFormatError(
      `${where}: weight '${name}' has int8 quantization with channels ${JSON.stringify(channels)}, which does not divide its ${size} values`,
    );
  return channels as number;
}
