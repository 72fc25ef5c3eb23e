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
      arena.reset();
      const xp = arena.put(x),
        gp = putGeometry(g),
        n = outSize(g),
        yp = arena.alloc(n);
      ex.maxPool(xp, yp, gp);
      return arena.take(yp, n);
    },
    maxPoolBackward(x, dy, g, positiveOnly = false) {
      arena.reset();
      const xp = arena.put(x),
        dyp = arena.put(dy),
        gp = putGeometry(g),
        n = inSize(g),
        dxp = arena.zeros(n);
      ex.maxPoolBackward(xp, dyp, dxp, gp, positiveOnly);
      return arena.take(dxp, n);
    },
    avgPool(x, g) {
      arena.reset();
      const xp = arena.put(x),
        gp = putGeometry(g),
        n = outSize(g),
        yp = arena.alloc(n);
      ex.avgPool(xp, yp, gp);
      return arena.take(yp, n);
    },
    avgPoolBackward(dy, g) {
      arena.reset();
      const dyp = arena.put(dy),
        gp = putGeometry(g),
        n = inSize(g),
        dxp = arena.zeros(n);
      ex.avgPoolBackward(dyp, dxp, gp);
      return arena.take(dxp, n);
    },
  } satisfies KernelFamily;
}
