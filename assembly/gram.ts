// Gram matrices G = AᵀA per batch item, for A [hw, c] (style transfer). Aᵀ is handled by the
// packed GEMM's transposed-A packing, so the inner loops stay contiguous; G is symmetric, so only
// the tiles touching its upper triangle are computed.
import { sgemmSymmetric, gemmScratchBytes } from './gemm';

/** Bytes of scratch gram needs (one GEMM's packing buffers, reused for every batch item). */
export function gramScratchBytes(hw: i32, c: i32): i32 {
  return gemmScratchBytes(c, c, hw);
}

/** out[b] (c×c) = a[b]ᵀ·a[b] for a [batch, hw, c]; scratch: gramScratchBytes(hw, c) bytes, 16-aligned. */
export function gram(a: usize, batch: i32, hw: i32, c: i32, out: usize, scratch: usize): void {
  const inStride = <usize>(hw * c) << 2;
  const outStride = <usize>(c * c) << 2;
  for (let i = 0; i < batch; i++) {
    const ai = a + <usize>i * inStride;
    sgemmSymmetric(true, false, c, hw, ai, c, ai, c, out + <usize>i * outStride, c, scratch);
  }
}
