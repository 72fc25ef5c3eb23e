// WASM wrapper (affine family): copy x, scale and shift into the arena, run, copy y out.
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

/** Per-channel affine kernel backed by one WASM build. */
export function affineKernels(mod: WasmModule): KernelFamily {
  const { arena, exports: ex } = mod;
  return {
    channelAffine(x, scale, shift, channels) {
      arena.reset();
      const xp = arena.put(x), sp = arena.put(scale), bp = arena.put(shift), yp = arena.alloc(x.length);
      ex.channelAffine(xp, sp, bp, yp, channels === 0 ? 0 : x.length / channels, channels);
      return arena.take(yp, x.length);
    },
  };
}
