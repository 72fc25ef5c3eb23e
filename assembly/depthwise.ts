// Depthwise 2D convolution over NHWC: input channel c has its own fH x fW filters, output channel c*M+m,
// filters [fH, fW, inC, M]. A tap costs one multiply per channel, too little for GEMM, so these are
// direct loops vectorised over channels, which NHWC keeps contiguous. Multiplier 1 (MobileNet's case)
// has the SIMD path; other multipliers, and the scalar build, run the plain loops.
// Geometry is the block described in convgeom.ts (inD = outD = fD = 1).
import { G, geo, tapLo, tapHi, vmadd } from './convgeom';

@inline function ptr(base: usize, floats: i32): usize { return base + (<usize>floats << 2); }

/** y = depthwise(x, w); geometry at g. */
export function depthwiseConv(x: usize, w: usize, y: usize, g: usize): void {
  const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC);
  const outH = geo(g, G.outH), outW = geo(g, G.outW), fW = geo(g, G.fW), fH = geo(g, G.fH);
  const sH = geo(g, G.sH), sW = geo(g, G.sW), dH = geo(g, G.dH), dW = geo(g, G.dW), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const M = geo(g, G.mult), OC = C * M;
  let yp = y;
  for (let n = 0; n < batch; n++) for (let oh = 0; oh < outH; oh++) {
    const kh0 = tapLo(oh, sH, pH, dH), kh1 = tapHi(oh, sH, pH, dH, inH, fH);
    for (let ow = 0; ow < outW; ow++) {
      const kw0 = tapLo(ow, sW, pW, dW), kw1 = tapHi(ow, sW, pW, dW, inW, fW);
      // Offset of the (possibly padded, so possibly negative) tap (0, 0); valid taps add to >= 0.
      const xo = ((n * inH + oh * sH - pH) * inW + ow * sW - pW) * C;
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        if (M == 1) {
          // Two accumulators per step hide the add latency across the taps.
          for (; c + 8 <= C; c += 8) {
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
            for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++) {
              const xp = ptr(x, xo + (kh * dH * inW + kw * dW) * C + c), wp = ptr(w, (kh * fW + kw) * C + c);
              a0 = vmadd(v128.load(xp), v128.load(wp), a0);
              a1 = vmadd(v128.load(xp, 16), v128.load(wp, 16), a1);
            }
            v128.store(ptr(yp, c), a0);
            v128.store(ptr(yp, c + 4), a1);
          }
          for (; c + 4 <= C; c += 4) {
            let a0 = f32x4.splat(0);
            for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++)
              a0 = vmadd(v128.load(ptr(x, xo + (kh * dH * inW + kw * dW) * C + c)), v128.load(ptr(w, (kh * fW + kw) * C + c)), a0);
            v128.store(ptr(yp, c), a0);
          }
        }
      }
      for (; c < C; c++) for (let m = 0; m < M; m++) {
        let s: f32 = 0;
        for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++)
          s += load<f32>(ptr(x, xo + (kh * dH * inW + kw * dW) * C + c)) * load<f32>(ptr(w, (kh * fW + kw) * OC + c * M + m));
        store<f32>(ptr(yp, c * M + m), s);
      }
      yp = ptr(yp, OC);
    }
  }
}

/**
 * Shared loop of both backward kernels: for every output pixel and every tap inside the input,
 * filterGrad = false: dx[tap pixel] += dy[pixel] * w[tap] (dst = dx, a = w);
 * filterGrad = true:  dw[tap] += x[tap pixel] * dy[pixel] (dst = dw, a = x).
 */
@inline function backward(a: usize, dy: usize, dst: usize, g: usize, filterGrad: bool): void {
  const batch = geo(g, G.batch), inH = geo(g, G.inH), inW = geo(g, G.inW), C = geo(g, G.inC);
  const outH = geo(g, G.outH), outW = geo(g, G.outW), fW = geo(g, G.fW), fH = geo(g, G.fH);
  const sH = geo(g, G.sH), sW = geo(g, G.sW), dH = geo(g, G.dH), dW = geo(g, G.dW), pH = geo(g, G.pH), pW = geo(g, G.pW);
  const M = geo(g, G.mult), OC = C * M;
  let dyp = dy;
  for (let n = 0; n < batch; n++) for (let oh = 0; oh < outH; oh++) {
    const kh0 = tapLo(oh, sH, pH, dH), kh1 = tapHi(oh, sH, pH, dH, inH, fH);
    for (let ow = 0; ow < outW; ow++) {
      const kw0 = tapLo(ow, sW, pW, dW), kw1 = tapHi(ow, sW, pW, dW, inW, fW);
      const xo = ((n * inH + oh * sH - pH) * inW + ow * sW - pW) * C;
      for (let kh = kh0; kh < kh1; kh++) for (let kw = kw0; kw < kw1; kw++) {
        const px = xo + (kh * dH * inW + kw * dW) * C, tw = (kh * fW + kw) * OC;
        // dx: channels of an input pixel; dw: channels of a tap. The other operand is the mirror.
        const d = filterGrad ? ptr(dst, tw) : ptr(dst, px);
        const o = filterGrad ? ptr(a, px) : ptr(a, tw);
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          if (M == 1) for (; c + 4 <= C; c += 4)
            v128.store(ptr(d, c), vmadd(v128.load(ptr(o, c)), v128.load(ptr(dyp, c)), v128.load(ptr(d, c))));
        }
        if (filterGrad) {
          for (; c < C; c++) {
            const xv = load<f32>(ptr(o, c));
            for (let m = 0; m < M; m++) {
              const q = ptr(d, c * M + m);
              store<f32>(q, load<f32>(q) + xv * load<f32>(ptr(dyp, c * M + m)));
            }
          }
        } else {
          for (; c < C; c++) {
            let s: f32 = 0;
            for (let m = 0; m < M; m++) s += load<f32>(ptr(dyp, c * M + m)) * load<f32>(ptr(o, c * M + m));
            store<f32>(ptr(d, c), load<f32>(ptr(d, c)) + s);
          }
        }
      }
      dyp = ptr(dyp, OC);
    }
  }
}

/** dx of depthwiseConv given dy; geometry at g. */
export function depthwiseConvBackpropInput(dy: usize, w: usize, dx: usize, g: usize): void {
  memory.fill(dx, 0, <usize>(geo(g, G.batch) * geo(g, G.inH) * geo(g, G.inW) * geo(g, G.inC)) << 2);
  backward(w, dy, dx, g, false);
}

/** dw of depthwiseConv given x and dy; geometry at g. */
export function depthwiseConvBackpropFilter(x: usize, dy: usize, dw: usize, g: usize): void {
  memory.fill(dw, 0, <usize>(geo(g, G.fH) * geo(g, G.fW) * geo(g, G.inC) * geo(g, G.mult)) << 2);
  backward(x, dy, dw, g, true);
}
