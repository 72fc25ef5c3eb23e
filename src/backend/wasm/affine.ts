// WASM wrappers (per-channel family): copy the inputs into the arena, run, copy the result out.
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

/** Per-channel kernels backed by one WASM build. */
export function affineKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  return {
    channelAffine(x, scale, shift, channels) {
      return arena.call([x, scale, shift], x.length, ([xp, sp, bp, yp]) =>
        ex.channelAffine(xp, sp, bp, yp, channels === 0 ? 0 : x.length / channels, channels),
      );
    },
    channelSums(x, channels) {
      return arena.call([x], channels, ([xp, out]) =>
        ex.channelSums(
          xp,
          channels === 0 ? 0 : x.length / channels,
          channels,
          out,
          arena.allocBytes(8 * channels + 256),
        ),
      );
    },
  } satisfies KernelFamily;
}
