// Reference kernel (affine family): per-channel y = x·scale + shift, plain loops, each value rounded once to f32.
import type { KernelFamily } from '../kernels';

export const affineKernels: KernelFamily = {
  channelAffine(x, scale, shift, channels) {
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const k = i % channels;
      // the product rounded to f32 first, as a WASM f32 mul then add (and most engines) do
      y[i] = Math.fround(x[i] * scale[k]) + shift[k];
    }
    return y;
  },
};
