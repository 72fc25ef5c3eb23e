// Packed, cache-blocked GEMM (GotoBLAS layout). Operands are copied into zero-padded panels so
// the micro-kernel reads both contiguously whatever the transposes; a KC x NR panel of B (8 KiB)
// stays in L1 while an MC x KC block of A (128 KiB) stays in L2. The SIMD micro-kernel holds a
// 4x8 tile in 8 f32x4 accumulators: wider tiles push V8 past ~14 live v128 values and spill.

import { imin, vmadd } from './common';
import { MR, NR, packA, packB } from './gemmpack';
import { actv, acts } from './epilogue';

const KC = 256; // depth of one packed block
const MC = 128; // rows of A packed per block
const NC = 2048; // columns of B packed per block

@inline function roundUp(x: i32, q: i32): i32 { return (x + q - 1) / q * q; }

/** Bytes of scratch sgemm needs for these sizes (packing buffers and one edge tile). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  const kc = imin(k, KC);
  return (roundUp(imin(m, MC), MR) * kc + roundUp(imin(n, NC), NR) * kc + MR * NR) << 2;
}

// Stores 4 results: v (+ old C) (+ bias), then the activation (epilogue.ts).
@inline function storeVec(dst: usize, v: v128, add: bool, bias: usize, act: i32): void {
  if (add) v = f32x4.add(v, v128.load(dst));
  if (bias != 0) v = f32x4.add(v, v128.load(bias));
  v128.store(dst, actv(v, act));
}

// Stores one row of a 4x8 SIMD tile.
@inline function storeRow(dst: usize, lo: v128, hi: v128, add: bool, bias: usize, act: i32): void {
  storeVec(dst, lo, add, bias, act);
  storeVec(dst + 16, hi, add, bias != 0 ? bias + 16 : 0, act);
}

// SIMD micro-kernel: C tile (at dst, row stride ldd floats) op= A panel (kc x 4) * B panel (kc x 8).
// A values are broadcast with load32_splat, so the tile needs 8 accumulators + 2 B vectors + 1 A.
function kernelSimd(kc: i32, pa: usize, pb: usize, dst: usize, ldd: i32, add: bool, bias: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let av = v128.load32_splat(pa);
      c00 = vmadd(av, b0, c00); c01 = vmadd(av, b1, c01);
      av = v128.load32_splat(pa, 4);
      c10 = vmadd(av, b0, c10); c11 = vmadd(av, b1, c11);
      av = v128.load32_splat(pa, 8);
      c20 = vmadd(av, b0, c20); c21 = vmadd(av, b1, c21);
      av = v128.load32_splat(pa, 12);
      c30 = vmadd(av, b0, c30); c31 = vmadd(av, b1, c31);
      pa += MR << 2; pb += NR << 2;
    }
    const row = <usize>ldd << 2;
    storeRow(dst, c00, c01, add, bias, act);
    storeRow(dst + row, c10, c11, add, bias, act);
    storeRow(dst + 2 * row, c20, c21, add, bias, act);
    storeRow(dst + 3 * row, c30, c31, add, bias, act);
  }
}

// The SIMD tile reading A where it lies (row stride lda floats) instead of from a packed panel: for products
// with few columns (a 1x1 convolution to 16 channels) each A value is used by at most two tiles, and packing
// A cost a whole extra pass over it (the input image).
function kernelSimdRows(kc: i32, a: usize, lda: i32, pb: usize, dst: usize, ldd: i32, add: bool, bias: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    const row = <usize>lda << 2;
    let a0 = a, a1 = a + row, a2 = a + 2 * row, a3 = a + 3 * row;
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let av = v128.load32_splat(a0);
      c00 = vmadd(av, b0, c00); c01 = vmadd(av, b1, c01);
      av = v128.load32_splat(a1);
      c10 = vmadd(av, b0, c10); c11 = vmadd(av, b1, c11);
      av = v128.load32_splat(a2);
      c20 = vmadd(av, b0, c20); c21 = vmadd(av, b1, c21);
      av = v128.load32_splat(a3);
      c30 = vmadd(av, b0, c30); c31 = vmadd(av, b1, c31);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4; pb += NR << 2;
    }
    const out = <usize>ldd << 2;
    storeRow(dst, c00, c01, add, bias, act);
    storeRow(dst + out, c10, c11, add, bias, act);
    storeRow(dst + 2 * out, c20, c21, add, bias, act);
    storeRow(dst + 3 * out, c30, c31, add, bias, act);
  }
}

// Scalar micro-kernel: a 4x4 tile of f32 locals (16 accumulators fit x64's registers), run on
// each half of the 8-wide B panel. Same epilogue as the SIMD tile.
function kernelScalar4(kc: i32, pa: usize, pb: usize, dst: usize, ldd: i32, add: bool, bias: usize, act: i32): void {
  let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0, c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
  let c20: f32 = 0, c21: f32 = 0, c22: f32 = 0, c23: f32 = 0, c30: f32 = 0, c31: f32 = 0, c32: f32 = 0, c33: f32 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = load<f32>(pb), b1 = load<f32>(pb, 4), b2 = load<f32>(pb, 8), b3 = load<f32>(pb, 12);
    let av = load<f32>(pa);
    c00 += av * b0; c01 += av * b1; c02 += av * b2; c03 += av * b3;
    av = load<f32>(pa, 4);
    c10 += av * b0; c11 += av * b1; c12 += av * b2; c13 += av * b3;
    av = load<f32>(pa, 8);
    c20 += av * b0; c21 += av * b1; c22 += av * b2; c23 += av * b3;
    av = load<f32>(pa, 12);
    c30 += av * b0; c31 += av * b1; c32 += av * b2; c33 += av * b3;
    pa += MR << 2; pb += NR << 2;
  }
  const row = <usize>ldd << 2;
  storeScalarRow(dst, c00, c01, c02, c03, add, bias, act);
  storeScalarRow(dst + row, c10, c11, c12, c13, add, bias, act);
  storeScalarRow(dst + 2 * row, c20, c21, c22, c23, add, bias, act);
  storeScalarRow(dst + 3 * row, c30, c31, c32, c33, add, bias, act);
}

@inline function epilogue(v: f32, dst: usize, add: bool, bias: usize, act: i32): void {
  if (add) v += load<f32>(dst);
  if (bias != 0) v += load<f32>(bias);
  store<f32>(dst, acts(v, act));
}

@inline function storeScalarRow(dst: usize, v0: f32, v1: f32, v2: f32, v3: f32, add: bool, bias: usize, act: i32): void {
  epilogue(v0, dst, add, bias, act);
  epilogue(v1, dst + 4, add, bias != 0 ? bias + 4 : 0, act);
  epilogue(v2, dst + 8, add, bias != 0 ? bias + 8 : 0, act);
  epilogue(v3, dst + 12, add, bias != 0 ? bias + 12 : 0, act);
}

// One MR x NR tile with the epilogue fused into its stores.
@inline function tile(kc: i32, pa: usize, pb: usize, dst: usize, ldd: i32, add: bool, bias: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    kernelSimd(kc, pa, pb, dst, ldd, add, bias, act);
  } else {
    kernelScalar4(kc, pa, pb, dst, ldd, add, bias, act);
    kernelScalar4(kc, pa, pb + 16, dst + 16, ldd, add, bias != 0 ? bias + 16 : 0, act);
  }
}

/**
 * C[m×n] (row stride ldc) = (accumulate ? C : 0) + op(A)·op(B) (+ bias[n] if bias != 0), then act (0 linear, 1 relu, 2 relu6: epilogue.ts).
 * op(A) is m×k: A row-major with row stride lda ([m,k]), or [k,m] when transA. op(B) is k×n: B [k,n] (ldb), or [n,k] when transB.
 * scratch: gemmScratchBytes(m, n, k) bytes, 16-aligned.
 */
export function sgemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, accumulate: bool, scratch: usize): void {
  gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, bias, act, accumulate, scratch, false);
}

/**
 * sgemm for a symmetric product (op(A)·op(B) with m = n known symmetric, as AᵀA): computes only the
 * tiles touching the upper triangle and mirrors it. No bias or activation.
 */
export function sgemmSymmetric(transA: bool, transB: bool, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, scratch: usize): void {
  gemm(transA, transB, n, n, k, a, lda, b, ldb, c, ldc, 0, 0, false, scratch, true);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) store<f32>(c + (<usize>(i * ldc + j) << 2), load<f32>(c + (<usize>(j * ldc + i) << 2)));
  }
}

// The blocked loop nest; `upper` skips tiles lying wholly below the diagonal.
function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, accumulate: bool, scratch: usize, upper: bool): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) { emptyProduct(m, n, c, ldc, bias, act, accumulate); return; }
  if (ASC_FEATURE_SIMD) {
    if (m < MR && !transB) { fewRows(transA, m, n, k, a, lda, b, ldb, c, ldc, bias, act, accumulate); return; }
  }
  const kcMax = imin(k, KC);
  let direct = false;
  if (ASC_FEATURE_SIMD) direct = !transA && n <= 2 * NR;
  const packedA = scratch;
  const packedB = packedA + (<usize>(roundUp(imin(m, MC), MR) * kcMax) << 2);
  // Edge tiles are computed into this 4x8 buffer and the valid corner copied out.
  const edge = packedB + (<usize>(roundUp(imin(n, NC), NR) * kcMax) << 2);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = imin(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = imin(KC, k - p0);
      const add = accumulate || p0 > 0;
      const last = p0 + kc >= k;
      const ep = last ? act : 0;
      packB(transB, b, ldb, p0, kc, j0, nc, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = imin(MC, m - i0);
        // full row panels of A read in place when at most two column tiles use them; the rest packed
        const full = direct ? mc - mc % MR : 0;
        if (full < mc) packA(transA, a, lda, i0 + full, mc - full, p0, kc, packedA + (<usize>(full * kc) << 2));
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = imin(NR, nc - jr);
          const pb = packedB + (<usize>(jr * kc) << 2);
          const biasJ = last && bias != 0 ? bias + (<usize>(j0 + jr) << 2) : 0;
          // Below-diagonal tiles start at global row j0 + jr + NR; rows are visited in order.
          const irEnd = upper ? imin(mc, j0 + jr + NR - i0) : mc;
          for (let ir = 0; ir < irEnd; ir += MR) {
            const rows = imin(MR, mc - ir);
            const pa = packedA + (<usize>(ir * kc) << 2);
            const dst = c + (<usize>((i0 + ir) * ldc + j0 + jr) << 2);
            if (ir < full) {
              const ar = a + (<usize>((i0 + ir) * lda + p0) << 2);
              if (cols == NR) {
                kernelSimdRows(kc, ar, lda, pb, dst, ldc, add, biasJ, ep);
              } else {
                kernelSimdRows(kc, ar, lda, pb, edge, NR, false, 0, 0);
                edgeStore(edge, rows, cols, dst, ldc, add, biasJ, ep);
              }
            } else if (rows == MR && cols == NR) {
              tile(kc, pa, pb, dst, ldc, add, biasJ, ep);
            } else {
              tile(kc, pa, pb, edge, NR, false, 0, 0);
              edgeStore(edge, rows, cols, dst, ldc, add, biasJ, ep);
            }
          }
        }
      }
    }
  }
}

// Fewer rows than a tile (a dense layer on one sample): packing B would cost as much as the
// product, so each row of C streams B's rows directly, 16 columns (4 accumulators) at a time.
function fewRows(transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, add: bool): void {
  if (ASC_FEATURE_SIMD) {
    const aStep: usize = transA ? <usize>lda << 2 : 4;
    const bStep = <usize>ldb << 2;
    for (let i = 0; i < m; i++) {
      const aRow = a + (<usize>(transA ? i : i * lda) << 2);
      const cRow = c + (<usize>(i * ldc) << 2);
      let j = 0;
      for (; j + 16 <= n; j += 16) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let pa = aRow, pb = b + (<usize>j << 2);
        for (let p = 0; p < k; p++) {
          const av = v128.load32_splat(pa);
          s0 = vmadd(av, v128.load(pb), s0); s1 = vmadd(av, v128.load(pb, 16), s1);
          s2 = vmadd(av, v128.load(pb, 32), s2); s3 = vmadd(av, v128.load(pb, 48), s3);
          pa += aStep; pb += bStep;
        }
        const o = <usize>j << 2, bo = bias != 0 ? bias + o : 0;
        storeVec(cRow + o, s0, add, bo, act); storeVec(cRow + o + 16, s1, add, bo != 0 ? bo + 16 : 0, act);
        storeVec(cRow + o + 32, s2, add, bo != 0 ? bo + 32 : 0, act); storeVec(cRow + o + 48, s3, add, bo != 0 ? bo + 48 : 0, act);
      }
      for (; j + 4 <= n; j += 4) {
        let s0 = f32x4.splat(0);
        let pa = aRow, pb = b + (<usize>j << 2);
        for (let p = 0; p < k; p++) { s0 = vmadd(v128.load32_splat(pa), v128.load(pb), s0); pa += aStep; pb += bStep; }
        const o = <usize>j << 2;
        storeVec(cRow + o, s0, add, bias != 0 ? bias + o : 0, act);
      }
      for (; j < n; j++) {
        let s: f32 = 0;
        let pa = aRow, pb = b + (<usize>j << 2);
        for (let p = 0; p < k; p++) { s += load<f32>(pa) * load<f32>(pb); pa += aStep; pb += bStep; }
        const o = <usize>j << 2;
        epilogue(s, cRow + o, add, bias != 0 ? bias + o : 0, act);
      }
    }
  }
}

// Copies the valid rows x cols corner of an edge tile into C with the epilogue: whole f32x4
// groups in SIMD (only lanes inside C are ever read or written), the last cols % 4 as scalars.
function edgeStore(edge: usize, rows: i32, cols: i32, dst: usize, ldc: i32, add: bool, bias: usize, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const src = edge + (<usize>(r * NR) << 2);
    const d = dst + (<usize>(r * ldc) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        storeVec(d + o, v128.load(src + o), add, bias != 0 ? bias + o : 0, act);
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      epilogue(load<f32>(src + o), d + o, add, bias != 0 ? bias + o : 0, act);
    }
  }
}

// k = 0: the product is empty, so C is just (C or 0) + bias, then the activation.
function emptyProduct(m: i32, n: i32, c: usize, ldc: i32, bias: usize, act: i32, accumulate: bool): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const d = c + (<usize>(i * ldc + j) << 2);
      if (!accumulate) store<f32>(d, 0);
      epilogue(0, d, true, bias != 0 ? bias + (<usize>j << 2) : 0, act);
    }
  }
}
