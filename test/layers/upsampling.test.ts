import { describe, it, expect } from 'vitest';
import { layers, tensor, ValueError } from '../../src';

describe('UpSampling2D layer', () => {
  it('repeats rows and columns, and refuses an unknown interpolation', () => {
    const y = new layers.UpSampling2D({ size: [2, 3] }).apply(tensor([[[[1], [2]]]]));
    expect(y.shape).toEqual([1, 2, 6, 1]);
    expect(Array.from(y.data)).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
    expect(() => new layers.UpSampling2D({ interpolation: 'cubic' as never })).toThrow(ValueError);
  });
});
