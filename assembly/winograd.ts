// Winograd convolution F(4x4, 3x3) (Lavin & Gray, 2015) for 2D 3x3 stride-1 dilation-1 NHWC convolutions,
// any padding, forward only. Each 4x4 output tile comes from a 6x6 input tile: V = Bᵀ d B per input
// channel, U = G g Gᵀ per filter slice, then for each of the 36 positions one GEMM over the tiles,
// M[pos] = V[pos] [tiles, inC] · U[pos] [inC, outC] (the packed sgemm of gemm.ts), then Y = Aᵀ M A.
// That is 36 multiply-adds per 16 outputs instead of 144 (4x fewer), for transforms that are only adds
// and constant multiplies. NHWC keeps channels contiguous, so every transform runs on 4 channels per
// f32x4 (the generic helpers below take T = v128 in SIMD blocks and T = f32 for tails and the scalar
// build). Tiles are numbered across the batch and processed in chunks to bound scratch; plain
// TypeScript reference: src/backend/js/winograd.ts.
import { sgemm, gemmScratchBytes } from './gemm';
import { G, geo } from './convgeom';

const P = 36; // positions of a 6x6 transformed tile
/** Floats of transformed inputs (or products) per chunk of tiles: 4 MiB, well inside L3. */
const CHUNK_FLOATS: i32 = 1 << 20;
/** Fewest tiles per chunk, so each of the 36 GEMMs still amortises packing its [inC, outC] operand. */
const MIN_TILES: i32 = 32;

@inline function align16(b: i32): i32 { return (b + 15) & ~15; }
@inline function ptr(base: usize, floats: i32): usize { return base + (<usize>floats << 2); }

let forced = 0;

/** Benchmarks and tests: 1 uses Winograd wherever it applies, -1 never, 0 by the measured heuristic. */
export function convWinograd(mode: i32): void { forced = mode; }

/**
 * 2D, 3x3, stride 1, dilation 1 (any padding): the geometries F(4x4, 3x3) computes; and a transformed
 * filter (36 floats per channel pair) of at most 256 MiB, so scratch sizes stay far inside i32.
 */
function applies(g: usize): bool {
  return geo(g, G.inD) == 1 && geo(g, G.outD) == 1 && geo(g, G.fD) == 1 && geo(g, G.pD) == 0 &&
    geo(g, G.fH) == 3 && geo(g, G.fW) == 3 && geo(g, G.sH) == 1 && geo(g, G.sW) == 1 && geo(g, G.dH) == 1 && geo(g, G.dW) == 1 &&
    <i64>geo(g, G.inC) * geo(g, G.outC) * P * 4 <= 1 << 28;
}

/**
 * Whether conv() takes Winograd. Measured (CPU-time medians, wasm-simd, one thread; bench/conv.ts
 * --winograd): it beat the direct kernel from 8 -> 16 and 12 -> 12 channels up (1.1x, 1.2x; 16 -> 16:
 * 1.6x; 64 -> 64 and 256 -> 256: 1.9x and 2.2x), tied at 8 -> 8 and lost at 6 -> 16 (0.6x). Its
 * filter transform (36 floats per channel pair) is paid per call, so one tile (a 4x4 image: 0.6x) does
 * not repay it, while 4 tiles do (6x6 and 7x7 images); and the tiles' overhang must stay at most half
 * the work (36 products per tile against 9 per output pixel directly).
 */
export function winogradForward(g: usize): bool {
  if (forced < 0 || !applies(g)) return false;
  if (forced > 0) return true;
  const outH = geo(g, G.outH), outW = geo(g, G.outW), inC = geo(g, G.inC), outC = geo(g, G.outC);
  const tiles = ((outH + 3) >> 2) * ((outW + 3) >> 2);
  return inC >= 8 && outC >= 8 && inC * outC >= 128 && geo(g, G.batch) * tiles >= 4 && tiles * P * 2 <= outH * outW * 9;
}

function chunkTiles(g: usize): i32 {
  const all = geo(g, G.batch) * ((geo(g, G.outH) + 3) >> 2) * ((geo(g, G.outW) + 3) >> 2);
  const c = max(CHUNK_FLOATS / (P * max(geo(g, G.inC), geo(g, G.outC))), MIN_TILES);
  return c < all ? c : all;
}

/** Scratch bytes of winogradConv: U, V and M, one zero-padded border tile, transform temporaries, GEMM packing. */
export function winogradScratchBytes(g: usize): i32 {
  const inC = geo(g, G.inC), outC = geo(g, G.outC), nt = chunkTiles(g);
  return align16(P * inC * outC * 4) + align16(P * nt * inC * 4) + align16(P * nt * outC * 4) + align16(P * inC * 4) +
    P * 16 + gemmScratchBytes(nt, outC, inC);
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
@inline function relu<T>(a: T): T {
  if (sizeof<T>() == 16) { return <T>f32x4.max(<v128>a, f32x4.splat(0)); } else { return <T>max<f32>(<f32>a, 0); }
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

/** Y = Aᵀ M A (+ bias, relu) for one channel group; stores the rows x cols corner to y (rows ys, columns cs bytes apart). */
@inline function outputTile<T>(m: usize, ps: usize, tmp: usize, bias: usize, reluOn: bool, y: usize, ys: usize, cs: usize, rows: i32, cols: i32): void {
  const t = sizeof<T>();
  for (let s: usize = 0; s < 6; s++) at<T>(m + s * ps, 6 * ps, tmp + s * t, 6 * t);
  for (let i = 0; i < rows; i++) {
    const row = tmp + <usize>(i * 6) * t;
    at<T>(row, t, row, t); // in place: the 4 results overwrite values already read
    for (let j = 0; j < cols; j++) {
      let v = load<T>(row + <usize>j * t);
      if (bias != 0) v = add<T>(v, load<T>(bias));
      if (reluOn) v = relu<T>(v);
      store<T>(y + <usize>i * ys + <usize>j * cs, v);
    }
  }
}

/** U = G g Gᵀ for every (ic, oc) as [inC][36][outC], so each input channel's 36 rows are written contiguously. */
function transformFilter(w: usize, inC: i32, outC: i32, u: usize, tmp: usize): void {
  const tap = <usize>(inC * outC) << 2, ps = <usize>outC << 2;
  for (let ic = 0; ic < inC; ic++) {
    const w3 = ptr(w, ic * outC), u3 = ptr(u, ic * P * outC);
    let oc = 0;
    if (ASC_FEATURE_SIMD) for (; oc + 4 <= outC; oc += 4) filterTile<v128>(ptr(w3, oc), tap, ptr(u3, oc), ps, tmp);
    for (; oc < outC; oc++) filterTile<f32>(ptr(w3, oc), tap, ptr(u3, oc), ps, tmp);
  }
}

/** Conv by F(4x4, 3x3): same contract as conv() in conv.ts, scratch of winogradScratchBytes(g). */
export function winogradConv(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32, scratch: usize): void {
  const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outH = geo(g, G.outH), outW = geo(g, G.outW), outC = geo(g, G.outC), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const tH = (outH + 3) >> 2, tW = (outW + 3) >> 2, all = batch * tH * tW, nt = chunkTiles(g), reluOn = act == 1;
  const u = scratch, v = u + <usize>align16(P * inC * outC * 4), m = v + <usize>align16(P * nt * inC * 4);
  const patch = m + <usize>align16(P * nt * outC * 4), tmp = patch + <usize>align16(P * inC * 4), gs = tmp + P * 16;
  transformFilter(w, inC, outC, u, tmp);
  const xcs = <usize>inC << 2, xrs = <usize>(inW * inC) << 2, ycs = <usize>outC << 2, yrs = <usize>(outW * outC) << 2;
  for (let t0 = 0; t0 < all; t0 += nt) {
    const n0 = min(nt, all - t0);
    const vps = <usize>(n0 * inC) << 2, mps = <usize>(n0 * outC) << 2;
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
    for (let pos = 0; pos < P; pos++) {
      sgemm(false, false, n0, outC, inC, v + <usize>pos * vps, inC, ptr(u, pos * outC), P * outC, m + <usize>pos * mps, outC, 0, 0, false, gs);
    }
    for (let k = 0; k < n0; k++) {
      const t = t0 + k, tw = t % tW, th = (t / tW) % tH, n = t / (tW * tH);
      const rows = min(4, outH - th * 4), cols = min(4, outW - tw * 4);
      const yt = ptr(y, ((n * outH + th * 4) * outW + tw * 4) * outC), mt = ptr(m, k * outC);
      let c = 0;
      if (ASC_FEATURE_SIMD) for (; c + 4 <= outC; c += 4) outputTile<v128>(ptr(mt, c), mps, tmp, bias != 0 ? ptr(bias, c) : 0, reluOn, ptr(yt, c), yrs, ycs, rows, cols);
      for (; c < outC; c++) outputTile<f32>(ptr(mt, c), mps, tmp, bias != 0 ? ptr(bias, c) : 0, reluOn, ptr(yt, c), yrs, ycs, rows, cols);
    }
  }
}
