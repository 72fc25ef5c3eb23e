// Optimizer updates in place on raw memory. Adam is the training step's only pass over every weight:
// in JS its dependent sqrt and divide per weight cost about 10 ns; here f32x4.sqrt and f32x4.div
// run 4 weights at a time. Lanes follow the scalar formula exactly (mul then add, f32 throughout).

/** Adam: m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²; w -= lr·m / (√v + eps), over n floats at w, g, m, v. */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32): void {
  const c1: f32 = 1 - b1, c2: f32 = 1 - b2;
  let i: usize = 0;
  const end = <usize>n << 2;
  if (ASC_FEATURE_SIMD) {
    const B1 = f32x4.splat(b1), B2 = f32x4.splat(b2), C1 = f32x4.splat(c1), C2 = f32x4.splat(c2);
    const LR = f32x4.splat(lr), EPS = f32x4.splat(eps);
    for (; i + 16 <= end; i += 16) {
      const gi = v128.load(g + i);
      const mi = f32x4.add(f32x4.mul(B1, v128.load(m + i)), f32x4.mul(C1, gi));
      const vi = f32x4.add(f32x4.mul(B2, v128.load(v + i)), f32x4.mul(f32x4.mul(C2, gi), gi));
      v128.store(m + i, mi); v128.store(v + i, vi);
      v128.store(w + i, f32x4.sub(v128.load(w + i), f32x4.div(f32x4.mul(LR, mi), f32x4.add(f32x4.sqrt(vi), EPS))));
    }
  }
  for (; i < end; i += 4) {
    const gi = load<f32>(g + i);
    const mi = b1 * load<f32>(m + i) + c1 * gi;
    const vi = b2 * load<f32>(v + i) + c2 * gi * gi;
    store<f32>(m + i, mi); store<f32>(v + i, vi);
    store<f32>(w + i, load<f32>(w + i) - lr * mi / (sqrt<f32>(vi) + eps));
  }
}
