// Textbook convolution: the kernel rotated 180° over its spatial axes, then ops.conv2d
// (which, like every deep-learning library, computes cross-correlation).
import { Tensor } from '../tensor';
import { ShapeError, fmtShape } from '../errors';
import { conv2d, ConvOptions } from '../ops/conv';
import { reverse } from '../ops/shape';

/** Flips a filter [fH,fW,inC,outC] vertically and horizontally (differentiable). */
export function rotate180(k: Tensor): Tensor {
  if (!(k instanceof Tensor) || k.rank !== 4) {
    throw new ShapeError(
      `convolve2d: expected kernel [fH,fW,inC,outC], got ${k instanceof Tensor ? fmtShape(k.shape) : typeof k}`,
    );
  }
  return reverse(k, [0, 1]);
}

/** Convolution as in the maths textbooks: conv2d(x, rotate180(k), opts); same shapes and options as ops.conv2d. */
export function convolve2d(x: Tensor, k: Tensor, opts: ConvOptions = {}): Tensor {
  return conv2d(x, rotate180(k), opts);
}
