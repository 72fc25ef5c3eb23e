// Grouped 2D convolution (Keras Conv2D's `groups`, ONNX Conv's `group`): the channels split into
// `groups` independent convolutions whose outputs are concatenated. Built from slice, conv2d and
// concat, so its gradient comes from theirs; groups equal to the channel count should use
// depthwiseConv2d instead, which has its own kernel.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor } from './util';
import { conv2d, ConvOptions } from './conv';
import { slice, concat } from './shape';
import { add, activation } from './eltwise';

/** Grouped convolution: x [N,H,W,C], w [fH,fW,C/groups,outC] with outC divisible by groups → [N,outH,outW,outC]. */
export function groupConv2d(x: Tensor, w: Tensor, groups: number, opts: ConvOptions = {}): Tensor {
  checkTensor(x, 'groupConv2d', 'input');
  checkTensor(w, 'groupConv2d', 'filter');
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(`groupConv2d: groups must be a positive integer, got ${groups}`);
  if (groups === 1) return conv2d(x, w, opts);
  const c = x.shape[x.rank - 1],
    outC = w.shape[3];
  if (x.rank !== 4 || w.rank !== 4 || c % groups !== 0 || outC % groups !== 0 || w.shape[2] !== c / groups) {
    throw new ShapeError(
      `groupConv2d: with ${groups} groups expected input [N,H,W,C] and filter [fH,fW,C/${groups},outC] with C and outC divisible by ${groups}, got input ${fmtShape(x.shape)}, filter ${fmtShape(w.shape)}`,
    );
  }
  const { bias, activation: act, ...geometry } = opts;
  const ci = c / groups,
    co = outC / groups;
  const parts: Tensor[] = [];
  for (let g = 0; g < groups; g++) {
    const xg = slice(x, [0, 0, 0, g * ci], [-1, -1, -1, ci]);
    const wg = slice(w, [0, 0, 0, g * co], [-1, -1, -1, co]);
    parts.push(conv2d(xg, wg, geometry));
  }
  const y = concat(parts, 3);
  return activation(bias ? add(y, bias) : y, act ?? 'linear');
}
