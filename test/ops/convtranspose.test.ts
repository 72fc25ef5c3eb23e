import { it, expect, beforeAll } from 'vitest';
import { ops, init, Tensor } from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

/** Transposed convolution by its definition: every input cell scatters its filter-weighted value. */
function refConvTranspose(x: Tensor, w: Tensor, s: number[], d: number[], pads: number[], outPad: number[]): Tensor {
  const [n, h, wd, ci] = x.shape,
    [fh, fw, co] = w.shape;
  const oh = (h - 1) * s[0] + (fh - 1) * d[0] + 1 - pads[0] - pads[1] + outPad[0];
  const ow = (wd - 1) * s[1] + (fw - 1) * d[1] + 1 - pads[2] - pads[3] + outPad[1];
  const y = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < wd; j++)
        for (let c = 0; c < ci; c++) {
          const v = x.data[((b * h + i) * wd + j) * ci + c];
          for (let p = 0; p < fh; p++)
            for (let q = 0; q < fw; q++) {
              const oy = i * s[0] + p * d[0] - pads[0],
                ox = j * s[1] + q * d[1] - pads[2];
              if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
              for (let o = 0; o < co; o++)
                y[((b * oh + oy) * ow + ox) * co + o] += v * w.data[((p * fw + q) * co + o) * ci + c];
            }
        }
  return new Tensor(Float32Array.from(y), [n, oh, ow, co]);
}

beforeAll(async () => {
  await init();
});

const CASES = [
  { x: [1, 3, 4, 2], w: [3, 3, 5, 2], s: [1, 1], d: [1, 1], pads: [0, 0, 0, 0], outPad: [0, 0] },
  { x: [2, 5, 3, 3], w: [3, 2, 4, 3], s: [2, 2], d: [1, 1], pads: [1, 1, 0, 1], outPad: [1, 0] },
  { x: [2, 4, 5, 5], w: [2, 3, 7, 5], s: [3, 2], d: [1, 2], pads: [0, 1, 2, 0], outPad: [2, 1] },
  { x: [1, 6, 7, 1], w: [1, 1, 3, 1], s: [2, 3], d: [1, 1], pads: [0, 0, 0, 0], outPad: [1, 2] },
];

describeEachBackend('conv2dTranspose', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('case %i matches the scatter definition', (i, c) => {
    const x = rand(c.x, 10 + i),
      w = rand(c.w, 20 + i),
      bias = rand([c.w[2]], 30 + i);
    const y = ops.conv2dTranspose(x, w, {
      strides: c.s,
      dilation: c.d,
      padding: c.pads,
      outputPadding: c.outPad,
      bias,
    });
    const want = ops.add(refConvTranspose(x, w, c.s, c.d, c.pads, c.outPad), bias);
    expect(y.shape).toEqual(want.shape);
    expectClose(y.data, want.data, 1e-5, 1e-5);
  });
  it("'same' padding gives input · stride", () => {
    const y = ops.conv2dTranspose(rand([1, 5, 4, 2], 1), rand([3, 3, 3, 2], 2), { strides: 2, padding: 'same' });
    expect(y.shape).toEqual([1, 10, 8, 3]);
  });
  it('gradients match finite differences (input, filter, bias)', () => {
    const c = CASES[1];
    gradcheck(
      (x, w, b) => ops.conv2dTranspose(x, w, { strides: c.s, padding: c.pads, outputPadding: c.outPad, bias: b }),
      [rand([1, 3, 2, 3], 3), rand(c.w, 4), rand([c.w[2]], 5)],
    );
  });
  it('rejects mismatched channels and bad output padding with the shapes', () => {
    expect(() => ops.conv2dTranspose(rand([1, 3, 3, 2], 1), rand([3, 3, 4, 5], 2))).toThrow(
      /2 channels but filter expects 5/,
    );
    expect(() => ops.conv2dTranspose(rand([1, 3, 3, 2], 1), rand([3, 3, 4, 2], 2), { outputPadding: 1 })).toThrow(
      /outputPadding/,
    );
  });
});
