// Helpers that turn tensors into pictures for people: shrinking a photo to a viewable width and
// mapping signed or non-negative filter responses to 0-255.
import { Tensor } from '../tensor';
import { resize } from '../vision/image';

/**
 * Shrinks an [H,W,C] image so its width is at most `maxWidth`, keeping the aspect ratio. Exact halvings
 * first (with half-pixel centres each output pixel is the mean of a 2x2 block, so fine detail averages
 * instead of aliasing), then one bilinear step to the final size.
 */
export function shrinkToWidth(img: Tensor, maxWidth: number): Tensor {
  let t = img;
  while (t.shape[1] >= 2 * maxWidth && t.shape[0] >= 4)
    t = resize(t, Math.floor(t.shape[0] / 2), Math.floor(t.shape[1] / 2));
  if (t.shape[1] <= maxWidth) return t;
  return resize(t, Math.max(1, Math.round((t.shape[0] * maxWidth) / t.shape[1])), maxWidth);
}

/** The q-quantile (0..1) of |values|, a robust full-scale for display. */
export function absQuantile(data: Float32Array, q: number): number {
  const a = Float32Array.from(data, Math.abs).sort();
  return a.length ? a[Math.min(a.length - 1, Math.floor(q * a.length))] : 0;
}

/** Signed responses to gray: 0 is mid-gray (128), +scale white, -scale black (clamped). */
export function signedToGray(t: Tensor, scale: number): Tensor {
  const k = scale > 0 ? 127 / scale : 0;
  return new Tensor(
    Float32Array.from(t.data, (v) => Math.min(255, Math.max(0, 128 + v * k))),
    t.shape,
  );
}

/** Non-negative responses to gray: 0 black, `scale` and above white. */
export function magnitudeToGray(t: Tensor, scale: number): Tensor {
  const k = scale > 0 ? 255 / scale : 0;
  return new Tensor(
    Float32Array.from(t.data, (v) => Math.min(255, v * k)),
    t.shape,
  );
}
