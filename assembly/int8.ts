// Int8 inference kernels (post-training quantisation, after Jacob et al., "Quantization and Training of Neural
// Networks for Efficient Integer-Arithmetic-Only Inference", 2018, and XNNPACK's qs8/qu8 GEMMs).
// Activations are uint8 or int8 with a zero point zA; weights are symmetric int8 per output channel (zero point 0),
// so C[m,n] = sum_k (A[m,k] - zA)·W[k,n] = sum_k A[m,k]·W[k,n] - zA·sum_k W[k,n]. The host folds the second term and
// the quantised bias into one i32 per channel (corr), so the inner loop multiplies and adds only.
// The GEMM tile is 4 rows x 8 channels: A rows widened to i16 (4 at a time, in scratch), weights packed once at plan
// time as i16 pairs [k, k+1] per channel, so one i32x4.dot_i16x8_s does two steps of k for four channels.
// Requantisation is float: y = f32(acc + corr) · mult[n] (mult = sA·sW[n] / sOut), clamped to the output's range,
// rounded to nearest even and shifted by the output zero point (gemmlowp's fixed-point multiplier would be exact in
// integers; the f32 form is what the TypeScript reference in src/backend/js/int8.ts reproduces bit for bit).
// Outputs: 0 uint8, 1 int8, 2 float32 (the last layer: y = act(f32(acc + corr) · mult), no rounding), 3 int16.
// Int16 activations (TensorFlow Lite's "16x8" mode, for nets whose 8-bit activations lose too much) are symmetric
// (zero point 0) and already the widened form: rows are copied rather than widened, and the same i16 tiles run. The
// host narrows their range so that no channel's sum can leave i32 (sum_k |w| · qmax + |bias| < 2^31).
// Leaky ReLU (act LEAKY, slope alpha) applies to the scaled value before rounding, v < 0 ? v·alpha : v in f32, as the
// float layer would on the dequantised output; ReLU and ReLU6 on quantised outputs are the clamp (qmin / qmax).
import { G, geo } from './convgeom';
import { LEAKY, acts, actv } from './epilogue';

export const Q_U8 = 0, Q_I8 = 1, Q_F32 = 2, Q_I16 = 3;
/** Input element types (the parameter block's aType): uint8, int8, int16. */
export const T_U8 = 0, T_I8 = 1, T_I16 = 2;
const MR = 4, NR = 8;
/** Rows widened per block (a multiple of MR): 32 rows of a 3x3x512 im2col are 288 KiB, within L2. */
const MB = 32;

@inline function roundUp(x: i32, q: i32): i32 { return (x + q - 1) / q * q; }

/**
 * Bytes of scratch for depth k and n channels: qgemm, qconv MB widened rows; qdepthwise an i32 row, k tap offsets,
 * and for its dot path a row of zero points and k tap addresses (each table up to 3 longer).
 */
export function qScratchBytes(k: i32, n: i32): i32 {
  const rows = MB * roundUp(k, 2) * 2, row = roundUp(n, 8) * 5 + k * 8 + 24;
  return (rows > row ? rows : row) + 48;
}

// The output parameters of one call, read from a block of 12 i32s the host writes:
// [outKind, zOut, qmin, qmax, act, np (channels padded to 8), zA, aType, alpha (f32 bits), 0, 0, 0].
const P_KIND = 0, P_Z = 1, P_MIN = 2, P_MAX = 3, P_ACT = 4, P_NP = 5, P_ZA = 6, P_ATYPE = 7, P_ALPHA = 8;
@inline function prm(q: usize, i: i32): i32 { return load<i32>(q + (<usize>i << 2)); }
/** Bytes per output element of an output kind. */
@inline function outBytes(kind: i32): i32 { return kind == Q_F32 ? 4 : kind == Q_I16 ? 2 : 1; }

/**
 * v < 0 ? v·alpha : v on 4 lanes (leaky ReLU on the scaled accumulators), as max(v, v·alpha): the same for slopes in
 * [0, 1] (v·alpha lies between v and 0 and rounds to neither side of them), which the host guarantees.
 */
@inline function leakyv(v: v128, a: v128): v128 {
  return f32x4.pmax(v, f32x4.mul(v, a));
}

// One value: acc (+ corr) requantised and stored at dst (element index c of a row).
@inline function store1(acc: i32, c: i32, corr: usize, mult: usize, q: usize, dst: usize): void {
  let v = <f32>(acc + load<i32>(corr + (<usize>c << 2))) * load<f32>(mult + (<usize>c << 2));
  if (prm(q, P_ACT) == LEAKY && v < 0) v *= load<f32>(q + (<usize>P_ALPHA << 2));
  const kind = prm(q, P_KIND);
  if (kind == Q_F32) { store<f32>(dst + (<usize>c << 2), acts(v, prm(q, P_ACT))); return; }
  const z = prm(q, P_Z);
  const r = <i32>nearest<f32>(min<f32>(max<f32>(v, <f32>(prm(q, P_MIN) - z)), <f32>(prm(q, P_MAX) - z))) + z;
  if (kind == Q_I16) store<i16>(dst + (<usize>c << 1), <i16>r);
  else store<u8>(dst + <usize>c, <u8>r);
}

// One widened A row of length k (padded to kp with zA, whose product the correction cancels); int16 rows are copied.
@inline function widenRow(src: usize, k: i32, kp: i32, aType: i32, zA: i32, dst: usize): void {
  const signedA = aType != T_U8;
  let i = 0;
  if (aType == T_I16) {
    memory.copy(dst, src, <usize>k << 1);
    i = k;
  } else if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= k; i += 8) {
      const v = signedA ? v128.load8x8_s(src + <usize>i) : v128.load8x8_u(src + <usize>i);
      v128.store(dst + (<usize>i << 1), v);
    }
  }
  for (; i < k; i++) {
    store<i16>(dst + (<usize>i << 1), signedA ? <i32>load<i8>(src + <usize>i) : <i32>load<u8>(src + <usize>i));
  }
  for (; i < kp; i++) store<i16>(dst + (<usize>i << 1), <i16>zA);
}

// The 4x8 tile for rows ra (4 widened rows, kp apart) and the packed panel pw; rows and cols are the valid ones.
function tile(kp: i32, ra: usize, pw: usize, rows: i32, j: i32, cols: i32, corr: usize, mult: usize, q: usize,
  out: usize, ldo: i32, eb: i32, tmp: usize): void {
  const rb = <usize>kp << 1;
  if (ASC_FEATURE_SIMD) {
    // the accumulators start at the per-channel correction, so the epilogue only scales, rounds and narrows
    const o = <usize>j << 2;
    const k0 = v128.load(corr + o), k1 = v128.load(corr + o, 16);
    let c00 = k0, c01 = k1, c10 = k0, c11 = k1, c20 = k0, c21 = k1, c30 = k0, c31 = k1;
    let pa = ra, p = pw;
    for (let t = 0; t < kp; t += 2) {
      const w0 = v128.load(p), w1 = v128.load(p, 16);
      let a = v128.load32_splat(pa);
      c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a, w0)); c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a, w1));
      a = v128.load32_splat(pa + rb);
      c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a, w0)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a, w1));
      a = v128.load32_splat(pa + 2 * rb);
      c20 = i32x4.add(c20, i32x4.dot_i16x8_s(a, w0)); c21 = i32x4.add(c21, i32x4.dot_i16x8_s(a, w1));
      a = v128.load32_splat(pa + 3 * rb);
      c30 = i32x4.add(c30, i32x4.dot_i16x8_s(a, w0)); c31 = i32x4.add(c31, i32x4.dot_i16x8_s(a, w1));
      pa += 4; p += 32;
    }
    tileOut(c00, c01, c10, c11, c20, c21, c30, c31, rows, j, cols, mult, q, out, ldo, eb, tmp);
  } else {
    for (let r = 0; r < rows; r++) {
      const dst = out + <usize>(r * ldo * eb);
      for (let c = 0; c < cols; c++) {
        let acc = 0;
        let pa = ra + <usize>r * rb, p = pw + (<usize>c << 2);
        for (let t = 0; t < kp; t += 2) {
          acc += <i32>load<i16>(pa) * <i32>load<i16>(p) + <i32>load<i16>(pa, 2) * <i32>load<i16>(p, 2);
          pa += 4; p += 32;
        }
        store1(acc, j + c, corr, mult, q, dst);
      }
    }
  }
}

// The 4x8 tile's accumulators (already corrected) requantised and stored: rows and cols are the valid ones.
@inline function tileOut(c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  rows: i32, j: i32, cols: i32, mult: usize, q: usize, out: usize, ldo: i32, eb: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const o = <usize>j << 2;
    const m0 = v128.load(mult + o), m1 = v128.load(mult + o, 16);
    const kind = prm(q, P_KIND), row = <usize>(ldo * eb), act = prm(q, P_ACT);
    if (kind == Q_F32) {
      storeRowF(c00, c01, m0, m1, act, q, j, cols, out, tmp);
      if (rows > 1) storeRowF(c10, c11, m0, m1, act, q, j, cols, out + row, tmp);
      if (rows > 2) storeRowF(c20, c21, m0, m1, act, q, j, cols, out + 2 * row, tmp);
      if (rows > 3) storeRowF(c30, c31, m0, m1, act, q, j, cols, out + 3 * row, tmp);
    } else {
      const z = prm(q, P_Z), zv = roundBias(z), leaky = act == LEAKY;
      const lo = f32x4.splat(<f32>(prm(q, P_MIN) - z)), hi = f32x4.splat(<f32>(prm(q, P_MAX) - z));
      storeRowQ(c00, c01, m0, m1, lo, hi, zv, kind, leaky, q, j, cols, out, tmp);
      if (rows > 1) storeRowQ(c10, c11, m0, m1, lo, hi, zv, kind, leaky, q, j, cols, out + row, tmp);
      if (rows > 2) storeRowQ(c20, c21, m0, m1, lo, hi, zv, kind, leaky, q, j, cols, out + 2 * row, tmp);
      if (rows > 3) storeRowQ(c30, c31, m0, m1, lo, hi, zv, kind, leaky, q, j, cols, out + 3 * row, tmp);
    }
  }
}

/** The leaky slope of a parameter block, on 4 lanes. */
@inline function alphaOf(q: usize): v128 {
  return v128.load32_splat(q + (<usize>P_ALPHA << 2));
}

/** 1.5·2^23 and its bits: x + ROUND_ADD holds nearest(x) in its low mantissa bits for |x| < 2^22. */
const ROUND_ADD: f32 = 12582912.0, ROUND_BITS = 0x4B400000;
/** What storeRowQ subtracts from the rounded bits for output zero point z. */
@inline function roundBias(z: i32): v128 { return i32x4.splat(ROUND_BITS - z); }

// Eight channels j..j+7 of one tile row, requantised (accumulators already corrected) and stored as 8 bytes;
// the first `cols` of them at the right edge. zv: roundBias(zOut). leaky: the slope below zero, before rounding.
@inline function storeRowQ(c0: v128, c1: v128, m0: v128, m1: v128, lo: v128, hi: v128, zv: v128, kind: i32,
  leaky: bool, q: usize, j: i32, cols: i32, dst: usize, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    let v0 = f32x4.mul(f32x4.convert_i32x4_s(c0), m0), v1 = f32x4.mul(f32x4.convert_i32x4_s(c1), m1);
    // the slope is loaded here, not held in a register across the callers' loops (V8 spills past about 14 v128s)
    if (leaky) { const av = alphaOf(q); v0 = leakyv(v0, av); v1 = leakyv(v1, av); }
    // clamp with pmin/pmax (one instruction each on x64; v is never NaN), then round half to even by adding 1.5·2^23
    // (|v| <= 255: the sum's last mantissa bit is the unit, and the float add rounds to it), whose bits less
    // ROUND_BITS - z are the rounded value plus the zero point: nearest + trunc_sat + add in two instructions
    const r0 = i32x4.sub(f32x4.add(f32x4.pmin(f32x4.pmax(v0, lo), hi), f32x4.splat(ROUND_ADD)), zv);
    const r1 = i32x4.sub(f32x4.add(f32x4.pmin(f32x4.pmax(v1, lo), hi), f32x4.splat(ROUND_ADD)), zv);
    const h = i16x8.narrow_i32x4_s(r0, r1);
    if (kind == Q_I16) {
      const d = dst + (<usize>j << 1);
      if (cols == NR) { v128.store(d, h); return; }
      v128.store(tmp, h);
      for (let i = 0; i < cols; i++) store<i16>(d + (<usize>i << 1), load<i16>(tmp + (<usize>i << 1)));
      return;
    }
    const b = kind == Q_U8 ? i8x16.narrow_i16x8_u(h, h) : i8x16.narrow_i16x8_s(h, h);
    const d = dst + <usize>j;
    if (cols == NR) { v128.store64_lane(d, b, 0); return; }
    v128.store(tmp, b);
    for (let i = 0; i < cols; i++) store<u8>(d + <usize>i, load<u8>(tmp + <usize>i));
  }
}

// Eight channels of one tile row as float32 (the last layer's output): scaled, then the activation.
@inline function storeRowF(c0: v128, c1: v128, m0: v128, m1: v128, act: i32, q: usize, j: i32, cols: i32,
  dst: usize, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    let y0 = f32x4.mul(f32x4.convert_i32x4_s(c0), m0), y1 = f32x4.mul(f32x4.convert_i32x4_s(c1), m1);
    if (act == LEAKY) { const av = alphaOf(q); y0 = leakyv(y0, av); y1 = leakyv(y1, av); }
    else { y0 = actv(y0, act); y1 = actv(y1, act); }
    const d = dst + (<usize>j << 2);
    if (cols == NR) { v128.store(d, y0); v128.store(d, y1, 16); return; }
    v128.store(tmp, y0); v128.store(tmp, y1, 16);
    for (let i = 0; i < cols; i++) store<f32>(d + (<usize>i << 2), load<f32>(tmp + (<usize>i << 2)));
  }
}

// All n columns for a block of `rows` (<= MB) widened rows: panels outer, so each packed panel of weights
// (kp x 8 i16) is read from cache once per block rather than once per 4 rows (GotoBLAS's loop order).
@inline function rowBlock(kp: i32, n: i32, ra: usize, rows: i32, wp: usize, corr: usize, mult: usize, q: usize,
  out: usize, ldo: i32, eb: i32, tmp: usize): void {
  const rb = <usize>(MR * kp) << 1, ob = <usize>(MR * ldo * eb);
  for (let j = 0; j < n; j += NR) {
    const cols = n - j < NR ? n - j : NR, pw = wp + (<usize>(j * kp) << 1);
    let r = 0, pa = ra, po = out;
    for (; r < rows; r += MR) {
      tile(kp, pa, pw, rows - r < MR ? rows - r : MR, j, cols, corr, mult, q, po, ldo, eb, tmp);
      pa += rb; po += ob;
    }
  }
}

/**
 * out[m, n] (row stride ldo elements) = requant(A[m, k] (row stride lda bytes) · W): wp the packed weights
 * (packInt8Weights), params np i32 corrections then np f32 multipliers, q the 8-i32 parameter block.
 */
export function qgemm(m: i32, n: i32, k: i32, a: usize, lda: i32, wp: usize, params: usize, q: usize, out: usize,
  ldo: i32, scratch: usize): void {
  const kp = roundUp(k, 2), np = prm(q, P_NP), aType = prm(q, P_ATYPE), zA = prm(q, P_ZA);
  const eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2);
  const tmp = scratch, ra = scratch + 32;
  let start = 0;
  if (aType == T_I16 && lda == kp << 1) {
    // int16 rows at the tile's stride already are its widened rows: whole groups of MR are read in place, and only
    // the last m % MR rows are copied (the tile reads MR rows)
    start = m - m % MR;
    for (let i = 0; i < start; i += MB) {
      const rows = start - i < MB ? start - i : MB;
      rowBlock(kp, n, a + <usize>(i * lda), rows, wp, corr, mult, q, out + <usize>(i * ldo * eb), ldo, eb, tmp);
    }
  }
  for (let i = start; i < m; i += MB) {
    const rows = m - i < MB ? m - i : MB;
    for (let r = 0; r < roundUp(rows, MR); r++) {
      const dst = ra + <usize>(r * kp * 2);
      if (r < rows) widenRow(a + <usize>((i + r) * lda), k, kp, aType, zA, dst);
      else memory.fill(dst, 0, <usize>kp << 1);
    }
    rowBlock(kp, n, ra, rows, wp, corr, mult, q, out + <usize>(i * ldo * eb), ldo, eb, tmp);
  }
}

/**
 * A general 2D convolution over NHWC int8/uint8 x (geometry block g, inD = 1): im2col of 4 output pixels at a
 * time into widened rows (taps outside the input read zA), then the GEMM tile. Filters packed as [fH·fW·inC, outC].
 */
export function qconv(x: usize, g: usize, wp: usize, params: usize, q: usize, out: usize, scratch: usize): void {
  const inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC), outH = geo(g, G.outH), outW = geo(g, G.outW);
  const fH = geo(g, G.fH), fW = geo(g, G.fW), sH = geo(g, G.sH), sW = geo(g, G.sW);
  const dH = geo(g, G.dH), dW = geo(g, G.dW);
  const pH = geo(g, G.pH), pW = geo(g, G.pW), n = geo(g, G.outC);
  const k = fH * fW * C, kp = roundUp(k, 2), np = prm(q, P_NP), aType = prm(q, P_ATYPE), zA = prm(q, P_ZA);
  const signedA = aType != T_U8, ab = aType == T_I16 ? 2 : 1;
  const eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2);
  const tmp = scratch, ra = scratch + 32;
  const m = geo(g, G.batch) * outH * outW;
  for (let i = 0; i < m; i += MB) {
    const rows = m - i < MB ? m - i : MB;
    // the block's first output pixel; each row steps to the next (no divisions per row)
    let b = i / (outH * outW), oh = (i % (outH * outW)) / outW, ow = i % outW;
    for (let r = 0; r < roundUp(rows, MR); r++) {
      const dst = ra + <usize>(r * kp * 2);
      if (r >= rows) { memory.fill(dst, 0, <usize>kp << 1); continue; }
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH - pH + kh * dH, iw0 = ow * sW - pW;
        if (ASC_FEATURE_SIMD) {
          // a filter row's taps all inside and adjacent (dW 1): one span, widened 8 at a time; the overshoot lands
          // where the next taps, the row's padding or the next row are written after (or in the scratch's slack)
          if (dW == 1 && ih >= 0 && ih < inH && iw0 >= 0 && iw0 + fW <= inW) {
            const src = x + <usize>(((b * inH + ih) * inW + iw0) * C * ab), d = dst + (<usize>(kh * fW * C) << 1);
            if (ab == 2) { memory.copy(d, src, <usize>(fW * C) << 1); continue; }
            for (let e = 0; e < fW * C; e += 8) {
              const v = signedA ? v128.load8x8_s(src + <usize>e) : v128.load8x8_u(src + <usize>e);
              v128.store(d + (<usize>e << 1), v);
            }
            continue;
          }
        }
        for (let kw = 0; kw < fW; kw++) {
          const iw = ow * sW - pW + kw * dW;
          const d = dst + (<usize>((kh * fW + kw) * C) << 1);
          if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
            for (let c = 0; c < C; c++) store<i16>(d + (<usize>c << 1), <i16>zA);
          } else {
            widenRow(x + <usize>(((b * inH + ih) * inW + iw) * C * ab), C, C, aType, zA, d);
          }
        }
      }
      if (kp > k) store<i16>(dst + (<usize>k << 1), <i16>zA);
      if (++ow == outW) { ow = 0; if (++oh == outH) { oh = 0; b++; } }
    }
    rowBlock(kp, n, ra, rows, wp, corr, mult, q, out + <usize>(i * n * eb), n, eb, tmp);
  }
}

// Direct int8 convolution for few input channels (the stem of an image network: inC 3, k = 27). im2col + the GEMM
// tile copies every pixel's k values before its dot products and that copy cost about as much as the products; here
// each needed input row is widened to i16 once per output row (zA outside the input), and the tile reads its pairs of
// taps straight from those rows. A filter row's taps are one span of the widened row, ((fW - 1)·dW + 1)·inC values
// from the pixel's first tap (gaps of a dilation get zero weights), padded to an even length L2; the weights are
// packed as for qgemm over k' = fH·L2 (packInt8Weights of spanWeights), so the corrections are qconv's.

/** Pixels of one widened row: the span of outW pixels rounded up to the tile's 4. */
@inline function spanPixels(outW: i32, fW: i32, sW: i32, dW: i32): i32 {
  return (roundUp(outW, MR) - 1) * sW + (fW - 1) * dW + 1;
}
@inline function directRowPixels(g: usize): i32 {
  return spanPixels(geo(g, G.outW), geo(g, G.fW), geo(g, G.sW), geo(g, G.dW));
}
/** Bytes of one widened row (16 bytes of slack: a span's last pair may read one value past it). */
@inline function directRowBytes(pixels: i32, C: i32): i32 { return roundUp(pixels * C * 2 + 16, 16); }

/** Bytes of scratch for qconvDirect: fH widened rows and the tile's store buffer. */
export function qDirectScratchBytes(outW: i32, inC: i32, fH: i32, fW: i32, sW: i32, dW: i32): i32 {
  return fH * directRowBytes(spanPixels(outW, fW, sW, dW), inC) + 48;
}

// Input row ih of image b widened to i16 over the span's pixels (first input column -pW), zA outside the input.
function widenSpan(x: usize, g: usize, b: i32, ih: i32, aType: i32, zA: i32, dst: usize): void {
  const inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC), pW = geo(g, G.pW);
  const wp = directRowPixels(g);
  let p = 0;
  if (ih >= 0 && ih < inH) {
    const left = pW < wp ? pW : wp, right = wp - pW < inW ? wp - pW : inW;
    for (; p < left * C; p++) store<i16>(dst + (<usize>p << 1), <i16>zA);
    if (right > 0) {
      const ab = aType == T_I16 ? 2 : 1;
      widenRow(x + <usize>((b * inH + ih) * inW * C * ab), right * C, right * C, aType, zA, dst + (<usize>p << 1));
      p += right * C;
    }
  }
  for (; p < wp * C + 8; p++) store<i16>(dst + (<usize>p << 1), <i16>zA);
}

// Up to 4 output pixels (rows valid) x 8 channels j..j+7: pa the first pixel's span in the first widened row, ps
// bytes from one pixel's span to the next, rb from one widened row to the next, pw the panel (l2 / 2 pairs per row).
function directTile(fH: i32, l2: i32, pa: usize, ps: usize, rb: usize, pw: usize, rows: i32, j: i32, cols: i32,
  corr: usize, mult: usize, q: usize, out: usize, ldo: i32, eb: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const o = <usize>j << 2;
    const k0 = v128.load(corr + o), k1 = v128.load(corr + o, 16);
    let c00 = k0, c01 = k1, c10 = k0, c11 = k1, c20 = k0, c21 = k1, c30 = k0, c31 = k1;
    let p = pw;
    for (let kh = 0; kh < fH; kh++) {
      let a0 = pa + <usize>kh * rb;
      for (let t = 0; t < l2; t += 2) {
        const w0 = v128.load(p), w1 = v128.load(p, 16);
        let a = v128.load32_splat(a0);
        c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a, w0)); c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a, w1));
        a = v128.load32_splat(a0 + ps);
        c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a, w0)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a, w1));
        a = v128.load32_splat(a0 + 2 * ps);
        c20 = i32x4.add(c20, i32x4.dot_i16x8_s(a, w0)); c21 = i32x4.add(c21, i32x4.dot_i16x8_s(a, w1));
        a = v128.load32_splat(a0 + 3 * ps);
        c30 = i32x4.add(c30, i32x4.dot_i16x8_s(a, w0)); c31 = i32x4.add(c31, i32x4.dot_i16x8_s(a, w1));
        a0 += 4; p += 32;
      }
    }
    tileOut(c00, c01, c10, c11, c20, c21, c30, c31, rows, j, cols, mult, q, out, ldo, eb, tmp);
  } else {
    for (let r = 0; r < rows; r++) {
      const dst = out + <usize>(r * ldo * eb);
      for (let c = 0; c < cols; c++) {
        let acc = 0, p = pw + (<usize>c << 2);
        for (let kh = 0; kh < fH; kh++) {
          let a0 = pa + <usize>r * ps + <usize>kh * rb;
          for (let t = 0; t < l2; t += 2) {
            acc += <i32>load<i16>(a0) * <i32>load<i16>(p) + <i32>load<i16>(a0, 2) * <i32>load<i16>(p, 2);
            a0 += 4; p += 32;
          }
        }
        store1(acc, j + c, corr, mult, q, dst);
      }
    }
  }
}

/**
 * A 2D convolution over NHWC int8/uint8 x (geometry g, inD = 1) for few input channels, without im2col: wp the
 * packed span weights (packInt8Weights of spanWeights, k' = fH·L2), params and q as qconv's.
 */
export function qconvDirect(x: usize, g: usize, wp: usize, params: usize, q: usize, out: usize, scratch: usize): void {
  const C = geo(g, G.inC), outH = geo(g, G.outH), outW = geo(g, G.outW), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sH = geo(g, G.sH), sW = geo(g, G.sW), dH = geo(g, G.dH), dW = geo(g, G.dW), pH = geo(g, G.pH);
  const n = geo(g, G.outC), np = prm(q, P_NP), aType = prm(q, P_ATYPE), zA = prm(q, P_ZA);
  const l2 = roundUp(((fW - 1) * dW + 1) * C, 2), eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2);
  const tmp = scratch, rows = scratch + 32, rb = <usize>directRowBytes(directRowPixels(g), C);
  const ps = <usize>(sW * C) << 1, kp = fH * l2;
  let dst = out;
  for (let b = 0; b < geo(g, G.batch); b++) for (let oh = 0; oh < outH; oh++) {
    for (let kh = 0; kh < fH; kh++) widenSpan(x, g, b, oh * sH - pH + kh * dH, aType, zA, rows + <usize>kh * rb);
    for (let j = 0; j < n; j += NR) {
      const cols = n - j < NR ? n - j : NR, pw = wp + (<usize>(j * kp) << 1);
      for (let ow = 0; ow < outW; ow += MR) {
        directTile(fH, l2, rows + <usize>ow * ps, ps, rb, pw, outW - ow < MR ? outW - ow : MR, j, cols, corr, mult,
          q, dst + <usize>(ow * n * eb), n, eb, tmp);
      }
    }
    dst += <usize>(outW * n * eb);
  }
}

// The relaxed-SIMD path (relaxed builds only; the host uses it only where probeDot found the engine exact):
// i32x4.relaxed_dot_i8x16_i7x16_add_s multiplies 16 int8 weights (its signed operand) by 16 activation bytes (its
// i7 operand) and adds groups of 4 into i32 lanes, 16 multiply-adds per instruction on unwidened bytes. Weights pack
// as bytes, per panel of 8 channels and group of 4 k: channels 0-3 (4 k each), then 4-7. Engines read the i7 operand
// as unsigned (x86 VNNI) or signed (Arm sdot); rows are copied with their sign bits XORed by `flip` so the engine
// sees x or x - 128 / x + 128, and the host folds the constant ±128·sum(w) into the per-channel correction.

/** Bytes of scratch for the dot path at depth k: MB rows of roundUp(k, 4) bytes. */
export function qdotScratchBytes(k: i32): i32 {
  return MB * roundUp(k, 4) + 48;
}

/** out = relaxed_dot_i8x16_i7x16_add_s(a, b, c) (16 bytes each), `reps` times so the engine's optimising tier
 * compiles it too; the host reads the engine's arithmetic from it. Non-relaxed builds leave out alone. */
export function qdotProbe(a: usize, b: usize, c: usize, out: usize, reps: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    for (let i = 0; i < reps; i++) {
      v128.store(out, i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(a), v128.load(b), v128.load(c)));
    }
  }
}

// One row of k activation bytes with sign bits XORed by flip, padded to kq with the byte pad.
@inline function flipRow(src: usize, k: i32, kq: i32, flip: i32, pad: i32, dst: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const f = i8x16.splat(<i8>flip);
    for (; i + 16 <= k; i += 16) v128.store(dst + <usize>i, v128.xor(v128.load(src + <usize>i), f));
  }
  for (; i < k; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i) ^ <u8>flip);
  for (; i < kq; i++) store<u8>(dst + <usize>i, <u8>pad);
}

// The 4x8 tile of the dot path: rows ra (4 byte rows, kq apart), packed byte panel pw.
function dotTile(kq: i32, ra: usize, pw: usize, rows: i32, j: i32, cols: i32, corr: usize, mult: usize, q: usize,
  out: usize, ldo: i32, eb: i32, tmp: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const rb = <usize>kq, o = <usize>j << 2;
    const k0 = v128.load(corr + o), k1 = v128.load(corr + o, 16);
    let c00 = k0, c01 = k1, c10 = k0, c11 = k1, c20 = k0, c21 = k1, c30 = k0, c31 = k1;
    let pa = ra, p = pw;
    for (let t = 0; t < kq; t += 4) {
      const w0 = v128.load(p), w1 = v128.load(p, 16);
      let a = v128.load32_splat(pa);
      c00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, a, c00); c01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, a, c01);
      a = v128.load32_splat(pa + rb);
      c10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, a, c10); c11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, a, c11);
      a = v128.load32_splat(pa + 2 * rb);
      c20 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, a, c20); c21 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, a, c21);
      a = v128.load32_splat(pa + 3 * rb);
      c30 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, a, c30); c31 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, a, c31);
      pa += 4; p += 32;
    }
    tileOut(c00, c01, c10, c11, c20, c21, c30, c31, rows, j, cols, mult, q, out, ldo, eb, tmp);
  }
}

// All n columns for a block of byte rows, panels outer (as rowBlock).
@inline function dotBlock(kq: i32, n: i32, ra: usize, rows: i32, wp: usize, corr: usize, mult: usize, q: usize,
  out: usize, ldo: i32, eb: i32, tmp: usize): void {
  const rb = <usize>(MR * kq), ob = <usize>(MR * ldo * eb);
  for (let j = 0; j < n; j += NR) {
    const cols = n - j < NR ? n - j : NR, pw = wp + <usize>(j * kq);
    let r = 0, pa = ra, po = out;
    for (; r < rows; r += MR) {
      dotTile(kq, pa, pw, rows - r < MR ? rows - r : MR, j, cols, corr, mult, q, po, ldo, eb, tmp);
      pa += rb; po += ob;
    }
  }
}

/** qgemm on the dot path: wp packed bytes (packInt8Dot), params the corrections for this flip, flip 0 or 0x80. */
export function qgemmDot(m: i32, n: i32, k: i32, a: usize, lda: i32, wp: usize, params: usize, q: usize, out: usize,
  ldo: i32, flip: i32, scratch: usize): void {
  const kq = roundUp(k, 4), np = prm(q, P_NP), pad = (prm(q, P_ZA) & 255) ^ flip;
  const eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2);
  const tmp = scratch, ra = scratch + 32;
  for (let i = 0; i < m; i += MB) {
    const rows = m - i < MB ? m - i : MB;
    for (let r = 0; r < roundUp(rows, MR); r++) {
      const dst = ra + <usize>(r * kq);
      if (r < rows) flipRow(a + <usize>((i + r) * lda), k, kq, flip, pad, dst);
      else memory.fill(dst, 0, <usize>kq);
    }
    dotBlock(kq, n, ra, rows, wp, corr, mult, q, out + <usize>(i * ldo * eb), ldo, eb, tmp);
  }
}

/** qconv on the dot path: im2col into byte rows (taps outside the input read zA), then the dot tile. */
export function qconvDot(x: usize, g: usize, wp: usize, params: usize, q: usize, out: usize, flip: i32,
  scratch: usize): void {
  const inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC), outH = geo(g, G.outH), outW = geo(g, G.outW);
  const fH = geo(g, G.fH), fW = geo(g, G.fW), sH = geo(g, G.sH), sW = geo(g, G.sW);
  const dH = geo(g, G.dH), dW = geo(g, G.dW);
  const pH = geo(g, G.pH), pW = geo(g, G.pW), n = geo(g, G.outC);
  const k = fH * fW * C, kq = roundUp(k, 4), np = prm(q, P_NP), pad = (prm(q, P_ZA) & 255) ^ flip;
  const eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2);
  const tmp = scratch, ra = scratch + 32;
  const m = geo(g, G.batch) * outH * outW;
  for (let i = 0; i < m; i += MB) {
    const rows = m - i < MB ? m - i : MB;
    // the block's first output pixel; each row steps to the next (no divisions per row)
    let b = i / (outH * outW), oh = (i % (outH * outW)) / outW, ow = i % outW;
    for (let r = 0; r < roundUp(rows, MR); r++) {
      const dst = ra + <usize>(r * kq);
      if (r >= rows) { memory.fill(dst, 0, <usize>kq); continue; }
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH - pH + kh * dH, iw0 = ow * sW - pW;
        if (ASC_FEATURE_SIMD) {
          // one span per filter row where it can (as in qconv), 16 bytes at a time
          if (dW == 1 && ih >= 0 && ih < inH && iw0 >= 0 && iw0 + fW <= inW) {
            const src = x + <usize>(((b * inH + ih) * inW + iw0) * C), d = dst + <usize>(kh * fW * C);
            const f = i8x16.splat(<i8>flip);
            for (let e = 0; e < fW * C; e += 16) v128.store(d + <usize>e, v128.xor(v128.load(src + <usize>e), f));
            continue;
          }
        }
        for (let kw = 0; kw < fW; kw++) {
          const iw = ow * sW - pW + kw * dW;
          const d = dst + <usize>((kh * fW + kw) * C);
          if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) memory.fill(d, <u8>pad, <usize>C);
          else flipRow(x + <usize>(((b * inH + ih) * inW + iw) * C), C, C, flip, pad, d);
        }
      }
      for (let t = k; t < kq; t++) store<u8>(dst + <usize>t, <u8>pad);
      if (++ow == outW) { ow = 0; if (++oh == outH) { oh = 0; b++; } }
    }
    dotBlock(kq, n, ra, rows, wp, corr, mult, q, out + <usize>(i * n * eb), n, eb, tmp);
  }
}

/**
 * Depthwise 2D convolution (multiplier 1) over NHWC int8/uint8/int16 x: w16 the filters widened to i16 [fH·fW, np]
 * (channels padded to 8). As the float kernel (depthwise.ts): per output pixel, taps outer and channels inner into
 * an i32 row in scratch (L1), eight channels per step (extmul of i16 lanes into two i32x4); a tap outside the input
 * adds zA·w, so the correction's -zA·sum(w) cancels it. Then one requantising pass over the row.
 * Interior pixels take channels in blocks of 16 on tap pairs (dwPair: w16's pair weights follow [fH·fW, np]), or
 * with wdot (0 for none, relaxed builds only) on the dot path (dwDot); the rest as above.
 */
export function qdepthwise(x: usize, g: usize, w16: usize, params: usize, q: usize, out: usize, wdot: usize, flip: i32,
  scratch: usize): void {
  const inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC), outH = geo(g, G.outH), outW = geo(g, G.outW);
  const fH = geo(g, G.fH), fW = geo(g, G.fW), sH = geo(g, G.sH), sW = geo(g, G.sW);
  const dH = geo(g, G.dH), dW = geo(g, G.dW);
  const pH = geo(g, G.pH), pW = geo(g, G.pW), batch = geo(g, G.batch);
  const np = prm(q, P_NP), aType = prm(q, P_ATYPE), zA = prm(q, P_ZA);
  const signedA = aType != T_U8, wide = aType == T_I16, ab = wide ? 2 : 1, eb = outBytes(prm(q, P_KIND));
  const corr = params, mult = params + (<usize>np << 2), tmp = scratch, acc = scratch + 32;
  let dst = out;
  if (ASC_FEATURE_SIMD) {
    // channels in blocks of 8 up to np: the weights' padding is zero, and quantised values have 16 bytes of slack
    // after them in a plan, so the last block's extra lanes read harmless bytes and add nothing
    const kind = prm(q, P_KIND), z = prm(q, P_Z), zv = roundBias(z), act = prm(q, P_ACT);
    const lo4 = f32x4.splat(<f32>(prm(q, P_MIN) - z)), hi4 = f32x4.splat(<f32>(prm(q, P_MAX) - z));
    const za = i16x8.splat(<i16>zA), leaky = act == LEAKY;
    // interior pixels (every tap inside): tap offsets from a table, accumulators in registers, no bounds checks
    const taps = fH * fW, off = acc + (<usize>np << 2), tq = roundUp(taps, 4);
    for (let kh = 0; kh < fH; kh++) for (let kw = 0; kw < fW; kw++) {
      store<i32>(off + (<usize>(kh * fW + kw) << 2), (kh * dH * inW + kw * dW) * C * ab);
    }
    // the dot path reads taps in fours: the rest of the last four repeat tap 0, with zero weights; at the edges it
    // reads taps from absolute addresses, those outside the input from a row of zero points
    for (let t = taps; t < tq; t++) store<i32>(off + (<usize>t << 2), 0);
    const zrow = off + (<usize>tq << 2), ptrs = zrow + <usize>np;
    if (wdot != 0) memory.fill(zrow, <u8>zA, <usize>np);
    const spanH = (fH - 1) * dH, spanW = (fW - 1) * dW;
    for (let b = 0; b < batch; b++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
      const ih0 = oh * sH - pH, iw0 = ow * sW - pW;
      if (ih0 >= 0 && ih0 + spanH < inH && iw0 >= 0 && iw0 + spanW < inW) {
        const base = x + <usize>(((b * inH + ih0) * inW + iw0) * C * ab);
        let c = 0;
        if (ASC_FEATURE_RELAXED_SIMD) {
          if (wdot != 0) c = dwDot(base, off, tq, C, wdot, mult, q, flip, dst, tmp);
        }
        if (c == 0) c = dwPair(base, off, taps, C, w16 + (<usize>(taps * np) << 1), corr, mult, q, aType, dst, tmp);
        for (; c < C; c += 8) {
          const oc = <usize>c << 2;
          let lo = v128.load(corr + oc), hi = v128.load(corr + oc, 16);
          let wt = w16 + (<usize>c << 1);
          const wStep = <usize>np << 1;
          for (let t = 0; t < taps; t++) {
            const src = base + <usize>load<i32>(off + (<usize>t << 2)) + <usize>(c * ab);
            const xv = wide ? v128.load(src) : signedA ? v128.load8x8_s(src) : v128.load8x8_u(src), wv = v128.load(wt);
            lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
            hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
            wt += wStep;
          }
          const pm = mult + oc, cols = C - c < 8 ? C - c : 8;
          if (kind == Q_F32) storeRowF(lo, hi, v128.load(pm), v128.load(pm, 16), act, q, c, cols, dst, tmp);
          else storeRowQ(lo, hi, v128.load(pm), v128.load(pm, 16), lo4, hi4, zv, kind, leaky, q, c, cols, dst, tmp);
        }
        dst += <usize>(C * eb);
        continue;
      }
      let c0 = 0;
      if (ASC_FEATURE_RELAXED_SIMD) {
        if (wdot != 0) {
          for (let kh = 0; kh < fH; kh++) for (let kw = 0; kw < fW; kw++) {
            const ih = ih0 + kh * dH, iw = iw0 + kw * dW;
            const outside = ih < 0 || ih >= inH || iw < 0 || iw >= inW;
            const src = outside ? zrow : x + <usize>(((b * inH + ih) * inW + iw) * C);
            store<i32>(ptrs + (<usize>(kh * fW + kw) << 2), <i32>src);
          }
          for (let t = taps; t < tq; t++) store<i32>(ptrs + (<usize>t << 2), <i32>zrow);
          c0 = dwDot(0, ptrs, tq, C, wdot, mult, q, flip, dst, tmp);
        }
      }
      memory.copy(acc + (<usize>c0 << 2), corr + (<usize>c0 << 2), <usize>(np - c0) << 2);
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH - pH + kh * dH;
        for (let kw = 0; kw < fW; kw++) {
          const iw = ow * sW - pW + kw * dW;
          const wt = w16 + (<usize>((kh * fW + kw) * np) << 1);
          const src = x + <usize>(((b * inH + ih) * inW + iw) * C * ab);
          if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
            for (let c = c0; c < C; c += 8) dwStep(za, wt, acc, c);
          } else if (wide) {
            for (let c = c0; c < C; c += 8) dwStep(v128.load(src + (<usize>c << 1)), wt, acc, c);
          } else if (signedA) {
            for (let c = c0; c < C; c += 8) dwStep(v128.load8x8_s(src + <usize>c), wt, acc, c);
          } else {
            for (let c = c0; c < C; c += 8) dwStep(v128.load8x8_u(src + <usize>c), wt, acc, c);
          }
        }
      }
      for (let c = c0; c < C; c += 8) {
        const pa = acc + (<usize>c << 2), pm = mult + (<usize>c << 2), cols = C - c < 8 ? C - c : 8;
        if (kind == Q_F32) {
          storeRowF(v128.load(pa), v128.load(pa, 16), v128.load(pm), v128.load(pm, 16), act, q, c, cols, dst, tmp);
        } else {
          storeRowQ(v128.load(pa), v128.load(pa, 16), v128.load(pm), v128.load(pm, 16), lo4, hi4, zv, kind, leaky, q,
            c, cols, dst, tmp);
        }
      }
      dst += <usize>(C * eb);
    }
    return;
  }
  for (let b = 0; b < batch; b++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    memory.fill(acc, 0, <usize>np << 2);
    for (let kh = 0; kh < fH; kh++) {
      const ih = oh * sH - pH + kh * dH;
      for (let kw = 0; kw < fW; kw++) {
        const iw = ow * sW - pW + kw * dW;
        const wt = w16 + (<usize>((kh * fW + kw) * np) << 1);
        const inside = ih >= 0 && ih < inH && iw >= 0 && iw < inW;
        const src = x + <usize>(((b * inH + ih) * inW + iw) * C * ab);
        for (let c = 0; c < C; c++) {
          const xv = !inside ? zA : wide ? <i32>load<i16>(src + (<usize>c << 1))
            : signedA ? <i32>load<i8>(src + <usize>c) : <i32>load<u8>(src + <usize>c);
          const pa = acc + (<usize>c << 2);
          store<i32>(pa, load<i32>(pa) + xv * <i32>load<i16>(wt + (<usize>c << 1)));
        }
      }
    }
    for (let c = 0; c < C; c++) store1(load<i32>(acc + (<usize>c << 2)), c, corr, mult, q, dst);
    dst += <usize>(C * eb);
  }
}

// One pixel of qdepthwise on the relaxed dot path, channels in blocks of 16 (returns how many it did), tap t's row
// at base + table[t]: per four taps, the four 16-channel rows (sign bits XORed by flip) are transposed by byte and
// i16 interleaves into four vectors of 4 channels x 4 taps, so each relaxed dot adds four taps of four channels.
// wdot holds the weights packed so (packDepthwiseDot) and then the dot path's corrections for those channels.
function dwDot(base: usize, off: usize, tq: i32, C: i32, wdot: usize, mult: usize, q: usize, flip: i32, dst: usize,
  tmp: usize): i32 {
  let c = 0;
  if (ASC_FEATURE_RELAXED_SIMD) {
    const kind = prm(q, P_KIND), z = prm(q, P_Z), zv = roundBias(z), act = prm(q, P_ACT);
    const lo = f32x4.splat(<f32>(prm(q, P_MIN) - z)), hi = f32x4.splat(<f32>(prm(q, P_MAX) - z));
    const leaky = act == LEAKY;
    const f = i8x16.splat(<i8>flip), corr = wdot + <usize>((C >> 4) * tq * 16);
    for (; c + 16 <= C; c += 16) {
      const pc = corr + (<usize>c << 2), s = base + <usize>c;
      let a0 = v128.load(pc), a1 = v128.load(pc, 16), a2 = v128.load(pc, 32), a3 = v128.load(pc, 48);
      let wt = wdot + <usize>((c >> 4) * tq * 16), o = off;
      for (let t = 0; t < tq; t += 4) {
        const t0 = v128.xor(v128.load(s + <usize>load<i32>(o)), f);
        const t1 = v128.xor(v128.load(s + <usize>load<i32>(o, 4)), f);
        const t2 = v128.xor(v128.load(s + <usize>load<i32>(o, 8)), f);
        const t3 = v128.xor(v128.load(s + <usize>load<i32>(o, 12)), f);
        const l01 = i8x16.shuffle(t0, t1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h01 = i8x16.shuffle(t0, t1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const l23 = i8x16.shuffle(t2, t3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h23 = i8x16.shuffle(t2, t3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wt),
          i8x16.shuffle(l01, l23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), a0);
        a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wt, 16),
          i8x16.shuffle(l01, l23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), a1);
        a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wt, 32),
          i8x16.shuffle(h01, h23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), a2);
        a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wt, 48),
          i8x16.shuffle(h01, h23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), a3);
        wt += 64; o += 16;
      }
      const pm = mult + (<usize>c << 2);
      if (kind == Q_F32) {
        storeRowF(a0, a1, v128.load(pm), v128.load(pm, 16), act, q, c, 8, dst, tmp);
        storeRowF(a2, a3, v128.load(pm, 32), v128.load(pm, 48), act, q, c + 8, 8, dst, tmp);
      } else {
        storeRowQ(a0, a1, v128.load(pm), v128.load(pm, 16), lo, hi, zv, kind, leaky, q, c, 8, dst, tmp);
        storeRowQ(a2, a3, v128.load(pm, 32), v128.load(pm, 48), lo, hi, zv, kind, leaky, q, c + 8, 8, dst, tmp);
      }
    }
  }
  return c;
}

// One interior pixel of qdepthwise on the i16 path, channels in blocks of 16 (returns how many it did), tap t's row at
// base + off[t]: per pair of taps the two 16-channel rows are interleaved (by byte and widened, or by i16 lane for
// int16 inputs), so each i32x4.dot_i16x8_s adds two taps of four channels (the extmul form adds one).
// wp: widenDepthwise's pair weights.
function dwPair(base: usize, off: usize, taps: i32, C: i32, wp: usize, corr: usize, mult: usize, q: usize,
  aType: i32, dst: usize, tmp: usize): i32 {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const kind = prm(q, P_KIND), z = prm(q, P_Z), zv = roundBias(z), act = prm(q, P_ACT);
    const lo = f32x4.splat(<f32>(prm(q, P_MIN) - z)), hi = f32x4.splat(<f32>(prm(q, P_MAX) - z));
    const leaky = act == LEAKY, tp = roundUp(taps, 2), signedA = aType != T_U8, wide = aType == T_I16;
    for (; c + 16 <= C; c += 16) {
      const pc = corr + (<usize>c << 2), s = base + <usize>(wide ? c << 1 : c);
      let a0 = v128.load(pc), a1 = v128.load(pc, 16), a2 = v128.load(pc, 32), a3 = v128.load(pc, 48);
      let wt = wp + <usize>((c >> 4) * tp * 32), o = off;
      for (let t = 0; t < tp; t += 2) {
        const s0 = s + <usize>load<i32>(o), s1 = s + <usize>load<i32>(o, 4);
        let l0: v128, l1: v128, h0: v128, h1: v128;
        if (wide) {
          const x0 = v128.load(s0), x1 = v128.load(s1), y0 = v128.load(s0, 16), y1 = v128.load(s1, 16);
          l0 = i8x16.shuffle(x0, x1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
          l1 = i8x16.shuffle(x0, x1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
          h0 = i8x16.shuffle(y0, y1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
          h1 = i8x16.shuffle(y0, y1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
        } else {
          const x0 = v128.load(s0), x1 = v128.load(s1);
          const l = i8x16.shuffle(x0, x1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
          const h = i8x16.shuffle(x0, x1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
          l0 = signedA ? i16x8.extend_low_i8x16_s(l) : i16x8.extend_low_i8x16_u(l);
          l1 = signedA ? i16x8.extend_high_i8x16_s(l) : i16x8.extend_high_i8x16_u(l);
          h0 = signedA ? i16x8.extend_low_i8x16_s(h) : i16x8.extend_low_i8x16_u(h);
          h1 = signedA ? i16x8.extend_high_i8x16_s(h) : i16x8.extend_high_i8x16_u(h);
        }
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(l0, v128.load(wt)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(l1, v128.load(wt, 16)));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(h0, v128.load(wt, 32)));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(h1, v128.load(wt, 48)));
        wt += 64; o += 8;
      }
      const pm = mult + (<usize>c << 2);
      if (kind == Q_F32) {
        storeRowF(a0, a1, v128.load(pm), v128.load(pm, 16), act, q, c, 8, dst, tmp);
        storeRowF(a2, a3, v128.load(pm, 32), v128.load(pm, 48), act, q, c + 8, 8, dst, tmp);
      } else {
        storeRowQ(a0, a1, v128.load(pm), v128.load(pm, 16), lo, hi, zv, kind, leaky, q, c, 8, dst, tmp);
        storeRowQ(a2, a3, v128.load(pm, 32), v128.load(pm, 48), lo, hi, zv, kind, leaky, q, c + 8, 8, dst, tmp);
      }
    }
  }
  return c;
}

// acc[c .. c+8] += x·w for eight channels (x widened to i16 lanes).
@inline function dwStep(xv: v128, wt: usize, acc: usize, c: i32): void {
  if (ASC_FEATURE_SIMD) {
    const wv = v128.load(wt + (<usize>c << 1)), pa = acc + (<usize>c << 2);
    v128.store(pa, i32x4.add(v128.load(pa), i32x4.extmul_low_i16x8_s(xv, wv)));
    v128.store(pa, i32x4.add(v128.load(pa, 16), i32x4.extmul_high_i16x8_s(xv, wv)), 16);
  }
}

/**
 * out[i] = clamp(nearest(f32(a[i] - za)·ma + f32(b[i] - zb)·mb), qmin - z, qmax - z) + z: a residual add of two
 * quantised values (ma, mb their scales over the output's) requantised at the output's scale, ReLU / ReLU6 folded into
 * qmin / qmax. Inputs and output are of type qType (T_U8, T_I8 or T_I16); out may be a or b (each vector is read
 * first). Float requantisation as the GEMM epilogue's (two products and a sum, no fused multiply-add on any build).
 */
export function qadd(a: usize, za: i32, ma: f32, b: usize, zb: i32, mb: f32, n: i32, qType: i32, z: i32, qmin: i32,
  qmax: i32, out: usize): void {
  const lo = <f32>(qmin - z), hi = <f32>(qmax - z), signedQ = qType != T_U8;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const mav = f32x4.splat(ma), mbv = f32x4.splat(mb), lv = f32x4.splat(lo), hv = f32x4.splat(hi), zv = roundBias(z);
    if (qType == T_I16) {
      // int16: widened to i32 before the zero points come off (|q - z| may pass 2^15)
      const zav = i32x4.splat(za), zbv = i32x4.splat(zb);
      for (; i + 8 <= n; i += 8) {
        const va = v128.load(a + (<usize>i << 1)), vb = v128.load(b + (<usize>i << 1));
        v128.store(out + (<usize>i << 1), i16x8.narrow_i32x4_s(
          qsum(i32x4.sub(i32x4.extend_low_i16x8_s(va), zav), i32x4.sub(i32x4.extend_low_i16x8_s(vb), zbv),
            mav, mbv, lv, hv, zv),
          qsum(i32x4.sub(i32x4.extend_high_i16x8_s(va), zav), i32x4.sub(i32x4.extend_high_i16x8_s(vb), zbv),
            mav, mbv, lv, hv, zv)));
      }
    } else {
      const zav = i16x8.splat(<i16>za), zbv = i16x8.splat(<i16>zb);
      for (; i + 16 <= n; i += 16) {
        const pa = a + <usize>i, pb = b + <usize>i;
        // zero points subtracted in i16 (|q - z| <= 255), then widened to i32 and converted
        const a0 = i16x8.sub(signedQ ? v128.load8x8_s(pa) : v128.load8x8_u(pa), zav);
        const a1 = i16x8.sub(signedQ ? v128.load8x8_s(pa, 8) : v128.load8x8_u(pa, 8), zav);
        const b0 = i16x8.sub(signedQ ? v128.load8x8_s(pb) : v128.load8x8_u(pb), zbv);
        const b1 = i16x8.sub(signedQ ? v128.load8x8_s(pb, 8) : v128.load8x8_u(pb, 8), zbv);
        const h0 = i16x8.narrow_i32x4_s(
          qsum(i32x4.extend_low_i16x8_s(a0), i32x4.extend_low_i16x8_s(b0), mav, mbv, lv, hv, zv),
          qsum(i32x4.extend_high_i16x8_s(a0), i32x4.extend_high_i16x8_s(b0), mav, mbv, lv, hv, zv));
        const h1 = i16x8.narrow_i32x4_s(
          qsum(i32x4.extend_low_i16x8_s(a1), i32x4.extend_low_i16x8_s(b1), mav, mbv, lv, hv, zv),
          qsum(i32x4.extend_high_i16x8_s(a1), i32x4.extend_high_i16x8_s(b1), mav, mbv, lv, hv, zv));
        v128.store(out + <usize>i, signedQ ? i8x16.narrow_i16x8_s(h0, h1) : i8x16.narrow_i16x8_u(h0, h1));
      }
    }
  }
  for (; i < n; i++) {
    const v = <f32>(loadQ(a, i, qType) - za) * ma + <f32>(loadQ(b, i, qType) - zb) * mb;
    storeQ(out, i, qType, <i32>nearest<f32>(min<f32>(max<f32>(v, lo), hi)) + z);
  }
}

/** Element i of quantised values of type qType. */
@inline function loadQ(p: usize, i: i32, qType: i32): i32 {
  return qType == T_I16 ? <i32>load<i16>(p + (<usize>i << 1))
    : qType == T_I8 ? <i32>load<i8>(p + <usize>i) : <i32>load<u8>(p + <usize>i);
}
@inline function storeQ(p: usize, i: i32, qType: i32, v: i32): void {
  if (qType == T_I16) store<i16>(p + (<usize>i << 1), <i16>v);
  else store<u8>(p + <usize>i, <u8>v);
}

// Four lanes of qadd: the two scaled inputs summed, clamped, rounded to even and shifted by the zero point, as
// storeRowQ does (pmin / pmax, then the 1.5·2^23 rounding add; zv: roundBias(z)).
@inline function qsum(a: v128, b: v128, ma: v128, mb: v128, lo: v128, hi: v128, zv: v128): v128 {
  const v = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(a), ma), f32x4.mul(f32x4.convert_i32x4_s(b), mb));
  return i32x4.sub(f32x4.add(f32x4.pmin(f32x4.pmax(v, lo), hi), f32x4.splat(ROUND_ADD)), zv);
}

/** q[i] = clamp(nearest(x[i]·invScale), qmin - z, qmax - z) + z, stored as qType (T_U8, T_I8, T_I16): float to int. */
export function quantizeF32(x: usize, n: i32, invScale: f32, z: i32, qmin: i32, qmax: i32, qType: i32,
  out: usize): void {
  const lo = <f32>(qmin - z), hi = <f32>(qmax - z);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // f32x4.min/max pass NaN on, and trunc_sat turns it into 0: the same z as the scalar loop
    const lv = f32x4.splat(lo), hv = f32x4.splat(hi), inv = f32x4.splat(invScale), zv = i32x4.splat(z);
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      const r0 = qround(v128.load(p), inv, lv, hv, zv), r1 = qround(v128.load(p, 16), inv, lv, hv, zv);
      const r2 = qround(v128.load(p, 32), inv, lv, hv, zv), r3 = qround(v128.load(p, 48), inv, lv, hv, zv);
      const h0 = i16x8.narrow_i32x4_s(r0, r1), h1 = i16x8.narrow_i32x4_s(r2, r3);
      if (qType == T_I16) {
        v128.store(out + (<usize>i << 1), h0);
        v128.store(out + (<usize>i << 1), h1, 16);
      } else {
        v128.store(out + <usize>i, qType == T_I8 ? i8x16.narrow_i16x8_s(h0, h1) : i8x16.narrow_i16x8_u(h0, h1));
      }
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2)) * invScale;
    // NaN compares false both ways: it lands on z (the real value 0) rather than trapping the conversion
    const c = v > lo ? (v < hi ? v : hi) : (v < lo ? lo : v == v ? lo : 0);
    storeQ(out, i, qType, <i32>nearest<f32>(c) + z);
  }
}

@inline function qround(v: v128, inv: v128, lo: v128, hi: v128, z: v128): v128 {
  return i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.min(f32x4.max(f32x4.mul(v, inv), lo), hi))), z);
}

/** y[i] = f32(q[i] - z)·scale: quantised values of type qType (T_U8, T_I8, T_I16) to float. */
export function dequantize(q: usize, n: i32, qType: i32, z: i32, scale: f32, y: usize): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), <f32>(loadQ(q, i, qType) - z) * scale);
}
