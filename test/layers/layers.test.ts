import { describe, it, expect } from 'vitest';
import { layers, ops, tensor, backend, Tensor, ShapeError, ValueError, ModelFormatError } from '../../src/index';
import { BACKENDS } from '../helpers/backends';

const rand = (shape: number[], seed: number): Tensor => ops.randomUniform(shape, { min: -1, max: 1, seed });
const close = (a: Tensor, b: Tensor, tol = 1e-5): void => {
  expect(a.shape).toEqual(b.shape);
  for (let i = 0; i < a.size; i++)
    expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b.data[i])));
};

describe.each(BACKENDS)('conv and pooling layers on %s', (b) => {
  it('conv2d matches ops.conv2d + bias + activation and its computed output shape (stride, padding, dilation, odd sizes)', () => {
    backend.use(b);
    const cases = [
      {
        x: [2, 9, 7, 3],
        o: { filters: 5, kernelSize: 3, strides: 2, padding: 'same' as const, activation: 'relu' as const },
      },
      { x: [1, 8, 11, 2], o: { filters: 3, kernelSize: [2, 3], dilationRate: 2, activation: 'tanh' as const } },
      { x: [3, 6, 6, 1], o: { filters: 7, kernelSize: 1, padding: 1, useBias: false } },
    ];
    cases.forEach(({ x: shape, o }, k) => {
      const l = layers.conv2d({ ...o, seed: k });
      const x = rand(shape, 10 + k);
      const y = l.apply(x);
      const sym = l.computeOutputShape([null, ...shape.slice(1)]);
      expect(y.shape).toEqual([shape[0], ...sym.slice(1)]);
      let ref = ops.conv2d(x, l.weights[0], {
        strides: o.strides ?? 1,
        padding: o.padding ?? 'valid',
        dilation: o.dilationRate ?? 1,
      });
      if (l.weights[1]) ref = ops.add(ref, l.weights[1]);
      if (o.activation === 'relu') ref = ops.relu(ref);
      if (o.activation === 'tanh') ref = ops.tanh(ref);
      close(y, ref, 1e-4);
    });
  });

  it('conv1d, conv3d and depthwiseConv2d agree with their output shapes', () => {
    backend.use(b);
    const c1 = layers.conv1d({ filters: 4, kernelSize: 5, strides: 3, padding: 'same' });
    expect(c1.apply(rand([2, 14, 3], 1)).shape).toEqual([2, ...c1.computeOutputShape([null, 14, 3]).slice(1)]);
    const c3 = layers.conv3d({ filters: 2, kernelSize: 3, strides: [1, 2, 2] });
    expect(c3.apply(rand([1, 5, 7, 6, 2], 2)).shape).toEqual([1, 3, 3, 2, 2]);
    const dw = layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 });
    const x = rand([2, 7, 5, 3], 3);
    const y = dw.apply(x);
    expect(y.shape).toEqual([2, 4, 3, 6]);
    close(y, ops.add(ops.depthwiseConv2d(x, dw.weights[0], { strides: 2, padding: 'same' }), dw.weights[1]));
    expect(dw.countParams()).toBe(3 * 3 * 3 * 2 + 6);
  });

  it('pooling layers match the ops and their output shapes', () => {
    backend.use(b);
    const x = rand([2, 9, 7, 3], 4);
    const mp = layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
    close(mp.apply(x), ops.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }));
    expect(mp.apply(x).shape).toEqual([2, ...mp.computeOutputShape([null, 9, 7, 3]).slice(1)]);
    const ap = layers.averagePooling2d({ poolSize: [2, 3] });
    expect(ap.apply(x).shape).toEqual([2, 4, 2, 3]);
    close(ap.apply(x), ops.avgPool2d(x, { poolSize: [2, 3] }));
    expect(layers.maxPooling1d({ poolSize: 2 }).apply(rand([1, 9, 2], 5)).shape).toEqual([1, 4, 2]);
    expect(layers.averagePooling3d({ poolSize: 2 }).apply(rand([1, 4, 5, 4, 1], 6)).shape).toEqual([1, 2, 2, 2, 1]);
    expect(layers.maxPooling3d().apply(rand([1, 4, 4, 4, 2], 7)).shape).toEqual([1, 2, 2, 2, 2]);
    expect(layers.averagePooling1d({ poolSize: 3, strides: 1 }).apply(rand([1, 5, 2], 8)).shape).toEqual([1, 3, 2]);
    const g = layers.globalAveragePooling2d().apply(x);
    expect(g.shape).toEqual([2, 3]);
    close(g, ops.mean(x, [1, 2]));
  });
});

describe('layer parameters, configs and errors', () => {
  it("counts parameters as Keras does (notes' formula (f*f*nc+1)*n'c)", () => {
    const c = layers.conv2d({ filters: 10, kernelSize: 3 });
    c.apply(rand([1, 39, 39, 3], 1));
    expect(c.countParams()).toBe(280);
    const d = layers.dense({ units: 7, useBias: false });
    d.apply(rand([2, 5], 2));
    expect(d.countParams()).toBe(35);
    const bn = layers.batchNormalization();
    bn.apply(rand([2, 4, 4, 6], 3));
    expect(bn.countParams()).toBe(24);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.length).toBe(2);
  });

  it('rejects unknown options naming the layer', () => {
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, paddding: 'same' } as never)).toThrow(ValueError);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, paddding: 'same' } as never)).toThrow(
      /conv2d: unknown option 'paddding'/,
    );
    expect(() => layers.dense({ units: 2, activaton: 'relu' } as never)).toThrow(/dense: unknown option 'activaton'/);
    expect(() => layers.maxPooling2d({ pool: 2 } as never)).toThrow(/maxPooling2d: unknown option 'pool'/);
    expect(() => layers.dense({ units: 2, activation: 'swishy' as never })).toThrow(/unknown activation 'swishy'/);
    expect(() => layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(ValueError);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 1.5 })).toThrow(/strides/);
    expect(() => layers.dropout({ rate: 1 })).toThrow(ValueError);
  });

  it('rejects inputs of the wrong rank or channels, naming the layer and the shape', () => {
    const c = layers.conv2d({ filters: 2, kernelSize: 3, name: 'my_conv' });
    const e = (() => {
      try {
        c.apply(rand([28, 28], 1));
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ShapeError);
    expect(e!.message).toMatch(/'my_conv' \(Conv2D\): expected input of rank 4 \[N,H,W,C\], got shape \[28,28\]/);
    c.apply(rand([1, 5, 5, 3], 2));
    expect(() => c.apply(rand([1, 5, 5, 4], 3))).toThrow(/'my_conv' \(Conv2D\): expected axis -1 of the input to be 3/);
    const d = layers.dense({ units: 2, name: 'fc' });
    expect(() => d.apply(tensor([1, 2, 3]))).toThrow(/'fc' \(Dense\): expected input of rank >= 2/);
    expect(() => layers.conv2d({ filters: 1, kernelSize: 7 }).apply(rand([1, 5, 5, 1], 4))).toThrow(ShapeError);
  });

  it('seeded initialisers are reproducible and follow Keras ranges', () => {
    const a = layers.dense({ units: 50, seed: 9 }),
      b = layers.dense({ units: 50, seed: 9 });
    a.apply(rand([1, 40], 1));
    b.apply(rand([1, 40], 1));
    expect([...a.weights[0].data]).toEqual([...b.weights[0].data]);
    const limit = Math.sqrt(6 / (40 + 50));
    const k = a.weights[0].data;
    expect(Math.max(...k)).toBeLessThanOrEqual(limit);
    expect(Math.max(...k)).toBeGreaterThan(limit * 0.9);
    expect([...a.weights[1].data].every((v) => v === 0)).toBe(true);
    const he = layers.conv2d({
      filters: 64,
      kernelSize: 3,
      kernelInitializer: 'heNormal',
      biasInitializer: 'ones',
      seed: 2,
    });
    he.apply(rand([1, 5, 5, 16], 2));
    const w = he.weights[0].data;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(Math.sqrt(2 / 144) * 0.9);
    expect(std).toBeLessThan(Math.sqrt(2 / 144) * 1.1);
    expect([...he.weights[1].data].every((v) => v === 1)).toBe(true);
    const i = layers.initializers.glorotUniform({ seed: 4 });
    expect([...i.generate([3, 3], 1).data]).toEqual([...i.generate([3, 3], 2).data]);
  });

  it('batchNormalization: batch statistics in training, moving statistics (momentum 0.99) in inference', () => {
    const bn = layers.batchNormalization();
    const x = ops.add(ops.mul(rand([4, 3, 3, 2], 7), 3), 5);
    const y = bn.apply(x, { training: true });
    const c = 2,
      n = x.size / c;
    for (let ch = 0; ch < c; ch++) {
      let s = 0,
        s2 = 0,
        ys = 0,
        ys2 = 0;
      for (let i = ch; i < x.size; i += c) {
        s += x.data[i];
        s2 += x.data[i] ** 2;
        ys += y.data[i];
        ys2 += y.data[i] ** 2;
      }
      const mean = s / n,
        variance = s2 / n - mean * mean;
      expect(ys / n).toBeCloseTo(0, 4);
      expect(ys2 / n).toBeCloseTo(variance / (variance + 1e-3), 3);
      expect(bn.weights[2].data[ch]).toBeCloseTo(0.01 * mean, 5);
      expect(bn.weights[3].data[ch]).toBeCloseTo(0.99 + (0.01 * variance * n) / (n - 1), 5);
    }
    const inf = bn.apply(x);
    for (let i = 0; i < 6; i++) {
      const ch = i % c;
      const expected = (x.data[i] - bn.weights[2].data[ch]) / Math.sqrt(bn.weights[3].data[ch] + 1e-3);
      expect(inf.data[i]).toBeCloseTo(expected, 4);
    }
    const before = [...bn.weights[2].data];
    bn.apply(x, { training: false });
    expect([...bn.weights[2].data]).toEqual(before);
  });

  it('dropout is seeded, scales kept values by 1/(1-rate) and is the identity outside training', () => {
    const x = ops.add(ops.mul(rand([10, 100], 1), 0), 1);
    const a = layers.dropout({ rate: 0.3, seed: 11 }),
      b = layers.dropout({ rate: 0.3, seed: 11 });
    const ya = a.apply(x, { training: true }),
      yb = b.apply(x, { training: true });
    expect([...ya.data]).toEqual([...yb.data]);
    const kept = [...ya.data].filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(kept.length / x.size).toBeGreaterThan(0.6);
    expect(kept.length / x.size).toBeLessThan(0.8);
    expect([...a.apply(x, { training: true }).data]).not.toEqual([...ya.data]);
    expect(a.apply(x)).toBe(x);
  });

  it('add, concatenate and zeroPadding2d', () => {
    const p = rand([2, 3, 3, 2], 1),
      q = rand([2, 3, 3, 2], 2),
      r = rand([2, 3, 3, 5], 3);
    close(layers.add().apply([p, q]), ops.add(p, q));
    const cat = layers.concatenate().apply([p, r]);
    expect(cat.shape).toEqual([2, 3, 3, 7]);
    expect(cat.data[2]).toBe(r.data[0]);
    expect(() => layers.add({ name: 'sum' }).apply([p, r])).toThrow(/'sum' \(Add\): incompatible input shapes/);
    expect(() => layers.add().apply([p])).toThrow(ValueError);
    const z = layers
      .zeroPadding2d({
        padding: [
          [1, 0],
          [2, 1],
        ],
      })
      .apply(p);
    expect(z.shape).toEqual([2, 4, 6, 2]);
    expect(z.data[0]).toBe(0);
    expect(z.data[((0 * 4 + 1) * 6 + 2) * 2]).toBe(p.data[0]);
  });

  it('dense on rank 3 inputs, flatten and activation layers', () => {
    const d = layers.dense({ units: 4, activation: 'softmax' });
    const y = d.apply(rand([2, 3, 5], 1));
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.data[0] + y.data[1] + y.data[2] + y.data[3]).toBeCloseTo(1, 5);
    expect(layers.flatten().apply(rand([2, 3, 4, 5], 2)).shape).toEqual([2, 60]);
    const x = rand([3, 4], 3);
    close(layers.activation({ activation: 'sigmoid' }).apply(x), ops.sigmoid(x));
    const big = ops.mul(x, 10);
    const r6 = layers.reLU({ maxValue: 6 }).apply(big);
    for (let i = 0; i < big.size; i++) expect(r6.data[i]).toBeCloseTo(Math.min(Math.max(big.data[i], 0), 6), 5);
    expect([...r6.data].some((v) => v === 6) && [...r6.data].some((v) => v === 0)).toBe(true);
    close(layers.activation({ activation: 'relu6' }).apply(big), r6);
  });

  it('trainable = false freezes every variable of a layer', () => {
    const c = layers.conv2d({ filters: 2, kernelSize: 3 });
    c.apply(rand([1, 4, 4, 1], 1));
    c.trainable = false;
    expect(c.trainableWeights).toEqual([]);
    expect(c.weights.every((w) => !w.trainable)).toBe(true);
    c.trainable = true;
    expect(c.trainableWeights.length).toBe(2);
  });

  it('getConfig uses Keras class names and keys, and fromConfig rebuilds the layer', () => {
    const all = [
      layers.conv2d({
        filters: 4,
        kernelSize: [3, 5],
        strides: 2,
        padding: 'same',
        activation: 'relu',
        inputShape: [8, 8, 3],
      }),
      layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 2 }),
      layers.conv3d({ filters: 2, kernelSize: 2, useBias: false, kernelInitializer: 'heNormal' }),
      layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
      layers.maxPooling2d({ poolSize: 3, strides: 1 }),
      layers.averagePooling1d(),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 3, activation: 'sigmoid' }),
      layers.flatten(),
      layers.activation({ activation: 'tanh' }),
      layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
      layers.dropout({ rate: 0.5, seed: 3 }),
      layers.add(),
      layers.concatenate({ axis: 2 }),
      layers.zeroPadding2d({ padding: 2 }),
      layers.reLU({ maxValue: 6 }),
      layers.reLU(),
    ];
    const c = layers.serialize(all[0]);
    expect(c.class_name).toBe('Conv2D');
    expect(c.config).toMatchObject({
      filters: 4,
      kernel_size: [3, 5],
      strides: [2, 2],
      padding: 'same',
      activation: 'relu',
      use_bias: true,
      dilation_rate: [1, 1],
      data_format: 'channels_last',
      batch_input_shape: [null, 8, 8, 3],
      kernel_initializer: { class_name: 'GlorotUniform' },
    });
    for (const l of all) {
      const again = layers.fromConfig(JSON.parse(JSON.stringify(layers.serialize(l))));
      expect(again.className).toBe(l.className);
      expect(again.getConfig()).toEqual(l.getConfig());
    }
    expect(() => layers.fromConfig({ class_name: 'Conv9D', config: {} })).toThrow(ModelFormatError);
    expect(() =>
      layers.fromConfig({ class_name: 'Dense', config: { units: 2, data_format: 'channels_first' } }),
    ).toThrow(ModelFormatError);
  });
});
