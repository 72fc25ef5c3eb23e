// WASM wrapper (optimizer family): copy weights, gradient and state in, update, copy w, m, v back
// into the caller's arrays (in place: no fresh arrays, so no allocation per step).
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

/** Adam's update backed by one WASM build. */
export function optimKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  return {
    adamUpdate(w, g, m, v, lr, beta1, beta2, epsilon) {
      const n = w.length;
      arena.call([w, g, m, v], null, ([wp, gp, mp, vp]) => {
        ex.adamUpdate(wp, gp, mp, vp, n, lr, beta1, beta2, epsilon);
        w.set(arena.f32(wp, n));
        m.set(arena.f32(mp, n));
        v.set(arena.f32(vp, n));
      });
    },
  } satisfies KernelFamily;
}
