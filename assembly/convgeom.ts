// Shared by conv.ts and depthwise.ts: the geometry block the host writes (src/backend/wasm/conv.ts)
// and small loop helpers. Geometry travels as one pointer to 24 i32s instead of 24 arguments.

/** i32 offsets of the fields in the geometry block (ConvGeometry order, multiplier, algo, channel stride). */
export const enum G { batch, inD, inH, inW, inC, outD, outH, outW, outC, fD, fH, fW, sD, sH, sW, dD, dH, dW, pD, pH, pW, mult, algo, ldC }

/**
 * Algorithm switches for benchmarks and tests, in the geometry block (so every thread's instance sees
 * the same choice): bit 0 turns the direct, tiled and Winograd kernels off (im2col + sgemm everywhere),
 * bit 1 takes Winograd wherever it applies, bit 2 never. 0 = the measured heuristics.
 */
@inline export function im2colOnly(g: usize): bool { return (geo(g, G.algo) & 1) != 0; }
@inline export function winogradAlways(g: usize): bool { return (geo(g, G.algo) & 2) != 0; }
@inline export function winogradNever(g: usize): bool { return (geo(g, G.algo) & 5) != 0; }

/**
 * Floats between neighbouring output pixels and between neighbouring filter rows ([K, ldC]): the layer's
 * whole outC (0 in the block means outC). A forward conv may compute a block of outC channels of a wider
 * layer: the host offsets the filter, bias and output pointers by the first channel and keeps ldC = the
 * full width, so threads can split a layer by output channels. Algorithm choices follow ldC, not outC,
 * so every channel block takes the kernel (and the arithmetic) the unsplit call would.
 */
@inline export function ldC(g: usize): i32 {
  const c = geo(g, G.ldC);
  return c != 0 ? c : geo(g, G.outC);
}

/** i32s in a geometry block. */
export const GEO_FIELDS = 24;

/** GEO_FIELDS for the host, which checks it against the block it writes when it loads a build. */
export function geometryFields(): i32 { return GEO_FIELDS; }

/**
 * Room for one derived geometry (the transposed convolution of the input gradient) right after each
 * block: every call and every thread's part has its own block, so nothing static is shared between the
 * instances that run on one shared memory.
 */
@inline export function derived(g: usize): usize { return g + GEO_FIELDS * 4; }

/** Reads field i of the geometry block at g. */
@inline export function geo(g: usize, i: i32): i32 { return load<i32>(g + (<usize>i << 2)); }

/** The address `floats` f32s past base. */
@inline export function ptr(base: usize, floats: i32): usize { return base + (<usize>floats << 2); }
/** b rounded up to a multiple of 16 (v128 alignment). */
@inline export function align16(b: i32): i32 { return (b + 15) & ~15; }

/** Extent of a padded axis: every tap of every output, and the whole input, fit inside. */
@inline function padded(inN: i32, outN: i32, f: i32, s: i32, d: i32, p: i32): i32 {
  return max(p + inN, (outN - 1) * s + (f - 1) * d + 1);
}
/** Depth, height and width of an input padded for every tap (the direct and tiled kernels pad one image at a time). */
@inline export function paddedD(g: usize): i32 { return padded(geo(g, G.inD), geo(g, G.outD), geo(g, G.fD), geo(g, G.sD), geo(g, G.dD), geo(g, G.pD)); }
@inline export function paddedH(g: usize): i32 { return padded(geo(g, G.inH), geo(g, G.outH), geo(g, G.fH), geo(g, G.sH), geo(g, G.dH), geo(g, G.pH)); }
@inline export function paddedW(g: usize): i32 { return padded(geo(g, G.inW), geo(g, G.outW), geo(g, G.fW), geo(g, G.sW), geo(g, G.dW), geo(g, G.pW)); }

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
