// A register-bound multiply-add loop: the machine's arithmetic ceiling, against which the
// benchmarks express GEMM as a fraction of peak. 12 independent chains hide the mul/add latency.

// vmadd is the GEMM micro-kernel's fused/unfused choice, so the peak matches what GEMM can reach.
import { vmadd } from './common';

/** FLOPs one iteration of peakLoop performs in this build (12 chains x lanes x mul+add). */
export function peakFlopsPerIter(): i32 {
  return ASC_FEATURE_SIMD ? 12 * 4 * 2 : 12 * 2;
}

/** Runs iters iterations of 12 independent x = x*s + t chains; returns a sum so nothing is optimised away. */
export function peakLoop(iters: i32, s: f32, t: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vt = f32x4.splat(t);
    let x0 = f32x4.splat(0.1), x1 = f32x4.splat(0.2), x2 = f32x4.splat(0.3), x3 = f32x4.splat(0.4);
    let x4 = f32x4.splat(0.5), x5 = f32x4.splat(0.6), x6 = f32x4.splat(0.7), x7 = f32x4.splat(0.8);
    let x8 = f32x4.splat(0.9), x9 = f32x4.splat(1.0), xa = f32x4.splat(1.1), xb = f32x4.splat(1.2);
    for (let i = 0; i < iters; i++) {
      x0 = vmadd(x0, vs, vt); x1 = vmadd(x1, vs, vt); x2 = vmadd(x2, vs, vt); x3 = vmadd(x3, vs, vt);
      x4 = vmadd(x4, vs, vt); x5 = vmadd(x5, vs, vt); x6 = vmadd(x6, vs, vt); x7 = vmadd(x7, vs, vt);
      x8 = vmadd(x8, vs, vt); x9 = vmadd(x9, vs, vt); xa = vmadd(xa, vs, vt); xb = vmadd(xb, vs, vt);
    }
    const s4 = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)),
      f32x4.add(f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)), f32x4.add(f32x4.add(x8, x9), f32x4.add(xa, xb))));
    return f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3);
  }
  let y0: f32 = 0.1, y1: f32 = 0.2, y2: f32 = 0.3, y3: f32 = 0.4, y4: f32 = 0.5, y5: f32 = 0.6;
  let y6: f32 = 0.7, y7: f32 = 0.8, y8: f32 = 0.9, y9: f32 = 1.0, ya: f32 = 1.1, yb: f32 = 1.2;
  for (let i = 0; i < iters; i++) {
    y0 = y0 * s + t; y1 = y1 * s + t; y2 = y2 * s + t; y3 = y3 * s + t; y4 = y4 * s + t; y5 = y5 * s + t;
    y6 = y6 * s + t; y7 = y7 * s + t; y8 = y8 * s + t; y9 = y9 * s + t; ya = ya * s + t; yb = yb * s + t;
  }
  return y0 + y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8 + y9 + ya + yb;
}

