// Helpers shared by every kernel file; each is defined here once.

/** Which build this binary is, so hosts and tests can ask what loaded. */
export const IS_SIMD: bool = ASC_FEATURE_SIMD;
export const IS_RELAXED_SIMD: bool = ASC_FEATURE_RELAXED_SIMD;

/** First free byte after static data: the host's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/** a*b + c on four lanes: fused (one rounding) in the relaxed build, mul then add otherwise. */
@inline export function vmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The smaller of two i32s. */
@inline export function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
