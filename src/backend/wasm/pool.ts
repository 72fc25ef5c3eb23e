// WASM wrappers (pool family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily, PoolGeometry } from '../kernels';
import type { WasmModule } from './module';

// Field order expected by assembly/pool.ts.
function geometry(g: PoolGeometry): Int32Array {
  return Int32Array.of(
    g.batch,
    g.channels,
    g.inD,
    g.inH,
    g.inW,
    g.outD,
    g.outH,
    g.outW,
    g.poolD,
    g.poolH,
    g.poolW,
    g.strideD,
    g.strideH,
    g.strideW,
    g.padFront,
    g.padTop,
    g.padLeft,
  );
}

/** Pooling kernels backed by one WASM build. */
export function poolKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  const putGeometry = (g: PoolGeometry) => {
    const v = geometry(g);
    const p = arena.allocBytes(v.byteLength);
    new Int32Array(arena.memory.buffer, p, v.length).set(v);
    return p;
  };
  const outSize = (g: PoolGeometry) => g.batch * g.outD * g.outH * g.outW * g.channels;
  const inSize = (g: PoolGeometry) => g.batch * g.inD * g.inH * g.inW * g.channels;
  return {
    maxPool(x, g) {
      return arena.call([x], outSize(g), ([xp, yp]) => ex.maxPool(xp, yp, putGeometry(g)));
    },
    maxPoolBackward(x, dy, g, positiveOnly = false) {
      return arena.call([x, dy], { length: inSize(g), zero: true }, ([xp, dyp, dxp]) =>
        ex.maxPoolBackward(xp, dyp, dxp, putGeometry(g), positiveOnly),
      );
    },
    avgPool(x, g) {
      return arena.call([x], outSize(g), ([xp, yp]) => ex.avgPool(xp, yp, putGeometry(g)));
    },
    avgPoolBackward(dy, g) {
      return arena.call([dy], { length: inSize(g), zero: true }, ([dyp, dxp]) =>
        ex.avgPoolBackward(dyp, dxp, putGeometry(g)),
      );
    },
  } satisfies KernelFamily;
}
