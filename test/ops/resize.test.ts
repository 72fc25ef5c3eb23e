import { it, expect, beforeAll, describe } from 'vitest';
import { ops, init, tensor } from '../../src';
import { rand, gradcheck } from '../helpers/gradcheck';
import { expectClose } from '../helpers/close';

beforeAll(async () => {
  await init();
});

// a 1x2x3x1 image: rows [1 2 3] and [4 5 6]
const img = tensor([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);

describe('resize2d', () => {
  it('nearest x2 with asymmetric/floor repeats pixels (Keras UpSampling2D, PyTorch nearest)', () => {
    const y = ops.resize2d(img, {
      size: [4, 6],
      interpolation: 'nearest',
      coordinateTransformation: 'asymmetric',
      nearestMode: 'floor',
    });
    expect(Array.from(y.data.slice(0, 12))).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
  });
  it('bilinear half_pixel x2 interpolates at pixel centres (TF, PyTorch align_corners=False)', () => {
    const y = ops.resize2d(tensor([0, 4], [1, 1, 2, 1]), { size: [1, 4] });
    // source x = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]
    expectClose(y.data, [0, 1, 3, 4], 1e-6, 0);
  });
  it('align_corners keeps the corners', () => {
    const y = ops.resize2d(tensor([0, 4], [1, 1, 2, 1]), { size: [1, 3], coordinateTransformation: 'align_corners' });
    expectClose(y.data, [0, 2, 4], 1e-6, 0);
  });
  it('nearest rounding modes differ at .5', () => {
    const x = tensor([10, 20], [1, 1, 2, 1]);
    const at = (nearestMode: ops.NearestMode) =>
      Array.from(
        ops.resize2d(x, {
          size: [1, 4],
          interpolation: 'nearest',
          coordinateTransformation: 'asymmetric',
          scale: [1, 4],
          nearestMode,
        }).data,
      );
    // source x = 0, 0.25, 0.5, 0.75
    expect(at('round_prefer_floor')).toEqual([10, 10, 10, 20]);
    expect(at('round_prefer_ceil')).toEqual([10, 10, 20, 20]);
    expect(at('floor')).toEqual([10, 10, 10, 10]);
    expect(at('ceil')).toEqual([10, 20, 20, 20]);
  });
  it.each(['nearest', 'bilinear'] as const)(
    '%s gradients match finite differences (downsampling and upsampling)',
    (interpolation) => {
      gradcheck(
        (x) => ops.resize2d(x, { size: [5, 2], interpolation, coordinateTransformation: 'pytorch_half_pixel' }),
        [rand([2, 3, 4, 2], 1)],
      );
    },
  );
  it('rejects bad sizes and modes', () => {
    expect(() => ops.resize2d(img, { size: [0, 2] })).toThrow(/size/);
    expect(() => ops.resize2d(img, { size: [2, 2], coordinateTransformation: 'nope' as never })).toThrow(
      /coordinateTransformation/,
    );
  });
});

describe('hard activations', () => {
  it('hardSigmoid and hardSwish follow relu6(x + 3) / 6', () => {
    const x = tensor([-4, -3, -1, 0, 1.5, 3, 5]);
    expectClose(ops.hardSigmoid(x).data, [0, 0, 2 / 6, 0.5, 4.5 / 6, 1, 1], 1e-6, 0);
    expectClose(ops.hardSwish(x).data, [0, 0, -2 / 6, 0, (1.5 * 4.5) / 6, 3, 5], 1e-6, 0);
  });
  it('gradients match finite differences away from the kinks', () => {
    const x = tensor([-4.5, -2.2, -0.7, 0.4, 2.1, 4.4]);
    gradcheck((v) => ops.hardSigmoid(v), [x]);
    gradcheck((v) => ops.hardSwish(v), [x]);
  });
});
