// Direct convolution (an implicit GEMM: no im2col, no packing of columns). Each input image is copied
// into a zero-padded buffer (so no tap needs a bounds check), the filters into blocks of [K, 8], and a
// table holds the byte offset of each of the K taps. SIMD: a register tile of 4 output pixels x 8
// channels (8 f32x4 accumulators) walks the table, one splat of x and two filter loads feeding 8
// multiply-adds, block after block of 8 channels while the 4 pixels' inputs stay in L1.
// Scalar: 8 f32 accumulators, one output pixel at a time. Few output channels (LeNet conv1:
// 28x28x1 -> 6 @ 5x5) are where im2col + GEMM loses most: K*outC is tiny, copying dominates.
// The filter gradient has a direct form here too, for outC <= 8.
import { vmadd } from './common';
import { G, GEO_FIELDS, geo, derived, im2colOnly, ldC, ptr, align16, paddedD, paddedH, paddedW } from './convgeom';
import { actv, acts } from './epilogue';

/** Floats of one zero-padded input image (the direct kernels pad one image at a time: bounded scratch). */
@inline function paddedFloats(g: usize): i32 {
  return paddedD(g) * paddedH(g) * paddedW(g) * geo(g, G.inC);
}

/**
 * Whether convDirect serves this forward geometry. SIMD build: always; measured here it beat
 * im2col + packed sgemm by 10-30% on every issue-2 shape, K = 25 .. 4800 (bench/conv.ts). Scalar
 * build: only outC <= 8; for more channels its im2col + GEMM ran about 30% faster.
 */
export function directForward(g: usize): bool {
  return !im2colOnly(g) && (ASC_FEATURE_SIMD || ldC(g) <= 8);
}

/** Whether convDirectBackpropFilter serves this geometry (both builds: it beats im2col + GEMM there). */
export function directFilterGrad(g: usize): bool {
  return !im2colOnly(g) && geo(g, G.outC) <= 8;
}

/** Scratch bytes of convDirect (filterGrad false) or convDirectBackpropFilter (true). */
export function directScratchBytes(g: usize, filterGrad: bool): i32 {
  const K = geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC), nb = (geo(g, G.outC) + 7) >> 3;
  // one padded image, K tap offsets, then blocks of [K, 8] filters + 8 bias lanes, or [K, 8] sums + a [outW, 8] row of dy.
  return align16(paddedFloats(g) * 4) + align16(K * 4) + (filterGrad ? K * 32 + geo(g, G.outW) * 32 : nb * (K * 32 + 32));
}

/** Copies image n of x into the zero-padded buffer xp. */
function padImage(x: usize, g: usize, n: i32, xp: usize): void {
  const inD = geo(g, G.inD), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const pD = geo(g, G.pD), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  memory.fill(xp, 0, <usize>paddedFloats(g) << 2);
  const rowBytes = <usize>(inW * inC) << 2;
  for (let id = 0; id < inD; id++) for (let ih = 0; ih < inH; ih++)
    memory.copy(ptr(xp, (((id + pD) * Hp + ih + pH) * Wp + pW) * inC), ptr(x, ((n * inD + id) * inH + ih) * inW * inC), rowBytes);
}

/** Writes the byte offset, within a padded image, of each tap (kd, kh, kw, ic) to tab. */
function buildTaps(g: usize, tab: usize): void {
  const inC = geo(g, G.inC), fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW), dD = geo(g, G.dD), dH = geo(g, G.dH), dW = geo(g, G.dW);
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  let r = 0;
  for (let kd = 0; kd < fD; kd++) for (let kh = 0; kh < fH; kh++) for (let kw = 0; kw < fW; kw++) for (let ic = 0; ic < inC; ic++)
    store<i32>(tab + (<usize>(r++) << 2), (((kd * dD * Hp + kh * dH) * Wp + kw * dW) * inC + ic) << 2);
}

/** Stores the first n (0..4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  if (n == 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function finish(p: usize, a: v128, b: v128, act: i32, outC: i32): void {
  a = actv(a, act); b = actv(b, act);
  storeLanes(p, a, min(outC, 4));
  storeLanes(p + 16, b, max(outC - 4, 0));
}

@inline function put1(p: usize, o: i32, outC: i32, v: f32, act: i32): void {
  if (o < outC) store<f32>(ptr(p, o), acts(v, act));
}

/** conv by direct tiles: same contract as conv() in conv.ts, scratch of directScratchBytes(g, false). */
export function convDirect(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32, scratch: usize): void {
  const batch = geo(g, G.batch), inD = geo(g, G.inD), inH = geo(g, G.inH), inW = geo(g, G.inW), inC = geo(g, G.inC);
  const outD = geo(g, G.outD), outH = geo(g, G.outH), outW = geo(g, G.outW), outC = geo(g, G.outC);
  const fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sD = geo(g, G.sD), sH = geo(g, G.sH), sW = geo(g, G.sW), dD = geo(g, G.dD), dH = geo(g, G.dH);
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  const K = fD * fH * fW * inC, nb = (outC + 7) >> 3, ld = ldC(g); // ld: floats per filter row and output pixel

  // Filters as nb blocks of [K, 8] (zeros past outC), then nb blocks of 8 bias lanes.
  const xp = scratch, tab = scratch + <usize>align16(paddedFloats(g) * 4), wq = tab + <usize>align16(K * 4), bq = ptr(wq, nb * K * 8);
  buildTaps(g, tab);
  for (let j = 0; j < nb; j++) for (let r = 0; r < K; r++) for (let o = 0; o < 8; o++) {
    const oc = j * 8 + o;
    store<f32>(ptr(wq, (j * K + r) * 8 + o), oc < outC ? load<f32>(ptr(w, r * ld + oc)) : 0);
  }
  for (let oc = 0; oc < nb * 8; oc++) store<f32>(ptr(bq, oc), bias != 0 && oc < outC ? load<f32>(ptr(bias, oc)) : 0);

  const step = <usize>(sW * inC) << 2; // bytes between the inputs of neighbouring output pixels
  const tabEnd = tab + (<usize>K << 2), blockBytes = <usize>K << 5;
  let yp = y;
  for (let n = 0; n < batch; n++) {
    padImage(x, g, n, xp);
    for (let od = 0; od < outD; od++) for (let oh = 0; oh < outH; oh++) {
      let xb = ptr(xp, (od * sD * Hp + oh * sH) * Wp * inC);
      let ow = 0;
      if (ASC_FEATURE_SIMD) {
        for (; ow + 4 <= outW; ow += 4) {
          // The 4 pixels' inputs stay in L1 while every block of 8 channels walks them.
          for (let j = 0; j < nb; j++) {
            const b0 = v128.load(ptr(bq, j * 8)), b1 = v128.load(ptr(bq, j * 8), 16);
            let a0 = b0, a1 = b1, c0 = b0, c1 = b1, e0 = b0, e1 = b1, h0 = b0, h1 = b1;
            let wr = wq + <usize>j * blockBytes;
            for (let t = tab; t < tabEnd; t += 4) {
              const xi = xb + <usize>load<i32>(t), w0 = v128.load(wr), w1 = v128.load(wr, 16);
              wr += 32;
              let v = v128.load32_splat(xi);
              a0 = vmadd(v, w0, a0); a1 = vmadd(v, w1, a1);
              v = v128.load32_splat(xi + step);
              c0 = vmadd(v, w0, c0); c1 = vmadd(v, w1, c1);
              v = v128.load32_splat(xi + 2 * step);
              e0 = vmadd(v, w0, e0); e1 = vmadd(v, w1, e1);
              v = v128.load32_splat(xi + 3 * step);
              h0 = vmadd(v, w0, h0); h1 = vmadd(v, w1, h1);
            }
            const o = ptr(yp, j * 8), m = min(outC - j * 8, 8);
            finish(o, a0, a1, act, m);
            finish(ptr(o, ld), c0, c1, act, m);
            finish(ptr(o, 2 * ld), e0, e1, act, m);
            finish(ptr(o, 3 * ld), h0, h1, act, m);
          }
          yp = ptr(yp, 4 * ld);
          xb += 4 * step;
        }
        for (; ow < outW; ow++) {
          for (let j = 0; j < nb; j++) {
            let a0 = v128.load(ptr(bq, j * 8)), a1 = v128.load(ptr(bq, j * 8), 16), wr = wq + <usize>j * blockBytes;
            for (let t = tab; t < tabEnd; t += 4) {
              const v = v128.load32_splat(xb + <usize>load<i32>(t));
              a0 = vmadd(v, v128.load(wr), a0); a1 = vmadd(v, v128.load(wr, 16), a1);
              wr += 32;
            }
            finish(ptr(yp, j * 8), a0, a1, act, min(outC - j * 8, 8));
          }
          yp = ptr(yp, ld);
          xb += step;
        }
      } else {
        for (; ow < outW; ow++) {
          for (let j = 0; j < nb; j++) {
            const bj = ptr(bq, j * 8);
            let s0 = load<f32>(bj), s1 = load<f32>(bj, 4), s2 = load<f32>(bj, 8), s3 = load<f32>(bj, 12);
            let s4 = load<f32>(bj, 16), s5 = load<f32>(bj, 20), s6 = load<f32>(bj, 24), s7 = load<f32>(bj, 28);
            let wr = wq + <usize>j * blockBytes;
            for (let t = tab; t < tabEnd; t += 4) {
              const v = load<f32>(xb + <usize>load<i32>(t));
              s0 += v * load<f32>(wr); s1 += v * load<f32>(wr, 4); s2 += v * load<f32>(wr, 8); s3 += v * load<f32>(wr, 12);
              s4 += v * load<f32>(wr, 16); s5 += v * load<f32>(wr, 20); s6 += v * load<f32>(wr, 24); s7 += v * load<f32>(wr, 28);
              wr += 32;
            }
            const o = ptr(yp, j * 8), m = min(outC - j * 8, 8);
            put1(o, 0, m, s0, act); put1(o, 1, m, s1, act); put1(o, 2, m, s2, act); put1(o, 3, m, s3, act);
            put1(o, 4, m, s4, act); put1(o, 5, m, s5, act); put1(o, 6, m, s6, act); put1(o, 7, m, s7, act);
          }
          yp = ptr(yp, ld);
          xb += step;
        }
      }
    }
  }
}

/** dw of conv for outC <= 8: same contract as convBackpropFilter() in conv.ts, scratch of directScratchBytes(g, true). */
export function convDirectBackpropFilter(x: usize, dy: usize, dw: usize, g: usize, scratch: usize): void {
  const batch = geo(g, G.batch), inC = geo(g, G.inC), outD = geo(g, G.outD), outH = geo(g, G.outH), outW = geo(g, G.outW);
  const outC = geo(g, G.outC), fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW);
  const sD = geo(g, G.sD), sH = geo(g, G.sH), sW = geo(g, G.sW);
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  const K = fD * fH * fW * inC;
  const xp = scratch, tab = scratch + <usize>align16(paddedFloats(g) * 4), acc = tab + <usize>align16(K * 4), dq = ptr(acc, K * 8);
  buildTaps(g, tab);
  memory.fill(acc, 0, <usize>K << 5);
  const step = <usize>(sW * inC) << 2, tabEnd = tab + (<usize>K << 2);
  let dyp = dy;
  for (let n = 0; n < batch; n++) {
    padImage(x, g, n, xp);
    for (let od = 0; od < outD; od++) for (let oh = 0; oh < outH; oh++) {
      // This row of dy, widened to 8 channels (zeros past outC) so each pixel is two whole vectors.
      for (let ow = 0; ow < outW; ow++) for (let o = 0; o < 8; o++) store<f32>(ptr(dq, ow * 8 + o), o < outC ? load<f32>(ptr(dyp, ow * outC + o)) : 0);
      dyp = ptr(dyp, outW * outC);
      let xb = ptr(xp, (od * sD * Hp + oh * sH) * Wp * inC);
      let ow = 0, dr = dq;
      if (ASC_FEATURE_SIMD) {
        for (; ow + 4 <= outW; ow += 4) {
          const p0 = v128.load(dr), q0 = v128.load(dr, 16), p1 = v128.load(dr, 32), q1 = v128.load(dr, 48);
          const p2 = v128.load(dr, 64), q2 = v128.load(dr, 80), p3 = v128.load(dr, 96), q3 = v128.load(dr, 112);
          let ar = acc;
          for (let t = tab; t < tabEnd; t += 4) {
            const xi = xb + <usize>load<i32>(t);
            let a = v128.load(ar), b = v128.load(ar, 16);
            let v = v128.load32_splat(xi);
            a = vmadd(v, p0, a); b = vmadd(v, q0, b);
            v = v128.load32_splat(xi + step);
            a = vmadd(v, p1, a); b = vmadd(v, q1, b);
            v = v128.load32_splat(xi + 2 * step);
            a = vmadd(v, p2, a); b = vmadd(v, q2, b);
            v = v128.load32_splat(xi + 3 * step);
            a = vmadd(v, p3, a); b = vmadd(v, q3, b);
            v128.store(ar, a); v128.store(ar, b, 16);
            ar += 32;
          }
          xb += 4 * step;
          dr += 128;
        }
        for (; ow < outW; ow++) {
          const p0 = v128.load(dr), q0 = v128.load(dr, 16);
          let ar = acc;
          for (let t = tab; t < tabEnd; t += 4) {
            const v = v128.load32_splat(xb + <usize>load<i32>(t));
            v128.store(ar, vmadd(v, p0, v128.load(ar))); v128.store(ar, vmadd(v, q0, v128.load(ar, 16)), 16);
            ar += 32;
          }
          xb += step;
          dr += 32;
        }
      } else {
        for (; ow < outW; ow++) {
          let ar = acc;
          for (let t = tab; t < tabEnd; t += 4) {
            const v = load<f32>(xb + <usize>load<i32>(t));
            for (let o = 0; o < outC; o++) store<f32>(ar + (<usize>o << 2), load<f32>(ar + (<usize>o << 2)) + v * load<f32>(dr + (<usize>o << 2)));
            ar += 32;
          }
          xb += step;
          dr += 32;
        }
      }
    }
  }
  for (let r = 0; r < K; r++) for (let o = 0; o < outC; o++) store<f32>(ptr(dw, r * outC + o), load<f32>(ptr(acc, r * 8 + o)));
}

/**
 * Whether convDirectBackpropInput serves this geometry: SIMD build, stride 1, padding within the
 * filter's reach, and inC > 4 (inC becomes the direct kernel's 8-lane channel axis).
 */
export function directInputGrad(g: usize): bool {
  return !im2colOnly(g) && ASC_FEATURE_SIMD && geo(g, G.inC) > 4 && geo(g, G.sD) == 1 && geo(g, G.sH) == 1 && geo(g, G.sW) == 1 &&
    geo(g, G.pD) <= geo(g, G.dD) * (geo(g, G.fD) - 1) && geo(g, G.pH) <= geo(g, G.dH) * (geo(g, G.fH) - 1) &&
    geo(g, G.pW) <= geo(g, G.dW) * (geo(g, G.fW) - 1);
}

/** Writes (to the block's derived room) the geometry of the stride-1 convolution of dy by the flipped filters that gives dx. */
function transposedGeometry(g: usize): usize {
  const TG = derived(g);
  for (let i = 0; i < GEO_FIELDS; i++) store<i32>(TG + (<usize>i << 2), geo(g, i));
  store<i32>(TG + (<usize>G.inD << 2), geo(g, G.outD)); store<i32>(TG + (<usize>G.outD << 2), geo(g, G.inD));
  store<i32>(TG + (<usize>G.inH << 2), geo(g, G.outH)); store<i32>(TG + (<usize>G.outH << 2), geo(g, G.inH));
  store<i32>(TG + (<usize>G.inW << 2), geo(g, G.outW)); store<i32>(TG + (<usize>G.outW << 2), geo(g, G.inW));
  store<i32>(TG + (<usize>G.inC << 2), geo(g, G.outC)); store<i32>(TG + (<usize>G.outC << 2), geo(g, G.inC));
  store<i32>(TG + (<usize>G.ldC << 2), 0); // dx is whole: its pixels are inC wide
  store<i32>(TG + (<usize>G.pD << 2), geo(g, G.dD) * (geo(g, G.fD) - 1) - geo(g, G.pD));
  store<i32>(TG + (<usize>G.pH << 2), geo(g, G.dH) * (geo(g, G.fH) - 1) - geo(g, G.pH));
  store<i32>(TG + (<usize>G.pW << 2), geo(g, G.dW) * (geo(g, G.fW) - 1) - geo(g, G.pW));
  return TG;
}

/** Scratch bytes of convDirectBackpropInput: the flipped filters, then convDirect's scratch. */
export function directInputGradScratchBytes(g: usize): i32 {
  return align16(geo(g, G.fD) * geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC) * geo(g, G.outC) * 4) + directScratchBytes(transposedGeometry(g), false);
}

/**
 * dx of conv for stride 1: dx = conv(dy, w') with w'[f-1-k][oc][ic] = w[k][ic][oc] and padding
 * dilation*(f-1) - pad before, so the direct kernel serves the input gradient too (no col2im scatter).
 */
export function convDirectBackpropInput(dy: usize, w: usize, dx: usize, g: usize, scratch: usize): void {
  const fD = geo(g, G.fD), fH = geo(g, G.fH), fW = geo(g, G.fW), inC = geo(g, G.inC), outC = geo(g, G.outC);
  const wf = scratch;
  for (let kd = 0; kd < fD; kd++) for (let kh = 0; kh < fH; kh++) for (let kw = 0; kw < fW; kw++) {
    const src = ptr(w, ((kd * fH + kh) * fW + kw) * inC * outC);
    const dst = ptr(wf, (((fD - 1 - kd) * fH + fH - 1 - kh) * fW + fW - 1 - kw) * outC * inC);
    for (let ic = 0; ic < inC; ic++) for (let oc = 0; oc < outC; oc++) store<f32>(ptr(dst, oc * inC + ic), load<f32>(ptr(src, ic * outC + oc)));
  }
  convDirect(dy, wf, 0, dx, transposedGeometry(g), 0, scratch + <usize>align16(fD * fH * fW * inC * outC * 4));
}
