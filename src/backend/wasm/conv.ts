// WASM wrappers (conv family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
// Geometry travels as one block of 24 i32s (layout: assembly/convgeom.ts) rather than 24 arguments: the
// 21 sizes, the depthwise multiplier, the algorithm switches (0 = the kernels' measured heuristics) and the
// output channel stride (0 here: these calls compute every channel).
// Large calls split into parts (split.ts) that the thread pool runs at once, each with its own scratch.
import type { KernelFamily, ConvGeometry, DepthwiseGeometry, Activation } from '../kernels';
import { type WasmModule, F32, partsFor, runParts } from './module';
import { splitByOutput, splitByInput } from './split';
import { geometryBlock } from './geometry';

const inSize = (g: ConvGeometry) => g.batch * g.inD * g.inH * g.inW * g.inC;
const outSize = (g: ConvGeometry) => g.batch * g.outD * g.outH * g.outW * g.outC;
const filterSize = (g: ConvGeometry) => g.fD * g.fH * g.fW * g.inC * g.outC;
const depthwiseFilterSize = (g: DepthwiseGeometry) => g.fH * g.fW * g.inC * g.multiplier;
/** Multiply-adds x2 of a convolution (depthwise: each output reads one input channel). */
const convFlops = (g: ConvGeometry, depthwise = false) => 2 * outSize(g) * g.fD * g.fH * g.fW * (depthwise ? 1 : g.inC);

/** Which convolution algorithms a module may use; benchmarks and tests compare them. */
export interface ConvAlgorithm {
  /** im2col + sgemm everywhere: no direct, tiled or Winograd kernels. */
  im2colOnly?: boolean;
  /** 'always' where it applies, 'never', or 'auto' (the measured heuristic, the default). */
  winograd?: 'auto' | 'always' | 'never';
}
const algoFlags = new WeakMap<WasmModule, number>();

/** Sets the algorithm switches for a module's convolutions (every thread reads them from the call's geometry). */
export function setConvAlgorithm(mod: WasmModule, a: ConvAlgorithm = {}): void {
  algoFlags.set(mod, (a.im2colOnly ? 1 : 0) | (a.winograd === 'always' ? 2 : 0) | (a.winograd === 'never' ? 4 : 0));
}

/** The conv family of a WASM build: im2col + sgemm conv (1D/2D/3D) and direct depthwise kernels. */
export function convKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;

  /** Writes g into the arena; returns its pointer. */
  function putGeometry(g: ConvGeometry, multiplier = 1): number {
    const block = geometryBlock(g, multiplier, algoFlags.get(mod) ?? 0);
    const ptr = arena.allocBytes(block.byteLength);
    new Int32Array(ex.memory.buffer, ptr, block.length).set(block);
    return ptr;
  }
  const multiplierOf = (g: ConvGeometry) => (g as DepthwiseGeometry).multiplier ?? 1;
  const scratch = (gp: number, kind: number) => arena.allocBytes(ex.convScratchBytes(gp, kind));

  /** Sums partial filter gradients (parts after the first wrote to their own buffers) into the first. */
  function sumPartials(dwp: number, partials: number[], n: number): void {
    const dw = arena.f32(dwp, n);
    for (const p of partials) {
      const v = arena.f32(p, n);
      for (let i = 0; i < n; i++) dw[i] += v[i];
    }
  }

  return {
    conv(x: Float32Array, w: Float32Array, g: ConvGeometry, bias: Float32Array | null, act: Activation) {
      return arena.call([x, w, bias], outSize(g), ([xp, wp, bp, yp]) => {
        const parts = splitByOutput(g, partsFor(mod, convFlops(g), inSize(g) + outSize(g))).map((p) => {
          const gp = putGeometry(p.g);
          return [xp + p.inOffset * F32, wp, bp, yp + p.outOffset * F32, gp, act === 'relu' ? 1 : 0, scratch(gp, 0)];
        });
        runParts(mod, 'conv', parts);
      });
    },
    convBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry) {
      return arena.call([dy, w], inSize(g), ([dyp, wp, dxp]) =>
        runParts(
          mod,
          'convBackpropInput',
          splitByInput(g, partsFor(mod, convFlops(g), inSize(g) + outSize(g))).map((p) => {
            const gp = putGeometry(p.g);
            return [dyp + p.outOffset * F32, wp, dxp + p.inOffset * F32, gp, scratch(gp, 1)];
          }),
        ),
      );
    },
    convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry) {
      const n = filterSize(g);
      // 8 floats of room after dy: the tiled filter gradient reads each pixel's dy as whole vectors
      return arena.call([x, { data: dy, room: 8 * F32 }], n, ([xp, dyp, dwp]) => {
        const split = splitByOutput(g, partsFor(mod, convFlops(g), inSize(g) + outSize(g)));
        const partials = split.slice(1).map(() => arena.alloc(n));
        runParts(
          mod,
          'convBackpropFilter',
          split.map((p, i) => {
            const gp = putGeometry(p.g);
            return [
              xp + p.inOffset * F32,
              dyp + p.outOffset * F32,
              i === 0 ? dwp : partials[i - 1],
              gp,
              scratch(gp, 2),
            ];
          }),
        );
        sumPartials(dwp, partials, n);
      });
    },
    depthwiseConv(x: Float32Array, w: Float32Array, g: DepthwiseGeometry) {
      return arena.call([x, w], outSize(g), ([xp, wp, yp]) =>
        runParts(
          mod,
          'depthwiseConv',
          splitByOutput(g, partsFor(mod, convFlops(g, true), inSize(g) + outSize(g))).map((p) => [
            xp + p.inOffset * F32,
            wp,
            0,
            yp + p.outOffset * F32,
            putGeometry(p.g, multiplierOf(p.g)),
            0,
          ]),
        ),
      );
    },
    depthwiseConvBackpropInput(dy: Float32Array, w: Float32Array, g: DepthwiseGeometry) {
      return arena.call([dy, w], inSize(g), ([dyp, wp, dxp]) =>
        runParts(
          mod,
          'depthwiseConvBackpropInput',
          splitByInput(g, partsFor(mod, convFlops(g, true), inSize(g) + outSize(g))).map((p) => [
            dyp + p.outOffset * F32,
            wp,
            dxp + p.inOffset * F32,
            putGeometry(p.g, multiplierOf(p.g)),
          ]),
        ),
      );
    },
    depthwiseConvBackpropFilter(x: Float32Array, dy: Float32Array, g: DepthwiseGeometry) {
      const n = depthwiseFilterSize(g);
      return arena.call([x, dy], n, ([xp, dyp, dwp]) => {
        const split = splitByOutput(g, partsFor(mod, convFlops(g, true), inSize(g) + outSize(g)));
        const partials = split.slice(1).map(() => arena.alloc(n));
        runParts(
          mod,
          'depthwiseConvBackpropFilter',
          split.map((p, i) => [
            xp + p.inOffset * F32,
            dyp + p.outOffset * F32,
            i === 0 ? dwp : partials[i - 1],
            putGeometry(p.g, multiplierOf(p.g)),
          ]),
        );
        sumPartials(dwp, partials, n);
      });
    },
  } satisfies KernelFamily;
}
