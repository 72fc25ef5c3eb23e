// Gradients of convolutions with few channels (LeNet's 1 -> 6 and 6 -> 16), SIMD build only; the host
// calls them when tiledFilterGrad / tiledInputGrad say so.
// Filter gradient (outC <= 16): dw[tap][oc] = Σ_pixels x[pixel + tap] · dy[pixel][oc] as register
// tiles of taps x (8 or 16) channels that stay in f32x4 accumulators while every output pixel of an
// image streams past (one splat of x per tap, the pixel's dy vectors shared by the tile's taps).
// im2col + GEMM (conv.ts) copies 5x5 taps per pixel and packs them again; the direct kernel of
// convdirect.ts loads and stores its accumulators for every tap and pixel.
// Input gradient (outC <= 32, inC <= 16): per image a short-reduction GEMM of dy by the transposed
// filters in register tiles, then col2im into a padded image. The direct transposed convolution of
// convdirect.ts multiplies the zero padding of dy too (2x the work for LeNet's 5x5 over 10x10).
import { vmadd } from './common';
import { G, geo, im2colOnly, ptr, align16, paddedD, paddedH, paddedW } from './convgeom';

/** dy channels widened to whole vectors: 8 or 16. */
@inline function widened(g: usize): i32 { return geo(g, G.outC) <= 8 ? 8 : 16; }

/** Whether convBackpropFilterTiled serves this geometry: SIMD build, 1 <= outC <= 16. */
export function tiledFilterGrad(g: usize): bool {
  return ASC_FEATURE_SIMD && !im2colOnly(g) && geo(g, G.outC) <= 16;
}

/** Scratch bytes: one padded image, the tap offsets and [K, Cp] sums. */
export function tiledFilterGradScratchBytes(g: usize): i32 {
  const K = geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC);
  return align16(paddedD(g) * paddedH(g) * paddedW(g) * geo(g, G.inC) * 4) + align16(K * 4) + K * widened(g) * 4;
}

/**
 * dw = Σ over images and pixels of x-tap · dy: the contract of convBackpropFilter() in conv.ts, except
 * that dy must be followed by 8 readable floats: each pixel's dy is read as Cp lanes straight from
 * dy (outC = 6: lanes 6, 7 hold the next pixel's values), and lanes past outC are never stored.
 */
export function convBackpropFilterTiled(x: usize, dy: usize, dw: usize, g: usize, scratch: usize): void {
  const inD = geo(g, G.inD), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outD = geo(g, G.outD), outH = geo(g, G.outH), outW = geo(g, G.outW), outC = geo(g, G.outC);
  const fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sD = geo(g, G.sD), sH = geo(g, G.sH), sW = geo(g, G.sW), dD = geo(g, G.dD), dH = geo(g, G.dH), dW = geo(g, G.dW);
  const Dp = paddedD(g), Hp = paddedH(g), Wp = paddedW(g), K = fD * fH * fW * inC, Cp = widened(g);
  const pix = outD * outH * outW, image = Dp * Hp * Wp * inC;
  const xp = scratch, tab = xp + <usize>align16(image * 4), acc = tab + <usize>align16(K * 4);
  // byte offset of each tap (kd, kh, kw, ic) in the padded image
  let r = 0;
  for (let kd = 0; kd < fD; kd++) for (let kh = 0; kh < fH; kh++) for (let kw = 0; kw < fW; kw++) for (let ic = 0; ic < inC; ic++)
    store<i32>(tab + (<usize>(r++) << 2), (((kd * dD * Hp + kh * dH) * Wp + kw * dW) * inC + ic) << 2);
  memory.fill(acc, 0, <usize>(K * Cp) << 2);
  memory.fill(xp, 0, <usize>image << 2);
  const pD = geo(g, G.pD), pH = geo(g, G.pH), pW = geo(g, G.pW), rowBytes = <usize>(inW * inC) << 2;
  const step = <usize>(sW * inC) << 2, rowStep = <usize>(sH * Wp * inC) << 2, planeStep = <usize>(sD * Hp * Wp * inC) << 2;
  for (let n = 0; n < geo(g, G.batch); n++) {
    // the image into the padded buffer (its border stays zero)
    for (let id = 0; id < inD; id++) for (let ih = 0; ih < inH; ih++)
      memory.copy(ptr(xp, (((id + pD) * Hp + ih + pH) * Wp + pW) * inC), ptr(x, ((n * inD + id) * inH + ih) * inW * inC), rowBytes);
    const dyn = ptr(dy, n * pix * outC), dstep = <usize>outC << 2;
    // v128 code only inside this constant branch, so the scalar build compiles (it never calls this kernel)
    if (ASC_FEATURE_SIMD) {
      if (Cp == 16) tiles16(xp, dyn, dstep, acc, tab, K, outD, outH, outW, step, rowStep, planeStep);
      else tiles8(xp, dyn, dstep, acc, tab, K, outD, outH, outW, step, rowStep, planeStep);
    }
  }
  for (let k = 0; k < K; k++) for (let o = 0; o < outC; o++) store<f32>(ptr(dw, k * outC + o), load<f32>(ptr(acc, k * Cp + o)));
}

// 16 channels: tiles of 2 taps x 4 vectors (8 accumulators + the pixel's dy vector + 2 splats stay in registers).
function tiles16(xp: usize, dq: usize, dstep: usize, acc: usize, tab: usize, K: i32, outD: i32, outH: i32, outW: i32, step: usize, rowStep: usize, planeStep: usize): void {
  let t = 0;
  for (; t < K; t += 2) {
    const o0 = <usize>load<i32>(tab + (<usize>t << 2));
    // an odd last tap pairs with itself; only its first copy is stored
    const o1 = <usize>load<i32>(tab + (<usize>min(t + 1, K - 1) << 2));
    const ar = ptr(acc, t * 16);
    let a0 = v128.load(ar), a1 = v128.load(ar, 16), a2 = v128.load(ar, 32), a3 = v128.load(ar, 48);
    let b0 = f32x4.splat(0), b1 = b0, b2 = b0, b3 = b0;
    let dp = dq;
    for (let od = 0; od < outD; od++) for (let oh = 0; oh < outH; oh++) {
      let xr = xp + <usize>od * planeStep + <usize>oh * rowStep;
      for (let ow = 0; ow < outW; ow++) {
        const u = v128.load32_splat(xr + o0), v = v128.load32_splat(xr + o1);
        let d = v128.load(dp); a0 = vmadd(u, d, a0); b0 = vmadd(v, d, b0);
        d = v128.load(dp, 16); a1 = vmadd(u, d, a1); b1 = vmadd(v, d, b1);
        d = v128.load(dp, 32); a2 = vmadd(u, d, a2); b2 = vmadd(v, d, b2);
        d = v128.load(dp, 48); a3 = vmadd(u, d, a3); b3 = vmadd(v, d, b3);
        dp += dstep; xr += step;
      }
    }
    v128.store(ar, a0); v128.store(ar, a1, 16); v128.store(ar, a2, 32); v128.store(ar, a3, 48);
    if (t + 1 < K) {
      v128.store(ar, f32x4.add(v128.load(ar, 64), b0), 64); v128.store(ar, f32x4.add(v128.load(ar, 80), b1), 80);
      v128.store(ar, f32x4.add(v128.load(ar, 96), b2), 96); v128.store(ar, f32x4.add(v128.load(ar, 112), b3), 112);
    }
  }
}

// 8 channels: tiles of 4 taps x 2 vectors (8 accumulators).
function tiles8(xp: usize, dq: usize, dstep: usize, acc: usize, tab: usize, K: i32, outD: i32, outH: i32, outW: i32, step: usize, rowStep: usize, planeStep: usize): void {
  for (let t = 0; t < K; t += 4) {
    // a short last tile repeats its last tap; only the first copy of it is stored
    const o0 = <usize>load<i32>(tab + (<usize>t << 2));
    const o1 = <usize>load<i32>(tab + (<usize>min(t + 1, K - 1) << 2));
    const o2 = <usize>load<i32>(tab + (<usize>min(t + 2, K - 1) << 2));
    const o3 = <usize>load<i32>(tab + (<usize>min(t + 3, K - 1) << 2));
    let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
    let dp = dq;
    for (let od = 0; od < outD; od++) for (let oh = 0; oh < outH; oh++) {
      let xr = xp + <usize>od * planeStep + <usize>oh * rowStep;
      for (let ow = 0; ow < outW; ow++) {
        const d0 = v128.load(dp), d1 = v128.load(dp, 16);
        let v = v128.load32_splat(xr + o0); a0 = vmadd(v, d0, a0); a1 = vmadd(v, d1, a1);
        v = v128.load32_splat(xr + o1); b0 = vmadd(v, d0, b0); b1 = vmadd(v, d1, b1);
        v = v128.load32_splat(xr + o2); c0 = vmadd(v, d0, c0); c1 = vmadd(v, d1, c1);
        v = v128.load32_splat(xr + o3); e0 = vmadd(v, d0, e0); e1 = vmadd(v, d1, e1);
        dp += dstep; xr += step;
      }
    }
    const ar = ptr(acc, t * 8), m = K - t;
    addTo(ar, a0, a1);
    if (m > 1) addTo(ar + 32, b0, b1);
    if (m > 2) addTo(ar + 64, c0, c1);
    if (m > 3) addTo(ar + 96, e0, e1);
  }
}

@inline function addTo(p: usize, a: v128, b: v128): void {
  v128.store(p, f32x4.add(v128.load(p), a)); v128.store(p, f32x4.add(v128.load(p, 16), b), 16);
}

/**
 * Whether convBackpropInputTiled serves this geometry: SIMD build, outC up to 32 and inC up to 16 (for
 * wide layers the im2col + GEMM of conv.ts is faster), not a 1x1 unpadded stride-1 convolution (a plain GEMM there).
 */
export function tiledInputGrad(g: usize): bool {
  const pointwise = geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) == 1 && geo(g, G.pD) == 0 && geo(g, G.pH) == 0 && geo(g, G.pW) == 0 &&
    geo(g, G.sD) == 1 && geo(g, G.sH) == 1 && geo(g, G.sW) == 1;
  return ASC_FEATURE_SIMD && !im2colOnly(g) && !pointwise && geo(g, G.outC) <= 32 && geo(g, G.inC) <= 16;
}

/** Columns of one pixel's row of tap gradients, K = fD·fH·fW·inC, rounded up to whole 8-lane blocks. */
@inline function colsOf(g: usize): i32 { return (geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC) + 7) & ~7; }

/** Scratch bytes: one padded image of dx, the filters transposed to [outC, Kp], one image's [pixels, Kp] tap gradients. */
export function tiledInputGradScratchBytes(g: usize): i32 {
  const Kp = colsOf(g), pix = geo(g, G.outD) * geo(g, G.outH) * geo(g, G.outW);
  return align16(paddedD(g) * paddedH(g) * paddedW(g) * geo(g, G.inC) * 4) + align16(Kp * geo(g, G.outC) * 4) + pix * Kp * 4;
}

/**
 * dx of conv: the contract of convBackpropInput() in conv.ts. Per image, the tap gradients
 * cols[pixel][tap] = Σ_oc dy[pixel][oc]·w[tap][oc] come from register tiles of 4 pixels x 8 taps
 * (a GEMM whose reduction is only outC long, so packing it for sgemm would cost as much as it), then
 * each pixel's rows of taps are added into a zero-padded dx image (col2im) whose interior is dx.
 */
export function convBackpropInputTiled(dy: usize, w: usize, dx: usize, g: usize, scratch: usize): void {
  const inD = geo(g, G.inD), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outD = geo(g, G.outD), outH = geo(g, G.outH), outW = geo(g, G.outW), outC = geo(g, G.outC);
  const fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sD = geo(g, G.sD), sH = geo(g, G.sH), sW = geo(g, G.sW), dD = geo(g, G.dD), dH = geo(g, G.dH), dW = geo(g, G.dW);
  const Dp = paddedD(g), Hp = paddedH(g), Wp = paddedW(g), K = fD * fH * fW * inC, Kp = colsOf(g);
  const pix = outD * outH * outW, image = Dp * Hp * Wp * inC;
  const xp = scratch, wt = xp + <usize>align16(image * 4), cols = wt + <usize>align16(Kp * outC * 4);
  // filters [K, outC] -> [outC, Kp], zeros past K
  for (let o = 0; o < outC; o++) for (let k = 0; k < Kp; k++) store<f32>(ptr(wt, o * Kp + k), k < K ? load<f32>(ptr(w, k * outC + o)) : 0);
  const pD = geo(g, G.pD), pH = geo(g, G.pH), pW = geo(g, G.pW), rowBytes = <usize>(inW * inC) << 2;
  for (let n = 0; n < geo(g, G.batch); n++) {
    // v128 only inside this constant branch, so the scalar build compiles (it never calls this kernel)
    if (ASC_FEATURE_SIMD) tapGrads(ptr(dy, n * pix * outC), wt, cols, pix, outC, Kp);
    memory.fill(xp, 0, <usize>image << 2);
    // col2im: pixel p's taps (kd, kh) are runs of fW·inC floats (dilation 1) or fW runs of inC
    let c = cols;
    for (let od = 0; od < outD; od++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
      for (let kd = 0; kd < fD; kd++) for (let kh = 0; kh < fH; kh++) {
        const row = ptr(xp, (((od * sD + kd * dD) * Hp + oh * sH + kh * dH) * Wp + ow * sW) * inC);
        if (dW == 1) addRun(row, c, fW * inC);
        else for (let kw = 0; kw < fW; kw++) addRun(ptr(row, kw * dW * inC), ptr(c, kw * inC), inC);
        c = ptr(c, fW * inC);
      }
      c = ptr(cols, (((od * outH + oh) * outW + ow) + 1) * Kp);
    }
    for (let id = 0; id < inD; id++) for (let ih = 0; ih < inH; ih++)
      memory.copy(ptr(dx, ((n * inD + id) * inH + ih) * inW * inC), ptr(xp, (((id + pD) * Hp + ih + pH) * Wp + pW) * inC), rowBytes);
  }
}

/** dst[0..n) += src[0..n). */
@inline function addRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(ptr(dst, i), f32x4.add(v128.load(ptr(dst, i)), v128.load(ptr(src, i))));
  for (; i < n; i++) store<f32>(ptr(dst, i), load<f32>(ptr(dst, i)) + load<f32>(ptr(src, i)));
}

// cols[p][0..Kp) = Σ_oc dy[p][oc]·wt[oc][0..Kp) for the pix pixels of one image: tiles of 4 pixels x
// 8 columns (8 accumulators), then single pixels.
function tapGrads(dy: usize, wt: usize, cols: usize, pix: i32, outC: i32, Kp: i32): void {
  const dstep = <usize>outC << 2, wstep = <usize>Kp << 2;
  let p = 0;
  for (; p + 4 <= pix; p += 4) {
    const d = ptr(dy, p * outC), cp = ptr(cols, p * Kp);
    for (let j = 0; j < Kp; j += 8) {
      let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
      let wr = ptr(wt, j), dr = d;
      for (let o = 0; o < outC; o++) {
        const w0 = v128.load(wr), w1 = v128.load(wr, 16);
        let v = v128.load32_splat(dr); a0 = vmadd(v, w0, a0); a1 = vmadd(v, w1, a1);
        v = v128.load32_splat(dr + dstep); b0 = vmadd(v, w0, b0); b1 = vmadd(v, w1, b1);
        v = v128.load32_splat(dr + 2 * dstep); c0 = vmadd(v, w0, c0); c1 = vmadd(v, w1, c1);
        v = v128.load32_splat(dr + 3 * dstep); e0 = vmadd(v, w0, e0); e1 = vmadd(v, w1, e1);
        wr += wstep; dr += 4;
      }
      const q = ptr(cp, j);
      v128.store(q, a0); v128.store(q, a1, 16);
      v128.store(q + wstep, b0); v128.store(q + wstep, b1, 16);
      v128.store(q + 2 * wstep, c0); v128.store(q + 2 * wstep, c1, 16);
      v128.store(q + 3 * wstep, e0); v128.store(q + 3 * wstep, e1, 16);
    }
  }
  for (; p < pix; p++) {
    const d = ptr(dy, p * outC), cp = ptr(cols, p * Kp);
    for (let j = 0; j < Kp; j += 8) {
      let a0 = f32x4.splat(0), a1 = a0, wr = ptr(wt, j);
      for (let o = 0; o < outC; o++) {
        const v = v128.load32_splat(ptr(d, o));
        a0 = vmadd(v, v128.load(wr), a0); a1 = vmadd(v, v128.load(wr, 16), a1);
        wr += wstep;
      }
      v128.store(ptr(cp, j), a0); v128.store(ptr(cp, j), a1, 16);
    }
  }
}
