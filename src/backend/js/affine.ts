// Reference kernels (per-channel family): y = x·scale + shift, each value rounded once to f32, and
// channel sums in f64. Plain loops.
import type { KernelFamily } from '../kernels';

export const affineKernels = {
  channelAffine(x, scale, shift, channels) {
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const k = i % channels;
      // the product rounded to f32 first, as a WASM f32 mul then add (and most engines) do
      y[i] = Math.fround(x[i] * scale[k]) + shift[k];
    }
    return y;
  },
  channelSums(x, channels) {
    const acc = new Float64Array(channels);
    for (let i = 0; i < x.length; i++) acc[i % channels] += x[i];
    return Float32Array.from(acc);
  },
} satisfies KernelFamily;
