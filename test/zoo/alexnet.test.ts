import { describe, it, expect } from 'vitest';
import { zoo, tensor, ValueError } from '../../src/index';

describe('zoo.alexnet', () => {
  it("has 62,378,344 parameters and the notes' activation shapes", () => {
    const s = zoo.alexnet({ kernelInitializer: 'zeros' }).summary({ print: false });
    expect(s.totals.params).toBe(62_378_344);
    const shape = (n: string) => s.rows.find((r) => r.name === n)!.outputShape;
    expect(shape('conv1')).toEqual([null, 55, 55, 96]);
    expect(shape('pool1')).toEqual([null, 27, 27, 96]);
    expect(shape('conv2')).toEqual([null, 27, 27, 256]);
    expect(shape('pool2')).toEqual([null, 13, 13, 256]);
    expect(shape('conv5')).toEqual([null, 13, 13, 256]);
    expect(shape('flatten')).toEqual([null, 9216]);
    expect(shape('predictions')).toEqual([null, 1000]);
    // conv1: 55*55*96 outputs, 11*11*3 multiply-adds each
    expect(s.rows.find((r) => r.name === 'conv1')!.macs).toBe(55 * 55 * 96 * 11 * 11 * 3);
  });

  it('runs on a small input with few classes', () => {
    const m = zoo.alexnet({ inputShape: [67, 67, 3], classes: 5, seed: 1 });
    // 67 -> conv 15 -> pool 7 -> pool 3 -> pool 1
    expect(m.summary({ print: false }).rows.find((r) => r.name === 'flatten')!.outputShape).toEqual([null, 256]);
    const y = m.predict(
      tensor(
        new Float32Array(2 * 67 * 67 * 3).map((_, i) => Math.cos(i)),
        [2, 67, 67, 3],
      ),
    );
    expect(y.shape).toEqual([2, 5]);
    expect(y.data[0] + y.data[1] + y.data[2] + y.data[3] + y.data[4]).toBeCloseTo(1, 5);
  });

  it('rejects bad options', () => {
    expect(() => zoo.alexnet({ clases: 10 } as never)).toThrow(/alexnet: unknown option 'clases'/);
    expect(() => zoo.alexnet({ inputShape: [227, 227] as never })).toThrow(ValueError);
    expect(() => zoo.alexnet({ classes: 0 })).toThrow(ValueError);
  });
});
