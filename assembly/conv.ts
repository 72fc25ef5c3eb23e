// Convolution over NDHWC data (1D/2D/3D share it: unused axes have size 1). The exported kernels send
// 1x1 stride-1 unpadded convolutions straight to sgemm (the input already is the [pixels, inC]
// matrix), take Winograd (winograd.ts), the direct kernels of convdirect.ts or the tiled gradients of
// convgrad.ts where those measured faster (see the predicates there), and otherwise run im2col + the
// packed sgemm. Filters [fD,fH,fW,inC,outC] already are the
// [K, outC] matrix GEMM wants, with K = fD*fH*fW*inC. im2col runs over chunks of output pixels
// (flattened across the batch, so small images still make a tall GEMM) to keep the columns bounded.
import { sgemm, gemmScratchBytes } from './gemm';
import { G, geo, ldC, ptr, align16 } from './convgeom';
import {
  directForward, directFilterGrad, directInputGrad, directScratchBytes, directInputGradScratchBytes,
  convDirect, convDirectBackpropFilter, convDirectBackpropInput,
} from './convdirect';
import { winogradForward, winogradScratchBytes, winogradConv } from './winograd';
import { tiledFilterGrad, tiledFilterGradScratchBytes, convBackpropFilterTiled, tiledInputGrad, tiledInputGradScratchBytes, convBackpropInputTiled } from './convgrad';

/**
 * Floats of columns per chunk (4 MiB, well inside L3): bounds scratch while keeping chunks tall, since
 * every chunk's sgemm call packs the whole filter matrix again (2.4 MB for 3x3x256 -> 256).
 */
const CHUNK_FLOATS: i32 = 1 << 20;
/** Fewest pixels per chunk (one GEMM row block), so a huge K still amortises the filter packing. */
const MIN_CHUNK: i32 = 128;


// Short runs (inC of 1..3 in first layers) are frequent: an inline loop beats a memory.copy call.
@inline function copyF(dst: usize, src: usize, n: i32): void {
  if (n >= 32) { memory.copy(dst, src, <usize>n << 2); return; }
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(ptr(dst, i), v128.load(ptr(src, i)));
  for (; i < n; i++) store<f32>(ptr(dst, i), load<f32>(ptr(src, i)));
}

@inline function zeroF(dst: usize, n: i32): void {
  if (n >= 32) { memory.fill(dst, 0, <usize>n << 2); return; }
  for (let i = 0; i < n; i++) store<f32>(ptr(dst, i), 0);
}

@inline function addF(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(ptr(dst, i), f32x4.add(v128.load(ptr(dst, i)), v128.load(ptr(src, i))));
  for (; i < n; i++) store<f32>(ptr(dst, i), load<f32>(ptr(dst, i)) + load<f32>(ptr(src, i)));
}

/** 1x1x1 filter, stride 1, no padding: the input is already the GEMM's left operand. */
function isPointwise(g: usize): bool {
  return geo(g, G.fD) == 1 && geo(g, G.fH) == 1 && geo(g, G.fW) == 1 && geo(g, G.sD) == 1 && geo(g, G.sH) == 1 &&
    geo(g, G.sW) == 1 && geo(g, G.pD) == 0 && geo(g, G.pH) == 0 && geo(g, G.pW) == 0;
}

@inline function depthK(g: usize): i32 { return geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC); }
@inline function outPixels(g: usize): i32 { return geo(g, G.batch) * geo(g, G.outD) * geo(g, G.outH) * geo(g, G.outW); }

function chunkPixels(g: usize): i32 {
  const p = outPixels(g);
  const c = max(CHUNK_FLOATS / max(depthK(g), 1), MIN_CHUNK);
  return c < p ? c : p;
}

/**
 * Walks the column matrix rows p0 .. p0+np (one per output pixel) against the input: for each
 * contiguous run of inC (or fW*inC when dilationW is 1) floats, copies input into columns
 * (scatter = false) or adds columns into the input (scatter = true, col2im); padding taps are
 * zero-filled or skipped.
 */
function walk(x: usize, g: usize, cols: usize, p0: i32, np: i32, scatter: bool): void {
  const inD = geo(g, G.inD), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outD = geo(g, G.outD), outH = geo(g, G.outH), outW = geo(g, G.outW);
  const fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sD = geo(g, G.sD), sH = geo(g, G.sH), sW = geo(g, G.sW);
  const dD = geo(g, G.dD), dH = geo(g, G.dH), dW = geo(g, G.dW);
  const pD = geo(g, G.pD), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const rowLen = fW * inC;
  let ow = p0 % outW, t = p0 / outW;
  let oh = t % outH; t /= outH;
  let od = t % outD;
  let n = t / outD;
  let col = cols;
  for (let p = 0; p < np; p++) {
    const iw0 = ow * sW - pW;
    // Taps kw0 .. kw1 land inside the row when dilationW is 1 (the common case): one run.
    const kw0 = iw0 < 0 ? min(-iw0, fW) : 0;
    const kw1 = max(min(fW, inW - iw0), kw0);
    for (let kd = 0; kd < fD; kd++) {
      const id = od * sD - pD + kd * dD;
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH - pH + kh * dH;
        if (id < 0 || id >= inD || ih < 0 || ih >= inH) {
          if (!scatter) zeroF(col, rowLen);
        } else {
          const row = ptr(x, (((n * inD + id) * inH + ih) * inW) * inC);
          if (dW == 1) {
            const run = (kw1 - kw0) * inC;
            const src = ptr(row, (iw0 + kw0) * inC), dst = ptr(col, kw0 * inC);
            if (scatter) addF(src, dst, run);
            else {
              zeroF(col, kw0 * inC);
              copyF(dst, src, run);
              zeroF(ptr(col, kw1 * inC), (fW - kw1) * inC);
            }
          } else {
            for (let kw = 0; kw < fW; kw++) {
              const iw = iw0 + kw * dW;
              const c = ptr(col, kw * inC);
              if (iw < 0 || iw >= inW) { if (!scatter) zeroF(c, inC); }
              else if (scatter) addF(ptr(row, iw * inC), c, inC);
              else copyF(c, ptr(row, iw * inC), inC);
            }
          }
        }
        col = ptr(col, rowLen);
      }
    }
    if (++ow == outW) {
      ow = 0;
      if (++oh == outH) { oh = 0; if (++od == outD) { od = 0; n++; } }
    }
  }
}

/** Scratch bytes for conv (kind 0), convBackpropInput (1) or convBackpropFilter (2) with geometry block g. */
export function convScratchBytes(g: usize, kind: i32): i32 {
  const inC = geo(g, G.inC), outC = geo(g, G.outC), P = outPixels(g), K = depthK(g);
  if (kind == 1 && tiledInputGrad(g)) return tiledInputGradScratchBytes(g);
  if (kind == 2 && tiledFilterGrad(g)) return tiledFilterGradScratchBytes(g);
  if (isPointwise(g)) {
    return kind == 0 ? gemmScratchBytes(P, outC, inC) : kind == 1 ? gemmScratchBytes(P, inC, outC) : gemmScratchBytes(inC, outC, P);
  }
  if (kind == 0 && winogradForward(g)) return winogradScratchBytes(g);
  if (kind == 0 && directForward(g)) return directScratchBytes(g, false);
  if (kind == 2 && directFilterGrad(g)) return directScratchBytes(g, true);
  if (kind == 1 && directInputGrad(g)) return directInputGradScratchBytes(g);
  const cp = chunkPixels(g);
  let need = 0;
  // The last chunk can be shorter: size the GEMM scratch for both.
  for (let i = 0; i < 2; i++) {
    const np = i == 0 ? cp : (P % cp == 0 ? cp : P % cp);
    const b = kind == 0 ? gemmScratchBytes(np, outC, K) : kind == 1 ? gemmScratchBytes(np, K, outC) : gemmScratchBytes(K, outC, np);
    need = max(need, b);
  }
  return align16(cp * K * 4) + need;
}

/** y = conv(x, w) (+ bias) then act (0 linear, 1 relu); geometry at g; scratch of convScratchBytes(g, 0). */
export function conv(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32, scratch: usize): void {
  // outC channels of a layer ldC wide (convgeom.ts): w, bias and y already point at the first of them
  const inC = geo(g, G.inC), outC = geo(g, G.outC), ld = ldC(g), P = outPixels(g), K = depthK(g);
  if (isPointwise(g)) {
    sgemm(false, false, P, outC, inC, x, inC, w, ld, y, ld, bias, act, false, scratch);
    return;
  }
  if (winogradForward(g)) {
    winogradConv(x, w, bias, y, g, act, scratch);
    return;
  }
  if (directForward(g)) {
    convDirect(x, w, bias, y, g, act, scratch);
    return;
  }
  const cp = chunkPixels(g), cols = scratch, gs = scratch + <usize>align16(cp * K * 4);
  for (let p0 = 0; p0 < P; p0 += cp) {
    const np = min(cp, P - p0);
    walk(x, g, cols, p0, np, false);
    sgemm(false, false, np, outC, K, cols, K, w, ld, ptr(y, p0 * ld), ld, bias, act, false, gs);
  }
}

/** dx = dy·Wᵀ scattered back through col2im; scratch of convScratchBytes(g, 1). */
export function convBackpropInput(dy: usize, w: usize, dx: usize, g: usize, scratch: usize): void {
  const inC = geo(g, G.inC), outC = geo(g, G.outC), P = outPixels(g), K = depthK(g);
  if (tiledInputGrad(g)) {
    convBackpropInputTiled(dy, w, dx, g, scratch);
    return;
  }
  if (isPointwise(g)) {
    sgemm(false, true, P, inC, outC, dy, outC, w, outC, dx, inC, 0, 0, false, scratch);
    return;
  }
  if (directInputGrad(g)) {
    convDirectBackpropInput(dy, w, dx, g, scratch);
    return;
  }
  memory.fill(dx, 0, <usize>(geo(g, G.batch) * geo(g, G.inD) * geo(g, G.inH) * geo(g, G.inW) * inC) << 2);
  const cp = chunkPixels(g), cols = scratch, gs = scratch + <usize>align16(cp * K * 4);
  for (let p0 = 0; p0 < P; p0 += cp) {
    const np = min(cp, P - p0);
    sgemm(false, true, np, K, outC, ptr(dy, p0 * outC), outC, w, outC, cols, K, 0, 0, false, gs);
    walk(dx, g, cols, p0, np, true);
  }
}

/** dw = im2col(x)ᵀ·dy, accumulated over chunks of pixels; scratch of convScratchBytes(g, 2). */
export function convBackpropFilter(x: usize, dy: usize, dw: usize, g: usize, scratch: usize): void {
  const inC = geo(g, G.inC), outC = geo(g, G.outC), P = outPixels(g), K = depthK(g);
  if (tiledFilterGrad(g)) {
    convBackpropFilterTiled(x, dy, dw, g, scratch); // reads up to 8 floats past dy (the host leaves room)
    return;
  }
  if (isPointwise(g)) {
    sgemm(true, false, inC, outC, P, x, inC, dy, outC, dw, outC, 0, 0, false, scratch);
    return;
  }
  if (directFilterGrad(g)) {
    convDirectBackpropFilter(x, dy, dw, g, scratch);
    return;
  }
  const cp = chunkPixels(g), cols = scratch, gs = scratch + <usize>align16(cp * K * 4);
  for (let p0 = 0; p0 < P; p0 += cp) {
    const np = min(cp, P - p0);
    walk(x, g, cols, p0, np, false);
    sgemm(true, false, K, outC, np, cols, K, ptr(dy, p0 * outC), outC, dw, outC, 0, 0, p0 > 0, gs);
  }
}
