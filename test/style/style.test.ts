import { describe, it, expect, beforeAll } from 'vitest';
import { createRequire } from 'node:module';
import {
  init,
  backend,
  layers,
  model,
  style,
  ops,
  zoo,
  tensor,
  zeros,
  Tensor,
  valueAndGrads,
  noGrad,
  ShapeError,
  ValueError,
} from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';

beforeAll(async () => {
  await init();
});

/** A tiny seeded conv net: stride 2, 'same' and 'valid' padding, average pooling, smooth activations. */
function tinyNet(size: number, act: 'relu' | 'tanh' = 'relu') {
  const inp = layers.input({ shape: [size, size, 3] });
  let x = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: act, name: 'c1' }).apply(inp);
  x = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: act, name: 'c2' }).apply(x);
  x = layers.averagePooling2d({ poolSize: 2, strides: 1 }).apply(x);
  x = layers.conv2d({ filters: 10, kernelSize: 3, activation: act, name: 'c3' }).apply(x);
  return model({ inputs: inp, outputs: x, seed: 11 });
}

/** Smooth colour waves (content) and saturated diagonal stripes (style): different Gram matrices. */
function image(size: number, f: (y: number, x: number, c: number) => number): Tensor {
  const d = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) d[(y * size + x) * 3 + c] = f(y, x, c);
  return new Tensor(d, [size, size, 3]);
}
const waves = (n: number) => image(n, (y, x, c) => 128 + 100 * Math.sin((x + 2 * c) / 6) * Math.cos(y / 7));
const stripes = (n: number) => image(n, (y, x, c) => (((x + y) >> 1) % 3 === c ? 230 : 30));

describeEachBackend('style costs', () => {
  it('contentCost is the sum of squared differences', () => {
    const aC = tensor([
        [
          [1, 2],
          [3, -1],
        ],
      ]),
      aG = tensor([
        [
          [0, 4],
          [3, 1],
        ],
      ]);
    expect(style.contentCost(aC, aG).data[0]).toBeCloseTo(1 + 4 + 0 + 4, 5);
  });

  it('styleCost of one layer is ‖G(S) − G(G)‖² / (2·nH·nW·nC)²', () => {
    // aS: pixels (1,0) and (0,1) → G(S) = I; aG: (1,1) twice → G(G) = all 2; Σ diff² = 1+4+4+1 = 10, nH·nW·nC = 4.
    const aS = tensor([
        [
          [1, 0],
          [0, 1],
        ],
      ]),
      aG = tensor([
        [
          [1, 1],
          [1, 1],
        ],
      ]);
    expectClose(style.gramMatrix(aS).data, [1, 0, 0, 1]);
    expect(style.styleCost(aS, aG).data[0]).toBeCloseTo(10 / 64, 6);
    // batched [1,H,W,C] gives the same
    expect(style.styleCost(ops.reshape(aS, [1, 1, 2, 2]), ops.reshape(aG, [1, 1, 2, 2])).data[0]).toBeCloseTo(
      10 / 64,
      6,
    );
  });

  it('styleCost of several layers is Σ λ[l]·J[l]; totalCost and totalVariation follow their formulas', () => {
    const aS = tensor([
        [
          [1, 0],
          [0, 1],
        ],
      ]),
      aG = tensor([
        [
          [1, 1],
          [1, 1],
        ],
      ]);
    // second layer: G(S) = 9, G(G) = 1 → 64 / (2·1)² = 16
    const aS2 = tensor([[[3]]]),
      aG2 = tensor([[[1]]]);
    const j = style.styleCost([
      { aS, aG, weight: 0.25 },
      { aS: aS2, aG: aG2, weight: 0.75 },
    ]);
    expect(j.data[0]).toBeCloseTo(0.25 * (10 / 64) + 0.75 * 16, 5);
    expect(style.styleCost([{ aS: aS2, aG: aG2 }]).data[0]).toBeCloseTo(16, 5);
    expect(style.totalCost(tensor(5), tensor(10 / 64)).data[0]).toBeCloseTo(10 * 5 + 40 * (10 / 64), 4);
    expect(style.totalCost(tensor(5), tensor(2), 1, 3).data[0]).toBeCloseTo(11, 5);
    // [[1,2],[4,8]]: vertical (4-1)² + (8-2)² = 45, horizontal (2-1)² + (8-4)² = 17
    expect(
      style.totalVariation(
        tensor([
          [[1], [2]],
          [[4], [8]],
        ]),
      ).data[0],
    ).toBeCloseTo(62, 5);
  });

  it('dJ/dpixels through a conv net matches central differences', () => {
    const net = tinyNet(8, 'tanh');
    const ex = style.featureExtractor(net, ['c3', 'c1', 'c2']);
    const pre = (x: Tensor) => ops.mul(x, 1 / 255);
    const C = ops.randomUniform([1, 8, 8, 3], { min: 0, max: 255, seed: 1 });
    const S = ops.randomUniform([1, 8, 8, 3], { min: 0, max: 255, seed: 2 });
    const G = ops.randomUniform([1, 8, 8, 3], { min: 0, max: 255, seed: 3 });
    const aC = noGrad(() => ex.run([pre(C)])[0]);
    const aS = noGrad(() => ex.run([pre(S)]));
    const J = (): Tensor => {
      const f = ex.run([pre(G)]);
      const js = style.styleCost([
        { aS: aS[1], aG: f[1], weight: 0.5 },
        { aS: aS[2], aG: f[2], weight: 0.5 },
      ]);
      return ops.add(
        style.totalCost(style.contentCost(aC, f[0]), js, 1e-2, 100),
        ops.mul(style.totalVariation(G), 1e-6),
      );
    };
    const g = valueAndGrads(J, [G]).grads[0].data;
    const gmax = g.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    expect(gmax).toBeGreaterThan(0);
    const eps = 0.25;
    for (let i = 0; i < G.size; i += 5) {
      const v = G.data[i];
      G.data[i] = v + eps;
      const jp = noGrad(J).data[0];
      G.data[i] = v - eps;
      const jm = noGrad(J).data[0];
      G.data[i] = v;
      const num = (jp - jm) / (2 * eps);
      if (Math.abs(num - g[i]) > 2e-3 * gmax + 2e-2 * Math.abs(num))
        throw new Error(`pixel ${i}: analytic ${g[i]}, numeric ${num} (max |g| ${gmax})`);
    }
  });

  it('rejects mismatched or malformed activations with typed errors', () => {
    expect(() => style.contentCost(tensor([[[1, 2]]]), tensor([[[1, 2, 3]]]))).toThrow(ShapeError);
    expect(() => style.contentCost(tensor([[[1, 2]]]), tensor([[[1, 2, 3]]]))).toThrow(
      /contentCost: aC and aG must have the same shape, got \[1,1,2\] and \[1,1,3\]/,
    );
    expect(() => style.styleCost(tensor([1, 2]), tensor([1, 2]))).toThrow(
      /styleCost: expected aS \[H,W,C\] or \[N,H,W,C\], got \[2\]/,
    );
    expect(() => style.styleCost(tensor([[[1, 2]]]), tensor([[[1], [2]]]))).toThrow(ShapeError);
    expect(() => style.styleCost([])).toThrow(ValueError);
    expect(() => style.styleCost([{ aS: tensor([[[1]]]), aG: tensor([[[1]]]), weight: NaN }])).toThrow(
      /term 0 has weight NaN/,
    );
    expect(() => style.totalVariation(tensor([1, 2, 3]))).toThrow(ShapeError);
  });
});

describe('style.layerWeights and default layers', () => {
  it('normalises λ to sum to 1', () => {
    expect(style.layerWeights(['a', 'b', 'c', 'd', 'e']).map((l) => l.weight)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(style.layerWeights(['a', 'b'], [1, 3])).toEqual([
      { name: 'a', weight: 0.25 },
      { name: 'b', weight: 0.75 },
    ]);
    expect(() => style.layerWeights([])).toThrow(ValueError);
    expect(() => style.layerWeights(['a'], [1, 2])).toThrow(/1 layer names but 2 weights/);
    expect(() => style.layerWeights(['a'], [-1])).toThrow(ValueError);
  });

  it("the documented MobileNetV2 layers exist in nsfwjs's model, and are found by name", () => {
    const require = createRequire(import.meta.url);
    const m = require('../../node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js');
    const topo = m.modelTopology.model_config ?? m.modelTopology;
    const names = new Set((topo.config.layers as { name: string }[]).map((l) => l.name));
    const d = style.DEFAULT_LAYERS.mobilenetV2;
    for (const n of [d.contentLayer, ...d.styleLayers.map((s) => s.name)]) expect(names.has(n), n).toBe(true);
    expect(() => style.defaultLayers(tinyNet(8))).toThrow(/is not InceptionV3, MobileNetV2 or VGG/);
  });

  it("recognises a Keras-named VGG-16 (Sequential) and feeds it 'caffe' pixels (BGR minus ImageNet means) by default", async () => {
    const vgg = zoo.vgg16({ includeTop: false, inputShape: [32, 32, 3], seed: 3 });
    expect(style.defaultLayers(vgg)).toBe(style.DEFAULT_LAYERS.vgg);
    const content = waves(32),
      st = stripes(32);
    const first = async (preprocess?: (x: Tensor) => Tensor) => {
      let j = 0;
      await style.transfer({
        model: vgg,
        content,
        style: st,
        steps: 1,
        preprocess,
        onStep: (s) => {
          j = s.Jstyle;
        },
      });
      return j;
    };
    const mean = tensor([103.939, 116.779, 123.68]);
    const byDefault = await first();
    expect(byDefault).toBeGreaterThan(0);
    expect(byDefault).toBeCloseTo(await first((x) => ops.sub(ops.reverse(x, -1), mean)), 10);
    expect(Math.abs(byDefault - (await first((x) => ops.mul(x, 1 / 255))))).toBeGreaterThan(1e-3 * byDefault);
  });

  it('featureExtractor returns the named activations and names a missing layer', () => {
    const net = tinyNet(8);
    const ex = style.featureExtractor(net, ['c2', 'c1']);
    const x = ops.randomUniform([2, 8, 8, 3], { seed: 4 });
    const [a2, a1] = ex.run([x]);
    expect(a1.shape).toEqual([2, 8, 8, 6]);
    expect(a2.shape).toEqual([2, 4, 4, 8]);
    expectClose(a1.data, net.getLayer('c1').apply(x).data);
    expect(() => style.featureExtractor(net, ['nope'])).toThrow(/has no layer named 'nope'/);
  });
});

describe('style.transfer', () => {
  beforeAll(() => backend.use('wasm-simd'));
  const N = 24;

  it('J_style falls by at least 80% while J_content stays bounded', async () => {
    const net = tinyNet(N);
    const content = waves(N),
      st = stripes(N);
    const log: { Jcontent: number; Jstyle: number }[] = [];
    const out = await style.transfer({
      model: net,
      content,
      style: st,
      contentLayer: 'c3',
      styleLayers: ['c1', 'c2', 'c3'],
      steps: 60,
      learningRate: 5,
      alpha: 1e-5,
      beta: 1,
      onStep: (s) => {
        log.push(s);
      },
    });
    expect(out.shape).toEqual([N, N, 3]);
    expect(log.length).toBe(60);
    expect(out.data.every((v) => v >= 0 && v <= 255)).toBe(true);
    expect(log[59].Jstyle).toBeLessThan(0.2 * log[0].Jstyle);
    // bounded: G stays far closer in content to C than the style image itself is
    const ex = style.featureExtractor(net, ['c3']);
    const a = (t: Tensor) => ex.run([ops.mul(ops.reshape(t, [1, N, N, 3]), 1 / 255)])[0];
    const styleDistance = style.contentCost(a(content), a(st)).data[0];
    expect(log[59].Jcontent).toBeLessThan(0.25 * styleDistance);
    expect(style.contentCost(a(content), a(out)).data[0]).toBeLessThan(0.25 * styleDistance);
  });

  it('a seeded run from noise is reproducible; another seed differs; previews and early stop work', async () => {
    const net = tinyNet(N);
    const opts = {
      model: net,
      content: waves(N),
      style: stripes(N),
      contentLayer: 'c3',
      styleLayers: [{ name: 'c1', weight: 1 }],
      steps: 4,
      init: 'noise' as const,
      previewEvery: 2,
    };
    const previews: number[] = [];
    const a = await style.transfer({
      ...opts,
      seed: 7,
      onStep: (s) => {
        if (s.image) previews.push(s.step);
      },
    });
    const b = await style.transfer({ ...opts, seed: 7 });
    const c = await style.transfer({ ...opts, seed: 8 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(previews).toEqual([2, 4]);
    let calls = 0;
    await style.transfer({ ...opts, seed: 7, onStep: () => ++calls < 2 });
    expect(calls).toBe(2);
  });

  it('validates its options', async () => {
    const net = tinyNet(N);
    const base = {
      model: net,
      content: waves(N),
      style: stripes(N),
      contentLayer: 'c3',
      styleLayers: ['c1'],
      steps: 1,
    };
    await expect(style.transfer({ ...base, contentLayer: 'zzz' })).rejects.toThrow(/no layer named 'zzz'/);
    await expect(style.transfer({ ...base, style: zeros([N, N, 1]) })).rejects.toThrow(ShapeError);
    await expect(style.transfer({ ...base, content: zeros([2, N, N, 3]) })).rejects.toThrow(
      /expected content \[H,W,C\] or \[1,H,W,C\], got \[2,24,24,3\]/,
    );
    await expect(style.transfer({ ...base, steps: -1 })).rejects.toThrow(ValueError);
    await expect(style.transfer({ model: net, content: waves(N), style: stripes(N) })).rejects.toThrow(
      /give contentLayer and styleLayers/,
    );
  });
});
