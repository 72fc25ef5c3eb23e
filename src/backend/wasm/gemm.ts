// WASM wrappers (gemm family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
// A large matmul splits along its longer output side into parts the thread pool runs at once; every
// part packs its own panels into its own scratch.
import type { KernelFamily, Activation } from '../kernels';
import { type WasmModule, partsFor, runParts } from './module';
import { splitRange } from './split';

const F32 = 4;

/** matmul and gram backed by one WASM build's packed GEMM. */
export function gemmKernels(mod: WasmModule) {
  const { exports: ex, arena } = mod;
  return {
    matmul(
      a: Float32Array,
      b: Float32Array,
      m: number,
      k: number,
      n: number,
      transA: boolean,
      transB: boolean,
      bias: Float32Array | null,
      activation: Activation,
    ): Float32Array {
      arena.reset();
      const pa = arena.put(a),
        pb = arena.put(b),
        pbias = bias ? arena.put(bias) : 0,
        pc = arena.alloc(m * n);
      const lda = transA ? m : k,
        ldb = transB ? k : n,
        tA = transA ? 1 : 0,
        tB = transB ? 1 : 0,
        relu = activation === 'relu' ? 1 : 0;
      const alongN = n >= m;
      // column ranges start on 8-wide register tiles, row ranges on 4-high ones
      const parts = splitRange(alongN ? n : m, partsFor(mod, 2 * m * n * k), alongN ? 8 : 4).map(([s, e]) => {
        if (alongN) {
          const scratch = arena.allocBytes(ex.gemmScratchBytes(m, e - s, k));
          const b0 = pb + (transB ? s * k : s) * F32;
          return [
            tA,
            tB,
            m,
            e - s,
            k,
            pa,
            lda,
            b0,
            ldb,
            pc + s * F32,
            n,
            pbias ? pbias + s * F32 : 0,
            relu,
            0,
            scratch,
          ];
        }
        const scratch = arena.allocBytes(ex.gemmScratchBytes(e - s, n, k));
        const a0 = pa + (transA ? s : s * k) * F32;
        return [tA, tB, e - s, n, k, a0, lda, pb, ldb, pc + s * n * F32, n, pbias, relu, 0, scratch];
      });
      runParts(mod, 'sgemm', parts);
      return arena.take(pc, m * n);
    },
    gram(a: Float32Array, batch: number, hw: number, c: number): Float32Array {
      arena.reset();
      const pa = arena.put(a);
      const pout = arena.alloc(batch * c * c);
      // one image is one symmetric GEMM (a split would lose the half it saves); batches split by images
      const parts = splitRange(batch, partsFor(mod, 2 * batch * hw * c * c)).map(([b0, b1]) => [
        pa + b0 * hw * c * F32,
        b1 - b0,
        hw,
        c,
        pout + b0 * c * c * F32,
        arena.allocBytes(ex.gramScratchBytes(hw, c)),
      ]);
      runParts(mod, 'gram', parts);
      return arena.take(pout, batch * c * c);
    },
  } satisfies KernelFamily;
}
