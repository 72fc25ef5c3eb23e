import { describe, it, expect } from 'vitest';
import { zoo, layers, model, tensor, ValueError } from '../../src/index';

// The notes' GoogLeNet table: multiply-adds ("ops") per inception module, in millions.
const NOTES_OPS: Record<string, number> = {
  '3a': 128,
  '3b': 304,
  '4a': 73,
  '4b': 88,
  '4c': 100,
  '4d': 119,
  '4e': 170,
  '5a': 54,
  '5b': 71,
};
const NOTES_OUT: Record<string, number[]> = {
  '3a': [28, 28, 256],
  '3b': [28, 28, 480],
  '4a': [14, 14, 512],
  '4b': [14, 14, 512],
  '4c': [14, 14, 512],
  '4d': [14, 14, 528],
  '4e': [14, 14, 832],
  '5a': [7, 7, 832],
  '5b': [7, 7, 1024],
};

describe('zoo.inceptionModule', () => {
  it("the notes' bottleneck example: 120M multiplies direct, 12.4M with a 16-channel 1x1", () => {
    const x = layers.input({ shape: [28, 28, 192] });
    const direct = model({
      inputs: x,
      outputs: layers.conv2d({ filters: 32, kernelSize: 5, padding: 'same' }).apply(x),
    });
    expect(direct.summary({ print: false }).totals.macs).toBe(5 * 5 * 192 * 28 * 28 * 32);
    expect(direct.summary({ print: false }).totals.macs / 1e6).toBeCloseTo(120.4, 1);
    const reduced = layers.conv2d({ filters: 16, kernelSize: 1 }).apply(x);
    const bottleneck = model({
      inputs: x,
      outputs: layers.conv2d({ filters: 32, kernelSize: 5, padding: 'same' }).apply(reduced),
    });
    const rows = bottleneck.summary({ print: false }).rows;
    expect(rows[1].macs / 1e6).toBeCloseTo(2.4, 1);
    expect(rows[2].macs / 1e6).toBeCloseTo(10.0, 1);
    expect(bottleneck.summary({ print: false }).totals.macs / 1e6).toBeCloseTo(12.4, 1);
  });

  it('concatenates the four branches and matches a hand-built module', () => {
    const x = layers.input({ shape: [6, 5, 3] });
    const y = zoo.inceptionModule(x, {
      filters1x1: 2,
      filters3x3Reduce: 3,
      filters3x3: 4,
      filters5x5Reduce: 1,
      filters5x5: 2,
      poolProj: 3,
      name: 'mod',
    });
    expect(y.shape).toEqual([null, 6, 5, 11]);
    const m = model({ inputs: x, outputs: y, seed: 9 });
    const inner = m.getLayer('mod') as ReturnType<typeof model>;
    const xv = tensor(
      new Float32Array(2 * 6 * 5 * 3).map((_, i) => Math.sin(i * 0.7)),
      [2, 6, 5, 3],
    );
    const out = m.predict(xv);
    // the 1x1 branch is the first 2 channels: relu(x . w + b)
    const [w, b] = inner.getLayer('mod_1x1').getWeights();
    for (let p = 0; p < 60; p++) {
      for (let o = 0; o < 2; o++) {
        let s = b.data[o];
        for (let c = 0; c < 3; c++) s += xv.data[p * 3 + c] * w.data[c * 2 + o];
        expect(out.data[p * 11 + o]).toBeCloseTo(Math.max(s, 0), 5);
      }
    }
    // the pool branch is the last 3 channels, all >= 0 after relu
    expect(inner.getLayer('mod_pool').className).toBe('MaxPooling2D');
    expect(() => zoo.inceptionModule(x, { filters1x1: 2 } as never)).toThrow(ValueError);
  });
});

describe('zoo.googlenet', () => {
  it("reproduces the notes' table: per-module output shapes and multiply-adds", () => {
    const s = zoo.googlenet().summary({ print: false });
    for (const [id, opsM] of Object.entries(NOTES_OPS)) {
      const row = s.rows.find((r) => r.name === `inception_${id}`)!;
      expect(row.outputShape.slice(1)).toEqual(NOTES_OUT[id]);
      // the figure computed from the filters
      const [, a, r3, n3, r5, n5, pp] = zoo.GOOGLENET_MODULES.find((m) => m[0] === id)!;
      const [h, w] = NOTES_OUT[id];
      const c = s.rows[s.rows.indexOf(row) - 1].outputShape[3]!;
      expect(row.macs).toBe(h * w * (c * (a + r3 + r5 + pp) + 9 * r3 * n3 + 25 * r5 * n5));
      if (id === '5a') {
        // the table prints 54M; the filters cost 51.1M
        expect(row.macs / 1e6).toBeCloseTo(51.1, 1);
      } else {
        expect(Math.abs(row.macs / 1e6 - opsM) / opsM).toBeLessThan(0.01);
      }
    }
    expect(s.rows.find((r) => r.name === 'conv2_3x3')!.outputShape).toEqual([null, 56, 56, 192]);
    expect(s.rows.find((r) => r.name === 'predictions')!.params).toBe(1_025_000);
  });

  it('adds two side classifiers on request', () => {
    const m = zoo.googlenet({ auxiliaryClassifiers: true, classes: 10 });
    expect(m.outputs.map((o) => o.layer.name)).toEqual(['predictions', 'aux1_predictions', 'aux2_predictions']);
    expect(m.getLayer('aux1_pool').inboundNodes[0].outputs[0].shape).toEqual([null, 4, 4, 512]);
  });
});
