import { describe, it, expect, vi } from 'vitest';
import { zoo, tensor, backend, optimizers, ValueError } from '../../src/index';
import { loadDigits } from '../helpers/mnist';

// The notes' LeNet-5 table: activation shape, activation size and parameters per component.
const NOTES_TABLE: [string, number[], number, number][] = [
  ['conv1', [28, 28, 6], 4704, 156],
  ['pool1', [14, 14, 6], 1176, 0],
  ['conv2', [10, 10, 16], 1600, 2416],
  ['pool2', [5, 5, 16], 400, 0],
  ['fc3', [120], 120, 48120],
  ['fc4', [84], 84, 10164],
  ['output', [10], 10, 850],
];

describe('zoo.lenet5', () => {
  it("reproduces the notes' table: activation shapes, sizes and parameters", () => {
    const s = zoo.lenet5().summary({ print: false });
    for (const [name, shape, size, params] of NOTES_TABLE) {
      const row = s.rows.find((r) => r.name === name)!;
      expect(row.outputShape).toEqual([null, ...shape]);
      expect(row.outputShape.slice(1).reduce((a, d) => a! * d!, 1)).toBe(size);
      expect(row.params).toBe(params);
    }
    expect(s.rows.map((r) => r.type)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'MaxPooling2D',
      'Flatten',
      'Dense',
      'Dense',
      'Dense',
    ]);
  });

  it('counts params and multiply-adds exactly', () => {
    const s = zoo.lenet5().summary({ print: false });
    // conv: outH*outW*outC*fH*fW*inC; dense: in*out
    const macs = [28 * 28 * 6 * 25, 0, 10 * 10 * 16 * 25 * 6, 0, 0, 400 * 120, 120 * 84, 84 * 10];
    expect(s.rows.map((r) => r.macs)).toEqual(macs);
    expect(s.totals).toEqual({ params: 61706, trainableParams: 61706, nonTrainableParams: 0, macs: 416520 });
    expect(s.text).toContain('Total params: 61,706');
    expect(s.text).toContain('conv1 (Conv2D)');
  });

  it('prints the table when asked', () => {
    const lines: string[] = [];
    zoo.lenet5().summary({ print: (l) => lines.push(l) });
    expect(lines[0]).toBe('Model: "lenet5"');
    expect(lines.some((l) => l.includes('(None, 5, 5, 16)'))).toBe(true);
  });

  it('prints the table by default, as Keras and TF.js do, and still returns it', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const s = zoo.lenet5().summary();
      expect(log.mock.calls.map((c) => c[0]).join('\n')).toBe(s.text);
      expect(s.totals.params).toBe(61706);
      log.mockClear();
      zoo.lenet5().summary({ print: false });
      expect(log).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it('builds the 1998 variant with sigmoid and average pooling', () => {
    const m = zoo.lenet5({ activation: 'sigmoid', pooling: 'avg' });
    const s = m.summary({ print: false });
    expect(s.rows[1].type).toBe('AveragePooling2D');
    expect((m.getLayer('conv1').getConfig() as { activation: string }).activation).toBe('sigmoid');
    expect(s.totals.params).toBe(61706);
    // sigmoid activations are in (0, 1): the conv1 output of a random image has no zeros, unlike relu
    const x = tensor(
      new Float32Array(784).map((_, i) => Math.sin(i)),
      [1, 28, 28, 1],
    );
    const y = m.predict(x);
    expect(y.shape).toEqual([1, 10]);
    expect(y.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('rejects unknown options', () => {
    expect(() => zoo.lenet5({ pooling: 'min' as 'max' })).toThrow(ValueError);
    expect(() => zoo.lenet5({ activaton: 'relu' } as never)).toThrow(/lenet5: unknown option 'activaton'/);
  });

  it('is reproducible with a seed', () => {
    const a = zoo.lenet5({ seed: 5 }).getWeights(),
      b = zoo.lenet5({ seed: 5 }).getWeights(),
      c = zoo.lenet5({ seed: 6 }).getWeights();
    expect(a.map((t) => [...t.data])).toEqual(b.map((t) => [...t.data]));
    expect([...a[0].data]).not.toEqual([...c[0].data]);
  });

  it('learns 1,000 real MNIST digits to >= 90% on 500 held-out digits (wasm-simd)', async () => {
    backend.use('wasm-simd');
    const { train, test } = loadDigits(1000, 500, 1);
    const m = zoo.lenet5({ seed: 3 });
    m.compile({
      optimizer: optimizers.adam({ learningRate: 0.003 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await m.fit(train.x, train.y, { epochs: 8, batchSize: 32, seed: 1, verbose: 0 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0] / 4);
    const { accuracy } = m.evaluate(test.x, test.y);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    // predict agrees with evaluate's accuracy
    const p = m.predict(test.x, { batchSize: 128 });
    let hit = 0;
    test.labels.forEach((d, i) => {
      const row = [...p.data.subarray(i * 10, i * 10 + 10)];
      if (row.indexOf(Math.max(...row)) === d) hit++;
    });
    expect(hit / 500).toBeCloseTo(accuracy, 6);
  });
});
