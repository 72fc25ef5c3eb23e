import { describe, it, expect } from 'vitest';
import { zoo, tensor, ValueError } from '../../src/index';

describe('zoo.vgg16', () => {
  it("has 138,357,544 parameters in the notes' [CONV 64]x2 ... layout", () => {
    const s = zoo.vgg16({ kernelInitializer: 'zeros' }).summary({ print: false });
    expect(s.totals.params).toBe(138_357_544);
    const convs = s.rows.filter((r) => r.type === 'Conv2D');
    expect(convs.length).toBe(13);
    expect(convs.map((r) => r.outputShape[3])).toEqual([64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]);
    const pools = s.rows.filter((r) => r.type === 'MaxPooling2D').map((r) => r.outputShape.slice(1));
    expect(pools).toEqual([
      [112, 112, 64],
      [56, 56, 128],
      [28, 28, 256],
      [14, 14, 512],
      [7, 7, 512],
    ]);
    // 16 layers with weights, as the name says
    expect(s.rows.filter((r) => r.params > 0).length).toBe(16);
    expect(s.rows.find((r) => r.name === 'fc1')!.params).toBe(7 * 7 * 512 * 4096 + 4096);
  });

  it('without the top it is a feature extractor (14,714,688 parameters, as Keras)', () => {
    const m = zoo.vgg16({ includeTop: false, kernelInitializer: 'zeros' });
    expect(m.summary({ print: false }).totals.params).toBe(14_714_688);
    expect(m.outputs[0].shape).toEqual([null, 7, 7, 512]);
    const small = zoo.vgg16({ includeTop: false, inputShape: [32, 32, 3], pooling: 'avg', seed: 3 });
    const y = small.predict(
      tensor(
        new Float32Array(32 * 32 * 3).map((_, i) => (i % 7) / 7),
        [1, 32, 32, 3],
      ),
    );
    expect(y.shape).toEqual([1, 512]);
    expect(y.data.some((v) => v > 0)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => zoo.vgg16({ pooling: 'max' } as never)).toThrow(ValueError);
    expect(() => zoo.vgg16({ includetop: false } as never)).toThrow(/unknown option 'includetop'/);
  });
});
