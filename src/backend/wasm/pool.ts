// WASM wrappers (pool family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily, PoolGeometry } from '../kernels';
import type { WasmModule } from './module';
import { poolGeometryBlock } from './geometry';
import { poolInSize, poolOutSize } from '../js/pool';

/** Pooling kernels backed by one WASM build. */
export function poolKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  const putGeometry = (g: PoolGeometry) => {
    const v = poolGeometryBlock(g);
    const p = arena.allocBytes(v.byteLength);
    new Int32Array(arena.memory.buffer, p, v.length).set(v);
    return p;
  };
  return {
    maxPool(x, g) {
      return arena.call([x], poolOutSize(g), ([xp, yp]) => ex.maxPool(xp, yp, putGeometry(g)));
    },
    maxPoolBackward(x, dy, g, positiveOnly = false) {
      return arena.call([x, dy], { length: poolInSize(g), zero: true }, ([xp, dyp, dxp]) =>
        ex.maxPoolBackward(xp, dyp, dxp, putGeometry(g), positiveOnly),
      );
    },
    avgPool(x, g) {
      return arena.call([x], poolOutSize(g), ([xp, yp]) => ex.avgPool(xp, yp, putGeometry(g)));
    },
    avgPoolBackward(dy, g) {
      return arena.call([dy], { length: poolInSize(g), zero: true }, ([dyp, dxp]) =>
        ex.avgPoolBackward(dyp, dxp, putGeometry(g)),
      );
    },
  } satisfies KernelFamily;
}
