// WASM wrappers (gemm family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily, Activation } from '../kernels';
import type { WasmModule } from './module';

/** matmul and gram backed by one WASM build's packed GEMM. */
export function gemmKernels(mod: WasmModule): KernelFamily {
  const { exports: ex, arena } = mod;
  return {
    matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number,
      transA: boolean, transB: boolean, bias: Float32Array | null, activation: Activation): Float32Array {
      arena.reset();
      const pa = arena.put(a);
      const pb = arena.put(b);
      const pbias = bias ? arena.put(bias) : 0;
      const pc = arena.alloc(m * n);
      const scratch = arena.allocBytes(ex.gemmScratchBytes(m, n, k));
      ex.sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, pa, transA ? m : k, pb, transB ? k : n,
        pc, n, pbias, activation === 'relu' ? 1 : 0, 0, scratch);
      return arena.take(pc, m * n);
    },
    gram(a: Float32Array, batch: number, hw: number, c: number): Float32Array {
      arena.reset();
      const pa = arena.put(a);
      const pout = arena.alloc(batch * c * c);
      const scratch = arena.allocBytes(ex.gramScratchBytes(hw, c));
      ex.gram(pa, batch, hw, c, pout, scratch);
      return arena.take(pout, batch * c * c);
    },
  };
}
