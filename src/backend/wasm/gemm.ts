// WASM wrappers (gemm family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
// A large matmul splits along its longer output side into parts the thread pool runs at once; every
// part packs its own panels into its own scratch.
import type { KernelFamily, Activation } from '../kernels';
import { type WasmModule, F32, partsFor, runParts } from './module';
import { splitRange } from './split';

/**
 * One call of the sgemm export (assembly/gemm.ts), its 15 arguments by name: C[m×n] (row stride ldc) =
 * (accumulate ? C : 0) + op(A)·op(B) (+ bias[n] unless bias is 0), then act (0 linear, 1 relu, 2 relu6, as in
 * assembly/epilogue.ts). op(A) is A [m, k] (row stride lda) or, when transA, A [k, m]; op(B) is B [k, n] (ldb) or,
 * when transB, B [n, k]. Pointers are byte addresses in the module's memory; strides default to dense operands.
 */
export interface GemmCall {
  m: number;
  n: number;
  k: number;
  a: number;
  b: number;
  c: number;
  transA?: boolean;
  transB?: boolean;
  lda?: number;
  ldb?: number;
  ldc?: number;
  bias?: number;
  act?: number;
  accumulate?: boolean;
  /** gemmScratchBytes(m, n, k) bytes, 16-aligned; left out, the argument list ends before it (plans append theirs). */
  scratch?: number;
}

/** The call with every default filled in, scratch left out (built field by field: no spread, one object shape). */
function complete(g: GemmCall): Required<Omit<GemmCall, 'scratch'>> & Pick<GemmCall, 'scratch'> {
  const transA = g.transA ?? false,
    transB = g.transB ?? false;
  return {
    m: g.m,
    n: g.n,
    k: g.k,
    a: g.a,
    b: g.b,
    c: g.c,
    transA,
    transB,
    lda: g.lda ?? (transA ? g.m : g.k),
    ldb: g.ldb ?? (transB ? g.k : g.n),
    ldc: g.ldc ?? g.n,
    bias: g.bias ?? 0,
    act: g.act ?? 0,
    accumulate: g.accumulate ?? false,
  };
}

/** sgemm's positional arguments for a call, in assembly/gemm.ts's order. */
export function sgemmArgs(call: GemmCall): number[] {
  const g = complete(call);
  const args = [
    g.transA ? 1 : 0,
    g.transB ? 1 : 0,
    g.m,
    g.n,
    g.k,
    g.a,
    g.lda,
    g.b,
    g.ldb,
    g.c,
    g.ldc,
    g.bias,
    g.act,
    g.accumulate ? 1 : 0,
  ];
  if (call.scratch !== undefined) args.push(call.scratch);
  return args;
}

/**
 * The part of a call that computes output columns [s, e) (alongN) or rows [s, e): the same strides, pointers
 * moved to the part's first column or row, no scratch (each part needs its own). Column parts should start on
 * 8-wide register tiles, row parts on 4-high ones.
 */
export function gemmRange(call: GemmCall, alongN: boolean, s: number, e: number): GemmCall {
  const g = complete(call);
  if (alongN) {
    g.b += (g.transB ? s * g.ldb : s) * F32;
    g.c += s * F32;
    if (g.bias) g.bias += s * F32;
    g.n = e - s;
  } else {
    g.a += (g.transA ? s : s * g.lda) * F32;
    g.c += s * g.ldc * F32;
    g.m = e - s;
  }
  return g;
}

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
      return arena.call([a, b, bias], m * n, ([pa, pb, pbias, pc]) => {
        const act = activation === 'relu' ? 1 : 0,
          whole: GemmCall = { m, n, k, a: pa, b: pb, c: pc, transA, transB, bias: pbias, act };
        const alongN = n >= m;
        // column ranges start on 8-wide register tiles, row ranges on 4-high ones
        const parts = splitRange(alongN ? n : m, partsFor(mod, 2 * m * n * k), alongN ? 8 : 4).map(([s, e]) => {
          const part = gemmRange(whole, alongN, s, e);
          part.scratch = arena.allocBytes(ex.gemmScratchBytes(part.m, part.n, k));
          return sgemmArgs(part);
        });
        runParts(mod, 'sgemm', parts);
      });
    },
    gram(a: Float32Array, batch: number, hw: number, c: number): Float32Array {
      return arena.call([a], batch * c * c, ([pa, pout]) => {
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
      });
    },
  } satisfies KernelFamily;
}
