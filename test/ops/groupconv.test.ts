import { it, expect, beforeAll } from 'vitest';
import { ops, init, Tensor } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

/** Grouped convolution by its definition (valid padding, stride s): output channel o reads group ⌊o / (outC/g)⌋. */
function refGroup(x: Tensor, w: Tensor, g: number, s: number): Tensor {
  const [n, h, wd, c] = x.shape,
    [fh, fw, ci, co] = w.shape,
    per = co / g;
  const oh = Math.floor((h - fh) / s) + 1,
    ow = Math.floor((wd - fw) / s) + 1;
  const y = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          const grp = Math.floor(o / per);
          for (let p = 0; p < fh; p++)
            for (let q = 0; q < fw; q++)
              for (let k = 0; k < ci; k++) {
                acc +=
                  x.data[((b * h + i * s + p) * wd + j * s + q) * c + grp * ci + k] *
                  w.data[((p * fw + q) * ci + k) * co + o];
              }
          y[((b * oh + i) * ow + j) * co + o] = acc;
        }
  return new Tensor(y, [n, oh, ow, co]);
}

beforeAll(async () => {
  await init();
});

describeEachBackend('groupConv2d', () => {
  it.each([
    [2, 1, [2, 7, 6, 4], [3, 3, 2, 6]],
    [3, 2, [1, 9, 8, 9], [2, 3, 3, 3]],
    [4, 1, [2, 5, 5, 8], [1, 1, 2, 12]],
  ] as const)('%i groups, stride %i, input %j matches the definition', (g, s, xs, ws) => {
    const x = rand([...xs], g),
      w = rand([...ws], 10 + g);
    expectClose(ops.groupConv2d(x, w, g, { strides: s }).data, refGroup(x, w, g, s).data, 1e-5, 1e-5);
  });
  it('gradients match finite differences', () => {
    gradcheck(
      (x, w, b) => ops.groupConv2d(x, w, 2, { padding: [1, 0, 0, 1], bias: b }),
      [rand([1, 4, 3, 4], 1), rand([2, 2, 2, 4], 2), rand([4], 3)],
    );
  });
  it('rejects channels that do not divide into the groups', () => {
    expect(() => ops.groupConv2d(rand([1, 4, 4, 6], 1), rand([3, 3, 2, 6], 2), 4)).toThrow(/4 groups.*\[1,4,4,6\]/);
  });
});
