// WASM wrappers (conv gradients for few channels): the tiled kernels of assembly/convgrad.ts where
// they apply (SIMD builds; its predicates say which geometries), else the conv family's kernels.
// Large calls split into parts for the thread pool like the conv family's (split.ts).
import type { KernelFamily, ConvGeometry } from '../kernels';
import { type WasmModule, partsFor, runParts } from './module';
import { convKernels } from './conv';
import { splitByOutput, splitByInput } from './split';

// Field order of the geometry block (assembly/convgeom.ts).
const FIELDS = [
  'batch', 'inD', 'inH', 'inW', 'inC', 'outD', 'outH', 'outW', 'outC', 'fD', 'fH', 'fW',
  'strideD', 'strideH', 'strideW', 'dilationD', 'dilationH', 'dilationW', 'padFront', 'padTop', 'padLeft',
] as const;
const F32 = 4;

/** convBackpropFilter and convBackpropInput on the tiled kernels when they apply, delegating the rest to convKernels. */
export function convGradKernels(mod: WasmModule): KernelFamily {
  const { arena, exports: ex } = mod;
  const base = convKernels(mod);
  function putGeometry(g: ConvGeometry): number {
    const gp = arena.allocBytes(4 * (FIELDS.length + 1));
    const v = new Int32Array(ex.memory.buffer, gp, FIELDS.length + 1);
    FIELDS.forEach((f, i) => { v[i] = g[f]; });
    return gp;
  }
  return {
    convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry) {
      arena.reset();
      if (!ex.tiledFilterGrad(putGeometry(g))) return base.convBackpropFilter!(x, dy, g);
      // the kernel reads each pixel's dy as whole vectors: 8 floats of slack after dy
      const n = g.fD * g.fH * g.fW * g.inC * g.outC, xp = arena.put(x), dyp = arena.alloc(dy.length + 8);
      arena.f32(dyp, dy.length).set(dy);
      const split = splitByOutput(g, partsFor(mod, 2 * dy.length * n / g.outC));
      const dws = split.map(() => arena.alloc(n));
      runParts(mod, 'convBackpropFilterTiled', split.map((p, i) => {
        const gp = putGeometry(p.g);
        return [xp + p.inOffset * F32, dyp + p.outOffset * F32, dws[i], gp, arena.allocBytes(ex.tiledFilterGradScratchBytes(gp))];
      }));
      // each part summed its own images or rows: add the partial gradients
      const dw = arena.f32(dws[0], n);
      for (const p of dws.slice(1)) { const v = arena.f32(p, n); for (let i = 0; i < n; i++) dw[i] += v[i]; }
      return arena.take(dws[0], n);
    },
    convBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry) {
      arena.reset();
      if (!ex.tiledInputGrad(putGeometry(g))) return base.convBackpropInput!(dy, w, g);
      const n = g.batch * g.inD * g.inH * g.inW * g.inC, dyp = arena.put(dy), wp = arena.put(w), dxp = arena.alloc(n);
      runParts(mod, 'convBackpropInputTiled', splitByInput(g, partsFor(mod, 2 * dy.length * w.length / g.outC)).map((p) => {
        const gp = putGeometry(p.g);
        return [dyp + p.outOffset * F32, wp, dxp + p.inOffset * F32, gp, arena.allocBytes(ex.tiledInputGradScratchBytes(gp))];
      }));
      return arena.take(dxp, n);
    },
  };
}
