import { describe, it, expect } from 'vitest';
import { layers, ops, tensor, backend, Sequential, optimizers, Tensor } from '../../src/index';

describe('training small problems to near-zero loss', () => {
  it('an MLP learns XOR (sigmoid output, binaryCrossentropy)', async () => {
    backend.use('wasm-simd');
    const x = tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tensor([[0], [1], [1], [0]]);
    const m = new Sequential(
      [
        layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
        layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
      { seed: 1 },
    );
    m.compile({
      optimizer: optimizers.adam({ learningRate: 0.05 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await m.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0 });
    expect(h.history.loss[299]).toBeLessThan(0.02);
    expect(h.history.accuracy[299]).toBe(1);
    const p = m.predict(x).data;
    expect(p[0]).toBeLessThan(0.05);
    expect(p[1]).toBeGreaterThan(0.95);
    expect(p[2]).toBeGreaterThan(0.95);
    expect(p[3]).toBeLessThan(0.05);
  });

  it('a linear model fits y = 2a - 3b + 1 with SGD + momentum (meanSquaredError)', async () => {
    const g = ops.rng(3);
    const n = 64;
    const xs = new Float32Array(n * 2).map(() => g.next() * 2 - 1);
    const ys = new Float32Array(n).map((_, i) => 2 * xs[2 * i] - 3 * xs[2 * i + 1] + 1);
    const m = new Sequential([layers.dense({ units: 1, inputShape: [2] })], { seed: 2 });
    m.compile({
      optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
      loss: 'meanSquaredError',
    });
    await m.fit(tensor(xs, [n, 2]), tensor(ys, [n, 1]), { epochs: 40, batchSize: 16, verbose: 0, seed: 1 });
    const [k, b] = m.getWeights();
    expect(k.data[0]).toBeCloseTo(2, 3);
    expect(k.data[1]).toBeCloseTo(-3, 3);
    expect(b.data[0]).toBeCloseTo(1, 3);
  });

  it('a tiny conv net tells vertical from horizontal bars (softmax, sparse labels, rmsprop)', async () => {
    backend.use('wasm-simd');
    const g = ops.rng(5);
    const n = 48;
    const x = new Float32Array(n * 64);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const vertical = i % 2;
      const pos = 1 + Math.floor(g.next() * 6);
      for (let r = 0; r < 8; r++)
        for (let c = 0; c < 8; c++) {
          const on = vertical ? c === pos : r === pos;
          x[i * 64 + r * 8 + c] = (on ? 1 : 0) + 0.1 * g.next();
        }
      labels.push(vertical);
    }
    const m = new Sequential(
      [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dense({ units: 2, activation: 'softmax' }),
      ],
      { seed: 3 },
    );
    m.compile({
      optimizer: optimizers.rmsprop({ learningRate: 0.01 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const xt = tensor(x, [n, 8, 8, 1]),
      yt = tensor(labels);
    const h = await m.fit(xt, yt, { epochs: 40, batchSize: 8, verbose: 0, seed: 2 });
    expect(h.history.loss[39]).toBeLessThan(0.05);
    expect(m.evaluate(xt, yt).accuracy).toBe(1);
  });

  it('separable blobs with batch normalization and dropout reach zero training error', async () => {
    const g = ops.rng(9);
    const n = 90;
    const x = new Float32Array(n * 2),
      labels: number[] = [];
    const centres = [
      [3, 0],
      [-3, 0],
      [0, 3],
    ];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      labels.push(c);
      x[2 * i] = centres[c][0] + 0.4 * g.normal();
      x[2 * i + 1] = centres[c][1] + 0.4 * g.normal();
    }
    const m = new Sequential(
      [
        layers.dense({ units: 16, inputShape: [2] }),
        layers.batchNormalization(),
        layers.activation({ activation: 'relu' }),
        layers.dropout({ rate: 0.1 }),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
      { seed: 4 },
    );
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const xt: Tensor = tensor(x, [n, 2]),
      yt = ops.oneHot(labels, 3);
    await m.fit(xt, yt, { epochs: 60, batchSize: 15, verbose: 0, seed: 3 });
    const { loss, accuracy } = m.evaluate(xt, yt);
    expect(accuracy).toBe(1);
    expect(loss).toBeLessThan(0.1);
  });
});
