// Shared by conv.ts and depthwise.ts: the geometry block the host writes (src/backend/wasm/conv.ts)
// and small loop helpers. Geometry travels as one pointer to 22 i32s instead of 22 arguments.

/** i32 offsets of the fields in the geometry block (ConvGeometry order, then multiplier). */
export const enum G { batch, inD, inH, inW, inC, outD, outH, outW, outC, fD, fH, fW, sD, sH, sW, dD, dH, dW, pD, pH, pW, mult }

/** Reads field i of the geometry block at g. */
@inline export function geo(g: usize, i: i32): i32 { return load<i32>(g + (<usize>i << 2)); }

/** First filter tap whose input coordinate (o*s - p + k*d) is >= 0. */
@inline export function tapLo(o: i32, s: i32, p: i32, d: i32): i32 {
  const t = p - o * s;
  return t <= 0 ? 0 : (t + d - 1) / d;
}

/** One past the last filter tap (< f) whose input coordinate is < size; <= tapLo when none is. */
@inline export function tapHi(o: i32, s: i32, p: i32, d: i32, size: i32, f: i32): i32 {
  const t = size - 1 + p - o * s;
  if (t < 0) return 0;
  const h = t / d + 1;
  return h < f ? h : f;
}

/** a*b + c on four lanes: fused under relaxed SIMD, mul then add otherwise. */
@inline export function vmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
