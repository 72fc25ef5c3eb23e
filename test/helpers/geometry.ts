// A 2-D convolution's geometry (square filter, one stride, padding and dilation for both axes) for kernel tests.
import type { ConvGeometry } from '../../src/backend/kernels';

/** The geometry of batch h x w x c images under an f x f filter to outC channels: stride s, padding pad, dilation d. */
export function geometry(
  batch: number,
  h: number,
  w: number,
  c: number,
  outC: number,
  f: number,
  s: number,
  pad: number,
  d = 1,
) {
  const out = (n: number) => Math.floor((n + 2 * pad - d * (f - 1) - 1) / s) + 1;
  return {
    batch,
    inD: 1,
    inH: h,
    inW: w,
    inC: c,
    outD: 1,
    outH: out(h),
    outW: out(w),
    outC,
    fD: 1,
    fH: f,
    fW: f,
    strideD: 1,
    strideH: s,
    strideW: s,
    dilationD: 1,
    dilationH: d,
    dilationW: d,
    padFront: 0,
    padTop: pad,
    padLeft: pad,
  } satisfies ConvGeometry;
}
