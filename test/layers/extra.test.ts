import { describe, it, expect } from 'vitest';
import { layers, tensor, grad, ops, ValueError, ShapeError } from '../../src/index';

const xs = [-3, -0.5, 0, 0.25, 5.5, 6, 7.5, 100];

describe('layers.reLU / layers.leakyReLU (Keras ReLU, LeakyReLU)', () => {
  it('ReLU6 clips to [0, 6] and passes gradient only inside', () => {
    const l = layers.reLU({ maxValue: 6 });
    const x = tensor(xs, [1, 8]);
    expect(Array.from(l.apply(x).data)).toEqual(xs.map((v) => Math.min(Math.max(v, 0), 6)));
    const g = grad((t) => ops.sum(l.apply(t)))(x);
    expect(Array.from(g.data)).toEqual([0, 0, 0, 1, 1, g.data[5], 0, 0]);
  });

  it('negativeSlope with and without a cap; plain ReLU; LeakyReLU default alpha 0.3', () => {
    const x = tensor(xs, [2, 4]);
    const capped = layers.reLU({ negativeSlope: 0.1, maxValue: 4 }).apply(x);
    expect(Array.from(capped.data)).toEqual(xs.map((v) => Math.fround(Math.min(v > 0 ? v : 0.1 * v, 4))));
    expect(Array.from(layers.reLU().apply(x).data)).toEqual(xs.map((v) => Math.max(v, 0)));
    expect(Array.from(layers.leakyReLU().apply(x).data)).toEqual(xs.map((v) => Math.fround(v > 0 ? v : 0.3 * v)));
  });

  it('round-trips through the Keras config registry', () => {
    const l = layers.fromConfig({
      class_name: 'ReLU',
      config: { name: 'r6', max_value: 6, negative_slope: 0, threshold: 0, trainable: false },
    });
    expect(l.className).toBe('ReLU');
    expect(l.name).toBe('r6');
    expect(l.getConfig()).toMatchObject({ name: 'r6', max_value: 6, negative_slope: 0, threshold: 0 });
    const k = layers.fromConfig({ class_name: 'LeakyReLU', config: { name: 'lk', alpha: 0.2 } });
    expect(Array.from(k.apply(tensor([[-1, 1]])).data)).toEqual([Math.fround(-0.2), 1]);
  });

  it('rejects bad options', () => {
    expect(() => layers.reLU({ maxValue: -1 })).toThrow(ValueError);
    expect(() => layers.reLU({ threshold: 0.5 })).toThrow(/only threshold 0/);
    expect(() => layers.reLU({ max_value: 6 } as never)).toThrow(/unknown option 'max_value'/);
    expect(() => layers.leakyReLU({ alpha: -0.1 })).toThrow(ValueError);
  });
});

describe('layers.multiply / layers.subtract symbolic shapes', () => {
  it('keep the unknown batch when one input broadcasts ([N,H,W,C] by [N,1,1,C]) and refuse clashing sizes', () => {
    const x = layers.input({ shape: [7, 9, 6] });
    const g = layers.globalAveragePooling2d({ keepdims: true }).apply(x);
    expect(g.shape).toEqual([null, 1, 1, 6]);
    expect(layers.multiply().apply([x, g]).shape).toEqual([null, 7, 9, 6]);
    expect(layers.subtract().apply([g, x]).shape).toEqual([null, 7, 9, 6]);
    const y = layers.input({ shape: [5, 9, 6] });
    expect(() => layers.multiply().apply([x, y])).toThrow(ShapeError);
  });
});
