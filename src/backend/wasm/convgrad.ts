// WASM wrapper (conv filter gradient for few output channels): the register-tiled kernel of
// assembly/convgrad.ts where it applies (SIMD builds, outC <= 16), else the conv family's kernel.
// Large calls split into parts for the thread pool like the conv family's (split.ts).
import type { KernelFamily, ConvGeometry } from '../kernels';
import { type WasmModule, partsFor, runParts } from './module';
import { convKernels } from './conv';
import { splitByOutput } from './split';

// Field order of the geometry block (assembly/convgeom.ts).
const FIELDS = [
  'batch', 'inD', 'inH', 'inW', 'inC', 'outD', 'outH', 'outW', 'outC', 'fD', 'fH', 'fW',
  'strideD', 'strideH', 'strideW', 'dilationD', 'dilationH', 'dilationW', 'padFront', 'padTop', 'padLeft',
] as const;
const F32 = 4;

/** convBackpropFilter on the tiled kernel when it applies, delegating the rest to convKernels. */
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
  };
}
