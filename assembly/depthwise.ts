// Depthwise 2D convolution over NHWC: input channel c has its own fH x fW filters, output channel c*M+m,
// filters [fH, fW, inC, M]. A tap costs one multiply per channel, too little for GEMM, so these are
// direct loops vectorised over channels, which NHWC keeps contiguous. All three kernels share one walk:
// for each output pixel, for each tap inside the input, one multiply-add per channel into a row that
// stays in L1 (channel-inner order also keeps the scalar build's loads sequential). Multiplier 1
// (MobileNet's case) has the SIMD path; other multipliers run the plain loops.
// Geometry is the block described in convgeom.ts (inD = outD = fD = 1).
import { vmadd } from './common';
import { G, geo, tapLo, tapHi, ptr } from './convgeom';
import { actv, acts } from './epilogue';


const FORWARD = 0, INPUT_GRAD = 1, FILTER_GRAD = 2;

/**
 * For every output pixel p and every tap t inside the input (input pixel q), with o = c*M + m:
 * FORWARD:     y[p][o]  += x[q][c]  * w[t][o]    (dst y,  a x,  b w)
 * INPUT_GRAD:  dx[q][c] += dy[p][o] * w[t][o]    (dst dx, a dy, b w; summed over m)
 * FILTER_GRAD: dw[t][o] += x[q][c]  * dy[p][o]   (dst dw, a x,  b dy)
 * dst must start zeroed.
 */
@inline function walk(a: usize, b: usize, dst: usize, g: usize, mode: i32): void {
  const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC);
  const outH = geo(g, G.outH), outW = geo(g, G.outW), fW = geo(g, G.fW), fH = geo(g, G.fH);
  const sH = geo(g, G.sH), sW = geo(g, G.sW), dH = geo(g, G.dH), dW = geo(g, G.dW), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const M = geo(g, G.mult), OC = C * M;
  let p = 0;
  for (let n = 0; n < batch; n++) for (let oh = 0; oh < outH; oh++) {
    const kh0 = tapLo(oh, sH, pH, dH), kh1 = tapHi(oh, sH, pH, dH, inH, fH);
    for (let ow = 0; ow < outW; ow++, p += OC) {
      const kw0 = tapLo(ow, sW, pW, dW), kw1 = tapHi(ow, sW, pW, dW, inW, fW);
      // Offset of the (possibly padded, so possibly negative) tap (0, 0); valid taps add to >= 0.
      const xo = ((n * inH + oh * sH - pH) * inW + ow * sW - pW) * C;
      for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++) {
        const q = xo + (kh * dH * inW + kw * dW) * C, t = (kh * fW + kw) * OC;
        const d = ptr(dst, mode == FORWARD ? p : mode == INPUT_GRAD ? q : t);
        const av = ptr(a, mode == INPUT_GRAD ? p : q), bv = ptr(b, mode == FILTER_GRAD ? p : t);
        let c = 0;
        if (M == 1) {
          if (ASC_FEATURE_SIMD) {
            for (; c + 8 <= C; c += 8) {
              v128.store(ptr(d, c), vmadd(v128.load(ptr(av, c)), v128.load(ptr(bv, c)), v128.load(ptr(d, c))));
              v128.store(ptr(d, c + 4), vmadd(v128.load(ptr(av, c + 4)), v128.load(ptr(bv, c + 4)), v128.load(ptr(d, c + 4))));
            }
            for (; c + 4 <= C; c += 4)
              v128.store(ptr(d, c), vmadd(v128.load(ptr(av, c)), v128.load(ptr(bv, c)), v128.load(ptr(d, c))));
          }
          for (; c < C; c++) store<f32>(ptr(d, c), load<f32>(ptr(d, c)) + load<f32>(ptr(av, c)) * load<f32>(ptr(bv, c)));
        } else if (mode == INPUT_GRAD) {
          for (; c < C; c++) {
            let s: f32 = 0;
            for (let m = 0; m < M; m++) s += load<f32>(ptr(av, c * M + m)) * load<f32>(ptr(bv, c * M + m));
            store<f32>(ptr(d, c), load<f32>(ptr(d, c)) + s);
          }
        } else {
          for (; c < C; c++) {
            const xv = load<f32>(ptr(av, c));
            for (let m = 0; m < M; m++) {
              const r = ptr(d, c * M + m);
              store<f32>(r, load<f32>(r) + xv * load<f32>(ptr(bv, c * M + m)));
            }
          }
        }
      }
    }
  }
}

/** y = depthwise(x, w) (+ bias[o] if bias != 0) then act (epilogue.ts); geometry at g. */
export function depthwiseConv(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    if (geo(g, G.mult) == 1) { forwardSimd(x, w, bias, y, g, act); return; }
  }
  const pixels = geo(g, G.batch) * geo(g, G.outH) * geo(g, G.outW), OC = geo(g, G.inC) * geo(g, G.mult);
  memory.fill(y, 0, <usize>(pixels * OC) << 2);
  walk(x, w, y, g, FORWARD);
  if (bias != 0 || act != 0) {
    for (let p = 0; p < pixels; p++) for (let o = 0; o < OC; o++) {
      const d = ptr(y, p * OC + o);
      store<f32>(d, acts(load<f32>(d) + (bias != 0 ? load<f32>(ptr(bias, o)) : 0), act));
    }
  }
}

/**
 * Forward for multiplier 1 in the SIMD build: sums stay in registers over the taps (16 channels per
 * step, four independent accumulators) instead of going through memory like walk() does.
 */
function forwardSimd(x: usize, w: usize, bias: usize, y: usize, g: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC);
    const outH = geo(g, G.outH), outW = geo(g, G.outW), fW = geo(g, G.fW), fH = geo(g, G.fH);
    const sH = geo(g, G.sH), sW = geo(g, G.sW), dH = geo(g, G.dH), dW = geo(g, G.dW), pH = geo(g, G.pH), pW = geo(g, G.pW);
    const xStep = <usize>(dW * C) << 2, wStep = <usize>C << 2;
    let yp = y;
    for (let n = 0; n < batch; n++) for (let oh = 0; oh < outH; oh++) {
      const kh0 = tapLo(oh, sH, pH, dH), kh1 = tapHi(oh, sH, pH, dH, inH, fH);
      for (let ow = 0; ow < outW; ow++, yp += wStep) {
        const kw0 = tapLo(ow, sW, pW, dW), kw1 = tapHi(ow, sW, pW, dW, inW, fW);
        const xo = ((n * inH + oh * sH - pH) * inW + ow * sW - pW) * C;
        let c = 0;
        for (; c + 16 <= C; c += 16) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          for (let kh = kh0; kh < kh1; kh++) {
            let xp = ptr(x, xo + (kh * dH * inW + kw0 * dW) * C + c), wp = ptr(w, (kh * fW + kw0) * C + c);
            for (let kw = kw0; kw < kw1; kw++, xp += xStep, wp += wStep) {
              a0 = vmadd(v128.load(xp), v128.load(wp), a0);
              a1 = vmadd(v128.load(xp, 16), v128.load(wp, 16), a1);
              a2 = vmadd(v128.load(xp, 32), v128.load(wp, 32), a2);
              a3 = vmadd(v128.load(xp, 48), v128.load(wp, 48), a3);
            }
          }
          const o = ptr(yp, c);
          if (bias != 0) {
            const b = ptr(bias, c);
            a0 = f32x4.add(a0, v128.load(b)); a1 = f32x4.add(a1, v128.load(b, 16));
            a2 = f32x4.add(a2, v128.load(b, 32)); a3 = f32x4.add(a3, v128.load(b, 48));
          }
          v128.store(o, actv(a0, act)); v128.store(o, actv(a1, act), 16); v128.store(o, actv(a2, act), 32); v128.store(o, actv(a3, act), 48);
        }
        for (; c < C; c++) {
          let s: f32 = 0;
          for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++)
            s += load<f32>(ptr(x, xo + (kh * dH * inW + kw * dW) * C + c)) * load<f32>(ptr(w, (kh * fW + kw) * C + c));
          store<f32>(ptr(yp, c), acts(s + (bias != 0 ? load<f32>(ptr(bias, c)) : 0), act));
        }
      }
    }
  }
}

/** dx of depthwiseConv given dy; geometry at g. */
export function depthwiseConvBackpropInput(dy: usize, w: usize, dx: usize, g: usize): void {
  memory.fill(dx, 0, <usize>(geo(g, G.batch) * geo(g, G.inH) * geo(g, G.inW) * geo(g, G.inC)) << 2);
  walk(dy, w, dx, g, INPUT_GRAD);
}

/** dw of depthwiseConv given x and dy; geometry at g. */
export function depthwiseConvBackpropFilter(x: usize, dy: usize, dw: usize, g: usize): void {
  memory.fill(dw, 0, <usize>(geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC) * geo(g, G.mult)) << 2);
  walk(x, dy, dw, g, FILTER_GRAD);
}
