import { describe, it, expect, beforeAll } from 'vitest';
import { init, layers, model, vision, ops, Tensor, noGrad, ShapeError, ValueError } from '../../src';

beforeAll(async () => {
  await init();
});

/** conv (tanh, smooth for finite differences) → conv → global average → dense logits. */
function net(h: number, w: number, seed = 4) {
  const inp = layers.input({ shape: [h, w, 3] });
  const a = layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', name: 'a' })
    .apply(inp);
  const b = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'b' }).apply(a);
  const g = layers.globalAveragePooling2d({ name: 'gap' }).apply(b);
  const out = layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(g);
  return model({ inputs: inp, outputs: out, seed });
}

describe('vision.saliency', () => {
  it('is |∂ logit / ∂ pixel| (max over channels) by central differences, and picks the top class', () => {
    const [h, w] = [9, 7];
    const m = net(h, w);
    const x = ops.randomUniform([1, h, w, 3], { min: -1, max: 1, seed: 3 });
    const logit = (t: Tensor, c: number) => noGrad(() => m.run([t], { logits: true })[0].data[c]);
    const probs = m.predict(x).data;
    const top = probs.indexOf(Math.max(...probs));
    const s = vision.saliency(m, x);
    expect(s.classIndex).toBe(top);
    expect(s.score).toBeCloseTo(logit(x, top), 5);
    for (const c of [0, 2]) {
      const e = vision.saliency(m, x, { classIndex: c });
      expect(e.map.shape).toEqual([h, w, 1]);
      for (let p = 0; p < h * w; p += 5) {
        let best = 0;
        for (let k = 0; k < 3; k++) {
          const up = new Tensor(new Float32Array(x.data), x.shape),
            dn = new Tensor(new Float32Array(x.data), x.shape);
          up.data[p * 3 + k] += 1e-2;
          dn.data[p * 3 + k] -= 1e-2;
          best = Math.max(best, Math.abs((logit(up, c) - logit(dn, c)) / 2e-2));
        }
        expect(Number.isFinite(e.raw.data[p])).toBe(true);
        expect(e.raw.data[p]).toBeCloseTo(best, 3);
      }
      expect(Math.max(...e.map.data)).toBeCloseTo(1, 5);
    }
  });
});

describe('vision.gradCam', () => {
  it('equals CAM (Zhou et al.) when global average pooling and one dense layer follow the layer', () => {
    const [h, w] = [10, 12];
    const m = net(h, w, 9);
    const x = ops.randomUniform([1, h, w, 3], { min: -1, max: 1, seed: 8 });
    const a = vision.activations(m, 'b', x);
    const [, ah, aw, c] = a.shape;
    const kernel = m.getLayer('out').weights[0].data; // [6, 3]
    for (const cls of [0, 1, 2]) {
      const g = vision.gradCam(m, 'b', x, { classIndex: cls });
      expect(g.raw.shape).toEqual([ah, aw, 1]);
      expect(g.map.shape).toEqual([h, w, 1]);
      for (let i = 0; i < ah * aw; i++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += (kernel[k * 3 + cls] / (ah * aw)) * a.data[i * c + k];
        expect(g.raw.data[i]).toBeCloseTo(Math.max(0, s), 5);
      }
    }
  });

  it('rejects bad input clearly', () => {
    const m = net(8, 8);
    const x = ops.randomUniform([8, 8, 3], { seed: 1 });
    expect(() => vision.gradCam(m, 'gap', x)).toThrow(/expected feature maps/);
    expect(() => vision.gradCam(m, 'nope', x)).toThrow(ValueError);
    expect(() => vision.saliency(m, x, { classIndex: 3 })).toThrow(/classIndex must be 0..2/);
    expect(() => vision.saliency(m, ops.randomUniform([2, 8, 8, 3]))).toThrow(ShapeError);
  });
});

describe('explanation pictures', () => {
  it('overlay, featureMaps and patchGrid draw what they are given', async () => {
    const m = net(16, 16);
    const x = ops.randomUniform([3, 16, 16, 3], { seed: 2 });
    const heat = new Tensor(
      Float32Array.from({ length: 16 }, (_, i) => i / 15),
      [4, 4, 1],
    );
    const img = new Tensor(new Float32Array(16 * 16 * 3).fill(100), [16, 16, 3]);
    const o = vision.overlay(img, heat, { alpha: 1 });
    expect(o.shape).toEqual([16, 16, 3]);
    expect(o.data[0]).toBeCloseTo(100, 0); // no heat: the image's gray
    expect(o.data[(15 * 16 + 15) * 3]).toBeGreaterThan(200); // full heat: red
    expect(o.data[(15 * 16 + 15) * 3 + 2]).toBeLessThan(30);
    const fm = vision.featureMaps(m, 'a', ops.slice(x, [0, 0, 0, 0], [1, 16, 16, 3]));
    expect(fm.rank).toBe(3);
    const units = await vision.topPatches(m, 'b', x, { k: 2, units: [0, 5] });
    const grid = vision.patchGrid(ops.mul(x, 255), units, { zoom: 2 });
    // 2 rows x 2 columns of cells as large as the field (15x15 clipped to 16) at zoom 2, 2 px apart
    const cell = Math.max(...units.flatMap((u) => u.patches.map((p) => p.height)));
    expect(grid.shape[0]).toBe(2 + 2 * (2 * cell + 2));
    expect(() => vision.patchGrid(x, [])).toThrow(ValueError);
  });
});
