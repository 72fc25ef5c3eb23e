// WASM wrappers (per-channel family): copy the inputs into the arena, run, copy the result out.
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

/** Per-channel kernels backed by one WASM build. */
export function affineKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  return {
    channelAffine(x, scale, shift, channels) {
      arena.reset();
      const xp = arena.put(x),
        sp = arena.put(scale),
        bp = arena.put(shift),
        yp = arena.alloc(x.length);
      ex.channelAffine(xp, sp, bp, yp, channels === 0 ? 0 : x.length / channels, channels);
      return arena.take(yp, x.length);
    },
    channelSums(x, channels) {
      arena.reset();
      const xp = arena.put(x),
        out = arena.alloc(channels),
        tot = arena.allocBytes(8 * channels + 256);
      ex.channelSums(xp, channels === 0 ? 0 : x.length / channels, channels, out, tot);
      return arena.take(out, channels);
    },
  } satisfies KernelFamily;
}
