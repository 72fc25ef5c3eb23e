// Winograd convolution F(4x4, 3x3) (Lavin & Gray, 2015) for 2D 3x3 stride-1 dilation-1 NHWC convolutions,
// any padding, forward only. Each 4x4 output tile comes from a 6x6 input tile: V = Bᵀ d B per input
// channel, U = G g Gᵀ per filter slice, then for each of the 36 positions one GEMM over the tiles,
// M[pos] = V[pos] [tiles, inC] · U[pos] [inC, outC], then Y = Aᵀ M A.
// That is 36 multiply-adds per 16 outputs instead of 144 (4x fewer), for transforms that are only adds
// and constant multiplies. NHWC keeps channels contiguous, so every transform runs on 4 channels per
// f32x4 (the generic helpers below take T = v128 in SIMD blocks and T = f32 for tails and the scalar
// build). Tiles are numbered across the batch and processed in chunks to bound scratch; plain
// TypeScript reference: src/backend/js/winograd.ts.
// The GEMMs do not go through sgemm: the filter transform writes U straight into 8-column panels and
// V rows are read in place (4 at a time), so nothing is packed per call. (sgemm, which packs both
// operands on every call, ran these 36 short products at 17 GFLOP/s for inC = 64 and 20 for 256.)
import { vmadd } from './common';
import { G, geo, ldC, winogradAlways, winogradNever, ptr, align16 } from './convgeom';
import { actv, acts } from './epilogue';

const P = 36; // positions of a 6x6 transformed tile
/** Floats of transformed inputs (or products) per chunk of tiles: 4 MiB, well inside L3. */
const CHUNK_FLOATS: i32 = 1 << 20;
/** Fewest tiles per chunk, so each of the 36 GEMMs still amortises packing its [inC, outC] operand. */
const MIN_TILES: i32 = 32;



/**
 * 2D, 3x3, stride 1, dilation 1 (any padding): the geometries F(4x4, 3x3) computes; and a transformed
 * filter (36 floats per channel pair) of at most 256 MiB, so scratch sizes stay far inside i32.
 */
function applies(g: usize): bool {
  return geo(g, G.inD) == 1 && geo(g, G.outD) == 1 && geo(g, G.fD) == 1 && geo(g, G.pD) == 0 &&
    geo(g, G.fH) == 3 && geo(g, G.fW) == 3 && geo(g, G.sH) == 1 && geo(g, G.sW) == 1 && geo(g, G.dH) == 1 && geo(g, G.dW) == 1 &&
    <i64>geo(g, G.inC) * ldC(g) * P * 4 <= 1 << 28;
}

/**
 * Whether conv() takes Winograd. Measured with `node --import tsx bench/conv.ts --winograd` (wasm-simd,
 * one thread, CPU-time medians of interleaved rounds), Winograd against the direct kernel: 1.2x at
 * 8 -> 8 channels (batch 8 of 28x28), 1.7x at 8 -> 16 (56x56), 1.5x at 12 -> 12, 1.8x at 16 -> 16,
 * 2.9x at 64 -> 64 (56x56), 2.6x at 256 -> 256 (28x28), but 0.55x at 6 -> 16 (batch 64 of 14x14).
 * Its filter transform (36 floats per channel pair) is paid per call: one tile (a 4x4 image) gains
 * nothing (0.8x-1.0x), 4 tiles do (a batch of 4 such images: 1.8x; 7x7x512: 1.3x); and the tiles'
 * overhang must stay at most half the work (36 products per tile against 9 per output pixel directly).
 * Its f32 error grows with inC (relative to the output's scale: 7e-6 at 130 channels, 1.3e-5 to 2.1e-5
 * at 1024), so above 512 input channels the direct kernel keeps the 2e-5 the other kernels are held to.
 */
export function winogradForward(g: usize): bool {
  if (winogradNever(g) || !applies(g)) return false;
  if (winogradAlways(g)) return true;
  // the layer's width (ldC), not this block of its channels: every block then takes the same kernel
  const outH = geo(g, G.outH), outW = geo(g, G.outW), inC = geo(g, G.inC), outC = ldC(g);
  const tiles = ((outH + 3) >> 2) * ((outW + 3) >> 2);
  return inC >= 8 && inC <= 512 && outC >= 8 && geo(g, G.batch) * tiles >= 4 && tiles * P * 2 <= outH * outW * 9;
}

function chunkTiles(g: usize): i32 {
  const all = geo(g, G.batch) * ((geo(g, G.outH) + 3) >> 2) * ((geo(g, G.outW) + 3) >> 2);
  const c = max(CHUNK_FLOATS / (P * max(geo(g, G.inC), geo(g, G.outC))), MIN_TILES);
  return c < all ? c : all;
}

@inline function round4(n: i32): i32 { return (n + 3) & ~3; }
@inline function round8(n: i32): i32 { return (n + 7) & ~7; }
/** Floats of one position's [inC, 8] block of a U panel, plus 16 so the 36 blocks are not a power of two apart. */
@inline function blockFloats(inC: i32): i32 { return inC * 8 + 16; }

/** Bytes of a transformed filter for inC -> outC (U panels), and room for the transform's temporaries. */
export function winogradFilterBytes(inC: i32, outC: i32): i32 {
  return align16((round8(outC) >> 3) * P * blockFloats(inC) * 4) + P * 16;
}

/**
 * Scratch bytes of winogradConvTransformed: V and M (rows to a multiple of 4), one zero-padded border tile,
 * transform temporaries.
 */
export function winogradTransformedScratchBytes(g: usize): i32 {
  const inC = geo(g, G.inC), outC8 = round8(geo(g, G.outC)), nt = round4(chunkTiles(g));
  return align16(P * nt * inC * 4) + align16(P * nt * outC8 * 4) + align16(P * inC * 4) + P * 16;
}

/** Scratch bytes of winogradConv: the U panels, then winogradTransformedScratchBytes. */
export function winogradScratchBytes(g: usize): i32 {
  return winogradFilterBytes(geo(g, G.inC), geo(g, G.outC)) + winogradTransformedScratchBytes(g);
}

// Lane-generic arithmetic: T is v128 (4 channels) or f32 (one).
@inline function add<T>(a: T, b: T): T {
  if (sizeof<T>() == 16) { return <T>f32x4.add(<v128>a, <v128>b); } else { return a + b; }
}
@inline function sub<T>(a: T, b: T): T {
  if (sizeof<T>() == 16) { return <T>f32x4.sub(<v128>a, <v128>b); } else { return a - b; }
}
@inline function mul<T>(a: T, k: f32): T {
  if (sizeof<T>() == 16) { return <T>f32x4.mul(<v128>a, f32x4.splat(k)); } else { return <T>(<f32>a * k); }
}
@inline function activate<T>(a: T, act: i32): T {
  if (sizeof<T>() == 16) { return <T>actv(<v128>a, act); } else { return <T>acts(<f32>a, act); }
}

// The three 1D transforms; each reads values `ss` bytes apart from src and writes them `ds` bytes apart to dst.

/** Bᵀ d for 6 values. */
@inline function bt<T>(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = load<T>(src), d1 = load<T>(src + ss), d2 = load<T>(src + 2 * ss);
  const d3 = load<T>(src + 3 * ss), d4 = load<T>(src + 4 * ss), d5 = load<T>(src + 5 * ss);
  const a = sub<T>(d4, mul<T>(d2, 4)), b = sub<T>(d3, mul<T>(d1, 4));
  const c = sub<T>(d4, d2), e = mul<T>(sub<T>(d3, d1), 2);
  store<T>(dst, add<T>(sub<T>(mul<T>(d0, 4), mul<T>(d2, 5)), d4));
  store<T>(dst + ds, add<T>(a, b));
  store<T>(dst + 2 * ds, sub<T>(a, b));
  store<T>(dst + 3 * ds, add<T>(c, e));
  store<T>(dst + 4 * ds, sub<T>(c, e));
  store<T>(dst + 5 * ds, add<T>(sub<T>(mul<T>(d1, 4), mul<T>(d3, 5)), d5));
}

/** G g for 3 values (6 out). */
@inline function gt<T>(src: usize, ss: usize, dst: usize, ds: usize): void {
  const g0 = load<T>(src), g1 = load<T>(src + ss), g2 = load<T>(src + 2 * ss);
  const s = add<T>(g0, g2), q = add<T>(mul<T>(g0, 1.0 / 24), mul<T>(g2, 1.0 / 6)), h = mul<T>(g1, 1.0 / 12);
  store<T>(dst, mul<T>(g0, 0.25));
  store<T>(dst + ds, mul<T>(add<T>(s, g1), -1.0 / 6));
  store<T>(dst + 2 * ds, mul<T>(sub<T>(s, g1), -1.0 / 6));
  store<T>(dst + 3 * ds, add<T>(q, h));
  store<T>(dst + 4 * ds, sub<T>(q, h));
  store<T>(dst + 5 * ds, g2);
}

/** Aᵀ m for 6 values (4 out). */
@inline function at<T>(src: usize, ss: usize, dst: usize, ds: usize): void {
  const m0 = load<T>(src), m1 = load<T>(src + ss), m2 = load<T>(src + 2 * ss);
  const m3 = load<T>(src + 3 * ss), m4 = load<T>(src + 4 * ss), m5 = load<T>(src + 5 * ss);
  const a = add<T>(m1, m2), b = sub<T>(m1, m2), c = add<T>(m3, m4), d = sub<T>(m3, m4);
  store<T>(dst, add<T>(add<T>(m0, a), c));
  store<T>(dst + ds, add<T>(b, mul<T>(d, 2)));
  store<T>(dst + 2 * ds, add<T>(a, mul<T>(c, 4)));
  store<T>(dst + 3 * ds, add<T>(add<T>(b, mul<T>(d, 8)), m5));
}

// 2D transforms of one lane group: columns into tmp (6x6 of T), then rows out.

/** U[pos] for one (ic, oc group): w3 points at tap (0,0), taps `tap` bytes apart; U positions `ps` bytes apart. */
@inline function filterTile<T>(w3: usize, tap: usize, u: usize, ps: usize, tmp: usize): void {
  const t = sizeof<T>();
  for (let kw: usize = 0; kw < 3; kw++) gt<T>(w3 + kw * tap, 3 * tap, tmp + kw * t, 3 * t);
  for (let r: usize = 0; r < 6; r++) gt<T>(tmp + r * 3 * t, t, u + r * 6 * ps, ps);
}

/** V[pos] for one channel group of a 6x6 input tile at src (rows rs, columns cs bytes apart). */
@inline function inputTile<T>(src: usize, rs: usize, cs: usize, v: usize, ps: usize, tmp: usize): void {
  const t = sizeof<T>();
  for (let s: usize = 0; s < 6; s++) bt<T>(src + s * cs, rs, tmp + s * t, 6 * t);
  for (let r: usize = 0; r < 6; r++) bt<T>(tmp + r * 6 * t, t, v + r * 6 * ps, ps);
}

/** Y = Aᵀ M A (+ bias, activation) for one channel group; stores the rows x cols corner to y (rows ys, columns cs bytes apart). */
@inline function outputTile<T>(m: usize, ps: usize, tmp: usize, bias: usize, act: i32, y: usize, ys: usize, cs: usize, rows: i32, cols: i32): void {
  const t = sizeof<T>();
  for (let s: usize = 0; s < 6; s++) at<T>(m + s * ps, 6 * ps, tmp + s * t, 6 * t);
  for (let i = 0; i < rows; i++) {
    const row = tmp + <usize>(i * 6) * t;
    at<T>(row, t, row, t); // in place: the 4 results overwrite values already read
    for (let j = 0; j < cols; j++) {
      let v = load<T>(row + <usize>j * t);
      if (bias != 0) v = add<T>(v, load<T>(bias));
      v = activate<T>(v, act);
      store<T>(y + <usize>i * ys + <usize>j * cs, v);
    }
  }
}

/**
 * U = G g Gᵀ for every (ic, oc), as GEMM panels of 8 output channels: panel j, position pos, channel ic
 * at floats (j * 36 + pos) * blockFloats(inC) + ic * 8; columns past outC are zero.
 */
function transformFilter(w: usize, inC: i32, outC: i32, ld: i32, u: usize, tmp: usize): void {
  const kb = blockFloats(inC), tap = <usize>(inC * ld) << 2, ps = <usize>kb << 2;
  if (outC & 7) memory.fill(u, 0, <usize>((round8(outC) >> 3) * P * kb) << 2);
  for (let ic = 0; ic < inC; ic++) {
    const w3 = ptr(w, ic * ld);
    let oc = 0;
    if (ASC_FEATURE_SIMD) for (; oc + 4 <= outC; oc += 4) filterTile<v128>(ptr(w3, oc), tap, ptr(u, (oc >> 3) * P * kb + ic * 8 + (oc & 7)), ps, tmp);
    for (; oc < outC; oc++) filterTile<f32>(ptr(w3, oc), tap, ptr(u, (oc >> 3) * P * kb + ic * 8 + (oc & 7)), ps, tmp);
  }
}

/**
 * c[4 rows, 8] (rows ldc bytes apart) = a[4 rows, k] (rows lda bytes apart) · b[k, 8] (one U block).
 * SIMD: the 4x8 register tile of gemm.ts (8 f32x4 accumulators, A values splatted). Scalar: a row at a time.
 */
function tile4x8(a: usize, lda: usize, b: usize, k: i32, c: usize, ldc: usize): void {
  const kb = <usize>k << 2;
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    const a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let p: usize = 0; p < kb; p += 4) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      let av = v128.load32_splat(a + p);
      c00 = vmadd(av, b0, c00); c01 = vmadd(av, b1, c01);
      av = v128.load32_splat(a1 + p);
      c10 = vmadd(av, b0, c10); c11 = vmadd(av, b1, c11);
      av = v128.load32_splat(a2 + p);
      c20 = vmadd(av, b0, c20); c21 = vmadd(av, b1, c21);
      av = v128.load32_splat(a3 + p);
      c30 = vmadd(av, b0, c30); c31 = vmadd(av, b1, c31);
      b += 32;
    }
    v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
    v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
    v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
    v128.store(c, c30); v128.store(c, c31, 16);
  } else {
    for (let r = 0; r < 4; r++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      let pb = b;
      for (let p: usize = 0; p < kb; p += 4) {
        const av = load<f32>(a + p);
        s0 += av * load<f32>(pb); s1 += av * load<f32>(pb, 4); s2 += av * load<f32>(pb, 8); s3 += av * load<f32>(pb, 12);
        s4 += av * load<f32>(pb, 16); s5 += av * load<f32>(pb, 20); s6 += av * load<f32>(pb, 24); s7 += av * load<f32>(pb, 28);
        pb += 32;
      }
      store<f32>(c, s0); store<f32>(c, s1, 4); store<f32>(c, s2, 8); store<f32>(c, s3, 12);
      store<f32>(c, s4, 16); store<f32>(c, s5, 20); store<f32>(c, s6, 24); store<f32>(c, s7, 28);
      a += lda; c += ldc;
    }
  }
}

/**
 * U for filters w [3, 3, inC, outC] (rows ld floats apart) into u, winogradFilterBytes(inC, outC) bytes:
 * panels of 8 output channels, so the panels from c0 / 8 on are the U of the channels from c0 (a
 * multiple of 8) on. An inference plan transforms its filters once and calls winogradConvTransformed.
 */
export function winogradFilter(w: usize, inC: i32, outC: i32, ld: i32, u: usize): void {
  transformFilter(w, inC, outC, ld, u, u + <usize>align16((round8(outC) >> 3) * P * blockFloats(inC) * 4));
}

/** Conv by F(4x4, 3x3): same contract as conv() in conv.ts, scratch of winogradScratchBytes(g). */
export function winogradConv(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32, scratch: usize): void {
  // filter rows and output pixels are ldC floats apart: outC may be a block of a wider layer's channels
  const u = scratch;
  winogradFilter(w, geo(g, G.inC), geo(g, G.outC), ldC(g), u);
  winogradConvTransformed(x, u, bias, y, g, act, u + <usize>winogradFilterBytes(geo(g, G.inC), geo(g, G.outC)));
}

/**
 * winogradConv with the filter already transformed (winogradFilter; for a block of channels from c0, u
 * points at its panel c0 / 8); scratch of winogradTransformedScratchBytes(g).
 */
export function winogradConvTransformed(
  x: usize, u: usize, bias: usize, y: usize, g: usize, act: i32, scratch: usize,
): void {
  const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outH = geo(g, G.outH), outW = geo(g, G.outW), outC = geo(g, G.outC), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const tH = (outH + 3) >> 2, tW = (outW + 3) >> 2, all = batch * tH * tW, nt = chunkTiles(g);
  const outC8 = round8(outC), kb = blockFloats(inC), panels = outC8 >> 3;
  const v = scratch, m = v + <usize>align16(P * round4(nt) * inC * 4);
  const patch = m + <usize>align16(P * round4(nt) * outC8 * 4), tmp = patch + <usize>align16(P * inC * 4);
  const ld = ldC(g);
  const xcs = <usize>inC << 2, xrs = <usize>(inW * inC) << 2, ycs = <usize>ld << 2, yrs = <usize>(outW * ld) << 2;
  for (let t0 = 0; t0 < all; t0 += nt) {
    const n0 = min(nt, all - t0), n4 = round4(n0);
    const vps = <usize>(n4 * inC) << 2, mps = <usize>(n4 * outC8) << 2, lda = <usize>inC << 2, ldc = <usize>outC8 << 2;
    // Rows past the last tile only feed product rows nobody reads; zeros keep them finite.
    if (n4 > n0) for (let pos = 0; pos < P; pos++) memory.fill(v + <usize>pos * vps + <usize>n0 * lda, 0, <usize>(n4 - n0) * lda);
    // Input transform of each tile; tiles reaching into padding or past the input go through a zeroed patch.
    for (let k = 0; k < n0; k++) {
      const t = t0 + k, tw = t % tW, th = (t / tW) % tH, n = t / (tW * tH);
      const ih0 = th * 4 - pH, iw0 = tw * 4 - pW;
      let src = ptr(x, ((n * inH + ih0) * inW + iw0) * inC), rs = xrs;
      if (ih0 < 0 || iw0 < 0 || ih0 + 6 > inH || iw0 + 6 > inW) {
        memory.fill(patch, 0, <usize>(P * inC) << 2);
        for (let r = max(0, -ih0); r < min(6, inH - ih0); r++) {
          const c0 = max(0, -iw0), c1 = min(6, inW - iw0);
          if (c1 > c0) memory.copy(ptr(patch, (r * 6 + c0) * inC), ptr(x, ((n * inH + ih0 + r) * inW + iw0 + c0) * inC), <usize>((c1 - c0) * inC) << 2);
        }
        src = patch; rs = xcs * 6;
      }
      const vt = ptr(v, k * inC);
      let c = 0;
      if (ASC_FEATURE_SIMD) for (; c + 4 <= inC; c += 4) inputTile<v128>(ptr(src, c), rs, xcs, ptr(vt, c), vps, tmp);
      for (; c < inC; c++) inputTile<f32>(ptr(src, c), rs, xcs, ptr(vt, c), vps, tmp);
    }
    // One B block (inC x 8) stays in L1 while every row of V[pos] passes it.
    for (let pos = 0; pos < P; pos++) {
      const a = v + <usize>pos * vps, c = m + <usize>pos * mps;
      for (let j = 0; j < panels; j++) {
        const b = ptr(u, (j * P + pos) * kb), cj = c + (<usize>j << 5);
        for (let i = 0; i < n4; i += 4) tile4x8(a + <usize>i * lda, lda, b, inC, cj + <usize>i * ldc, ldc);
      }
    }
    for (let k = 0; k < n0; k++) {
      const t = t0 + k, tw = t % tW, th = (t / tW) % tH, n = t / (tW * tH);
      const rows = min(4, outH - th * 4), cols = min(4, outW - tw * 4);
      const yt = ptr(y, ((n * outH + th * 4) * outW + tw * 4) * ld), mt = ptr(m, k * outC8);
      let c = 0;
      if (ASC_FEATURE_SIMD) for (; c + 4 <= outC; c += 4) outputTile<v128>(ptr(mt, c), mps, tmp, bias != 0 ? ptr(bias, c) : 0, act, ptr(yt, c), yrs, ycs, rows, cols);
      for (; c < outC; c++) outputTile<f32>(ptr(mt, c), mps, tmp, bias != 0 ? ptr(bias, c) : 0, act, ptr(yt, c), yrs, ycs, rows, cols);
    }
  }
}
