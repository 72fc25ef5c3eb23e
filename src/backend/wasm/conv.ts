// WASM wrappers (conv family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
// Geometry travels as one block of 22 i32s (layout: assembly/convgeom.ts) rather than 22 arguments.
import type { KernelFamily, ConvGeometry, DepthwiseGeometry, Activation } from '../kernels';
import type { WasmModule } from './module';

const GEOMETRY_FIELDS = [
  'batch', 'inD', 'inH', 'inW', 'inC', 'outD', 'outH', 'outW', 'outC', 'fD', 'fH', 'fW',
  'strideD', 'strideH', 'strideW', 'dilationD', 'dilationH', 'dilationW', 'padFront', 'padTop', 'padLeft',
] as const;

/** The conv family of a WASM build: im2col + sgemm conv (1D/2D/3D) and direct depthwise kernels. */
export function convKernels(mod: WasmModule): KernelFamily {
  const { arena, exports: ex } = mod;

  /** Writes g into the arena; returns its pointer. */
  function putGeometry(g: ConvGeometry, multiplier = 1): number {
    const ptr = arena.allocBytes(4 * (GEOMETRY_FIELDS.length + 1));
    const v = new Int32Array(ex.memory.buffer, ptr, GEOMETRY_FIELDS.length + 1);
    GEOMETRY_FIELDS.forEach((f, i) => { v[i] = g[f]; });
    v[GEOMETRY_FIELDS.length] = multiplier;
    return ptr;
  }
  const inSize = (g: ConvGeometry) => g.batch * g.inD * g.inH * g.inW * g.inC;
  const outSize = (g: ConvGeometry) => g.batch * g.outD * g.outH * g.outW * g.outC;
  const filterSize = (g: ConvGeometry) => g.fD * g.fH * g.fW * g.inC * g.outC;
  const scratch = (gp: number, kind: number) => arena.allocBytes(ex.convScratchBytes(gp, kind));

  return {
    conv(x: Float32Array, w: Float32Array, g: ConvGeometry, bias: Float32Array | null, act: Activation) {
      arena.reset();
      const xp = arena.put(x), wp = arena.put(w), bp = bias ? arena.put(bias) : 0;
      const gp = putGeometry(g), n = outSize(g), yp = arena.alloc(n);
      ex.conv(xp, wp, bp, yp, gp, act === 'relu' ? 1 : 0, scratch(gp, 0));
      return arena.take(yp, n);
    },
    convBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry) {
      arena.reset();
      const dyp = arena.put(dy), wp = arena.put(w), gp = putGeometry(g), n = inSize(g), dxp = arena.alloc(n);
      ex.convBackpropInput(dyp, wp, dxp, gp, scratch(gp, 1));
      return arena.take(dxp, n);
    },
    convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry) {
      arena.reset();
      const xp = arena.put(x), dyp = arena.put(dy), gp = putGeometry(g), n = filterSize(g), dwp = arena.alloc(n);
      ex.convBackpropFilter(xp, dyp, dwp, gp, scratch(gp, 2));
      return arena.take(dwp, n);
    },
    depthwiseConv(x: Float32Array, w: Float32Array, g: DepthwiseGeometry) {
      arena.reset();
      const xp = arena.put(x), wp = arena.put(w), gp = putGeometry(g, g.multiplier), n = outSize(g), yp = arena.alloc(n);
      ex.depthwiseConv(xp, wp, yp, gp);
      return arena.take(yp, n);
    },
    depthwiseConvBackpropInput(dy: Float32Array, w: Float32Array, g: DepthwiseGeometry) {
      arena.reset();
      const dyp = arena.put(dy), wp = arena.put(w), gp = putGeometry(g, g.multiplier), n = inSize(g), dxp = arena.alloc(n);
      ex.depthwiseConvBackpropInput(dyp, wp, dxp, gp);
      return arena.take(dxp, n);
    },
    depthwiseConvBackpropFilter(x: Float32Array, dy: Float32Array, g: DepthwiseGeometry) {
      arena.reset();
      const xp = arena.put(x), dyp = arena.put(dy), gp = putGeometry(g, g.multiplier);
      const n = g.fH * g.fW * g.inC * g.multiplier, dwp = arena.alloc(n);
      ex.depthwiseConvBackpropFilter(xp, dyp, dwp, gp);
      return arena.take(dwp, n);
    },
  };
}
