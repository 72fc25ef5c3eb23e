// PLACEHOLDER (naive loops) with the final signature; the gemm helper replaces the body with the packed SIMD kernel.

/** Bytes of scratch sgemm needs for these sizes (packing buffers). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  return 16;
}

/**
 * C[m×n] (row stride ldc) = (accumulate ? C : 0) + op(A)·op(B) (+ bias[n] if bias != 0), then act (0 linear, 1 relu).
 * op(A) is m×k: A row-major with row stride lda ([m,k]), or [k,m] when transA. op(B) is k×n: B [k,n] (ldb), or [n,k] when transB.
 * scratch: gemmScratchBytes(m, n, k) bytes, 16-aligned.
 */
export function sgemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, accumulate: bool, scratch: usize): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s: f32 = accumulate ? load<f32>(c + (((i * ldc) + j) << 2)) : 0;
    for (let p = 0; p < k; p++) {
      const av = transA ? load<f32>(a + ((p * lda + i) << 2)) : load<f32>(a + ((i * lda + p) << 2));
      const bv = transB ? load<f32>(b + ((j * ldb + p) << 2)) : load<f32>(b + ((p * ldb + j) << 2));
      s += av * bv;
    }
    if (bias != 0) s += load<f32>(bias + (j << 2));
    if (act == 1 && s < 0) s = 0;
    store<f32>(c + (((i * ldc) + j) << 2), s);
  }
}
