// The activation fused into a kernel's stores (GEMM, direct, Winograd and depthwise convolutions), so an
// inference plan needs no separate pass over the output: 0 linear, 1 ReLU, 2 ReLU6 (MobileNetV2's clip
// to [0, 6]). Codes match EPILOGUE in src/backend/kernels.ts.

export const LINEAR = 0, RELU = 1, RELU6 = 2;

/** act applied to 4 lanes. */
@inline export function actv(v: v128, act: i32): v128 {
  if (act == RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == RELU6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  return v;
}

/** act applied to one value. */
@inline export function acts(v: f32, act: i32): f32 {
  if (act == RELU) return v < 0 ? 0 : v;
  if (act == RELU6) return v < 0 ? 0 : v > 6 ? 6 : v;
  return v;
}

/** Leaky ReLU (x < 0: alpha·x) and ReLU capped at alpha, for activateInPlace only. */
export const LEAKY = 3, RELU_MAX = 4;

/**
 * x = act(x) in place over n floats: the epilogue codes plus LEAKY and RELU_MAX (alpha their parameter),
 * for activations that follow a layer with no epilogue of its own (an add, a pooling, an input).
 */
export function activateInPlace(x: usize, n: i32, act: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const a = f32x4.splat(alpha), zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const p = x + (<usize>i << 2);
      const v = v128.load(p);
      if (act == LEAKY) v128.store(p, v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero)));
      else if (act == RELU_MAX) v128.store(p, f32x4.min(f32x4.max(v, zero), a));
      else v128.store(p, actv(v, act));
    }
  }
  for (; i < n; i++) {
    const p = x + (<usize>i << 2);
    const v = load<f32>(p);
    store<f32>(p, act == LEAKY ? (v > 0 ? v : v * alpha) : act == RELU_MAX ? (v < 0 ? 0 : v > alpha ? alpha : v) : acts(v, act));
  }
}
