// Packing for the GEMM in gemm.ts: copies blocks of op(A) and op(B) into zero-padded panels laid
// out in the order the micro-kernel reads them, so transposed operands never mean strided inner loops.

import { imin } from './common';

/** Rows of the GEMM register tile (A panels are MR values wide). */
export const MR = 4;
/** Columns of the GEMM register tile, two f32x4 (B panels are NR values wide). */
export const NR = 8;

/** Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-row panels: per p, the MR values of column p (zero past m). */
export function packA(transA: bool, a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = imin(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (transA) {
      // A is [k, m]: the MR values for one p are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>((p0 + p) * lda + i0 + ir) << 2);
        const out = panel + (<usize>(p * MR) << 2);
        if (ASC_FEATURE_SIMD) {
          if (rows == MR) { v128.store(out, v128.load(src)); continue; }
        }
        for (let r = 0; r < MR; r++) store<f32>(out + (r << 2), r < rows ? load<f32>(src + (r << 2)) : 0);
      }
    } else {
      // A is [m, k]: full panels transpose 4x4 blocks in registers; the rest scatter scalars.
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        if (rows == MR) {
          const src = a + (<usize>((i0 + ir) * lda + p0) << 2);
          const row = <usize>lda << 2;
          for (; p + 4 <= kc; p += 4) {
            const s = src + (<usize>p << 2);
            transpose4(v128.load(s), v128.load(s + row), v128.load(s + 2 * row), v128.load(s + 3 * row),
              panel + (<usize>(p * MR) << 2), MR << 2);
          }
        }
      }
      for (let r = 0; r < MR; r++) {
        const out = panel + (r << 2);
        if (r < rows) {
          const src = a + (<usize>((i0 + ir + r) * lda + p0) << 2);
          for (let q = p; q < kc; q++) store<f32>(out + (<usize>(q * MR) << 2), load<f32>(src + (<usize>q << 2)));
        } else {
          for (let q = p; q < kc; q++) store<f32>(out + (<usize>(q * MR) << 2), 0);
        }
      }
    }
  }
}

/** Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into NR-column panels: per p, NR values of row p (zero past n). */
export function packB(transB: bool, b: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = imin(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (transB) {
      // B is [n, k]: each column of op(B) is a contiguous row of B; full panels transpose two
      // 4x4 blocks per 4 steps of p in registers, the rest scatter scalars.
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        if (cols == NR) {
          const src = b + (<usize>((j0 + jr) * ldb + p0) << 2);
          const row = <usize>ldb << 2;
          for (; p + 4 <= kc; p += 4) {
            const s = src + (<usize>p << 2), s4 = s + 4 * row;
            const out = panel + (<usize>(p * NR) << 2);
            transpose4(v128.load(s), v128.load(s + row), v128.load(s + 2 * row), v128.load(s + 3 * row), out, NR << 2);
            transpose4(v128.load(s4), v128.load(s4 + row), v128.load(s4 + 2 * row), v128.load(s4 + 3 * row), out + 16, NR << 2);
          }
        }
      }
      for (let c = 0; c < NR; c++) {
        const out = panel + (c << 2);
        if (c < cols) {
          const src = b + (<usize>((j0 + jr + c) * ldb + p0) << 2);
          for (let q = p; q < kc; q++) store<f32>(out + (<usize>(q * NR) << 2), load<f32>(src + (<usize>q << 2)));
        } else {
          for (let q = p; q < kc; q++) store<f32>(out + (<usize>(q * NR) << 2), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>((p0 + p) * ldb + j0 + jr) << 2);
        const out = panel + (<usize>(p * NR) << 2);
        if (ASC_FEATURE_SIMD) {
          if (cols == NR) { v128.store(out, v128.load(src)); v128.store(out, v128.load(src, 16), 16); continue; }
        }
        for (let c = 0; c < NR; c++) store<f32>(out + (c << 2), c < cols ? load<f32>(src + (c << 2)) : 0);
      }
    }
  }
}

// Writes the transpose of the 4x4 block with rows r0..r3 as 4 vectors, `stride` bytes apart.
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}
