// Inference plans (models/plan) against the eager path: every WebAssembly backend, the zoo, the
// pretrained MobileNetV2, random graphs; invalidation on weight changes; memory over many predicts.
import { describe, it, expect, vi } from 'vitest';
import { layers, ops, backend, model, Sequential, Tensor, zoo, io, optimizers, noGrad } from '../../src/index';
import type { Model } from '../../src/models';
import { loadNsfwjs } from '../../src/io/pretrained';
import { planBytes } from '../../src/models/plan';
import { sharedWeightBytes } from '../../src/models/plan/weights';

const PLANNED = backend.available().filter((b) => b !== 'js');
const rand = (shape: number[], seed: number, min = -1, max = 1): Tensor => ops.randomUniform(shape, { min, max, seed });
const eager = (m: Model, x: Tensor | Tensor[]): Tensor => noGrad(() => m.apply(x as Tensor));

/** max |a - b| over max |b|: the plans' 1e-5 budget; NaN anywhere fails. */
function expectRelClose(a: Tensor, b: Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < a.size; i++) {
    if (!Number.isFinite(a.data[i]) || !Number.isFinite(b.data[i]))
      throw new Error(`non-finite value at ${i}: ${a.data[i]} vs ${b.data[i]}`);
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  expect(diff / Math.max(scale, 1e-30)).toBeLessThanOrEqual(tol);
}

/** Random batch-norm statistics (eager and plan must agree on them; folding must not change them). */
function randomizeBatchNorm(m: Model, seed: number): void {
  m.layers.forEach((l, i) => {
    if (!(l instanceof layers.BatchNormalization)) return;
    const c = l.movingMean.size;
    l.movingMean.assign(rand([c], seed + 4 * i, -0.5, 0.5));
    l.movingVariance.assign(rand([c], seed + 4 * i + 1, 0.2, 2));
    l.gamma?.assign(rand([c], seed + 4 * i + 2, 0.5, 1.5));
    l.beta?.assign(rand([c], seed + 4 * i + 3, -0.5, 0.5));
  });
}

/**
 * A graph with branches, a shared layer, a nested model, zero padding, batch norm, every fused activation and
 * layers run eagerly inside the plan (grouped convolution, ELU).
 */
function branchy(seed: number): Model {
  const inp = layers.input({ shape: [11, 9, 3] });
  const stem = layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, useBias: false }).apply(
    layers
      .zeroPadding2d({
        padding: [
          [1, 0],
          [0, 1],
        ],
      })
      .apply(inp),
  );
  const a = layers.reLU({ maxValue: 6 }).apply(layers.batchNormalization().apply(stem));
  const dw = layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }).apply(a);
  const b = layers.reLU().apply(layers.batchNormalization().apply(dw));
  const proj = layers.batchNormalization().apply(layers.conv2d({ filters: 6, kernelSize: 1, useBias: false }).apply(b));
  const res = layers.add().apply([a, proj]);
  const grouped = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', groups: 2 }).apply(res);
  const left = layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(grouped);
  const right = layers.leakyReLU({ alpha: 0.1 }).apply(layers.conv2d({ filters: 7, kernelSize: 1 }).apply(res));
  // a three-input sum (one add after another) with its ReLU
  const tri = layers.reLU().apply(layers.add().apply([res, b, a]));
  const cat = layers.concatenate().apply([left, right, tri]);
  const inner = new Sequential([
    layers.conv2d({ filters: 4, kernelSize: 2, activation: 'sigmoid', inputShape: [5, 4, 18] }),
    layers.activation({ activation: 'elu' }),
  ]);
  const nested = inner.apply(layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(cat));
  const shared = layers.dense({ units: 3, activation: 'tanh' });
  const g = layers.globalAveragePooling2d().apply(nested);
  const p = layers.flatten().apply(layers.averagePooling2d({ poolSize: 2 }).apply(nested));
  const kept = layers.flatten().apply(layers.globalAveragePooling2d({ keepdims: true }).apply(nested));
  const out = layers
    .concatenate()
    .apply([
      shared.apply(g),
      shared.apply(layers.dense({ units: 4 }).apply(p)),
      shared.apply(kept),
      layers.dense({ units: 2, activation: 'softmax' }).apply(g),
    ]);
  const m = model({
    inputs: inp,
    outputs: layers.add().apply([out, layers.dense({ units: 11, activation: 'relu6' }).apply(g)]),
    seed,
  });
  randomizeBatchNorm(m, seed);
  return m;
}

/** The zoo at small inputs, built once for every backend (building the big dense layers is the slow part). */
const ZOO: Record<string, [() => Model, number[]]> = {
  lenet5: [() => zoo.lenet5({ seed: 1 }), [2, 28, 28, 1]],
  alexnet: [() => zoo.alexnet({ seed: 1, inputShape: [67, 67, 3], classes: 10 }), [1, 67, 67, 3]],
  vgg16: [() => zoo.vgg16({ seed: 1, inputShape: [32, 32, 3], classes: 10 }), [1, 32, 32, 3]],
  resnet18: [() => zoo.resnet({ depth: 18, seed: 1, inputShape: [64, 64, 3], classes: 10 }), [2, 64, 64, 3]],
  resnet50: [() => zoo.resnet({ depth: 50, seed: 1, inputShape: [64, 64, 3], classes: 10 }), [1, 64, 64, 3]],
  googlenet: [() => zoo.googlenet({ seed: 1, inputShape: [96, 96, 3], classes: 10 }), [1, 96, 96, 3]],
};
const built = new Map<string, { m: Model; x: Tensor }>();
function zooNet(net: string): { m: Model; x: Tensor } {
  let b = built.get(net);
  if (!b) {
    const [make, shape] = ZOO[net];
    b = { m: make(), x: rand(shape, 3) };
    randomizeBatchNorm(b.m, 5);
    built.set(net, b);
  }
  return b;
}

describe.each(PLANNED)('inference plans on %s', (name) => {
  const on = <T>(f: () => T): T => backend.with(name, f);

  it('give the eager outputs on a random graph (branches, shared and nested layers, batch 1 and 3)', () => {
    for (const seed of [1, 2]) {
      const m = branchy(seed);
      for (const n of [1, 3]) {
        const x = rand([n, 11, 9, 3], 10 * seed + n);
        on(() => expectRelClose(m.predict(x), eager(m, x)));
        // and the reference kernels agree within float rounding
        expectRelClose(
          on(() => m.predict(x)),
          backend.with('js', () => eager(m, x)),
          1e-4,
        );
      }
    }
  });

  it.each(Object.keys(ZOO))(
    'give the eager outputs on %s (small input)',
    (net) => {
      const { m, x } = zooNet(net);
      on(() => expectRelClose(m.predict(x), eager(m, x)));
    },
    30_000,
  );

  it('give the eager outputs on the pretrained MobileNetV2 (nsfwjs)', async () => {
    const m = await loadNsfwjs('mobilenet_v2');
    const x = rand([1, 224, 224, 3], 9, 0, 1);
    on(() => expectRelClose(m.predict(x), eager(m, x)));
    const bytes = planBytes(m)!;
    // the arena: under twice the most activation bytes alive at once
    expect(bytes.arena).toBeLessThan(2 * bytes.peakLive);
  }, 60_000);
});

describe('inference plan invalidation', () => {
  const x = rand([2, 11, 9, 3], 4);

  it('follows setWeights, fit, io.loadWeights and freezing', async () => {
    const m = branchy(3);
    const first = m.predict(x);
    expectRelClose(first, eager(m, x));
    const saved = io.memory();
    await io.save(m, saved);
    // setWeights
    m.setWeights(m.getWeights().map((w, i) => rand(w.shape, 100 + i, 0.1, 1)));
    const after = m.predict(x);
    expect(after.data).not.toEqual(first.data);
    expectRelClose(after, eager(m, x));
    // a training step (weights and batch-norm moving statistics change in place)
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    await m.fit(x, rand([2, 11], 5), { epochs: 1, verbose: 0 });
    expectRelClose(m.predict(x), eager(m, x));
    // loading weights into the existing model brings the first outputs back
    await io.loadWeights(m, saved.artifacts!);
    expectRelClose(m.predict(x), first);
    // freezing rebuilds the plan (the outputs do not change)
    const before = planBytes(m);
    m.layers[3].trainable = false;
    expectRelClose(m.predict(x), eager(m, x));
    expect(planBytes(m)).not.toBe(before);
  }, 30_000);

  it('CONVKIT_PLAN=0 (or false) runs predict eagerly, with no plan built', () => {
    try {
      for (const off of ['0', 'false']) {
        vi.stubEnv('CONVKIT_PLAN', off);
        const m = branchy(8);
        expectRelClose(m.predict(x), eager(m, x));
        expect(planBytes(m)).toBeNull();
      }
      vi.stubEnv('CONVKIT_PLAN', '1');
      const m = branchy(8);
      m.predict(x);
      expect(planBytes(m)).not.toBeNull();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('keeps two models apart when their predicts interleave', () => {
    const a = branchy(6),
      b = branchy(7);
    const ea = eager(a, x),
      eb = eager(b, x);
    for (let i = 0; i < 3; i++) {
      expectRelClose(a.predict(x), ea);
      expectRelClose(b.predict(x), eb);
    }
  });

  it('frees the plan it evicts before pinning the next one (peak: the plans kept, not one more)', () => {
    const mod = backend.module(backend.info().kernel);
    if (!mod) return expect(backend.info().kernel).toBe('js');
    const m = branchy(8);
    const pin = mod.arena.pin.bind(mod.arena);
    let peak = 0;
    const spy = vi.spyOn(mod.arena, 'pin').mockImplementation((bytes: number) => {
      peak = Math.max(peak, mod.arena.pinnedBytes + bytes);
      return pin(bytes);
    });
    try {
      m.predict(rand([1, 11, 9, 3], 1));
      m.predict(rand([2, 11, 9, 3], 2));
      peak = 0;
      m.predict(rand([3, 11, 9, 3], 3)); // two plans kept: the batch-1 plan goes before batch 3's is pinned
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(mod.arena.pinnedBytes);
    } finally {
      spy.mockRestore();
    }
  });

  it("plans for other batch sizes share the model's packed weights, kept until the last plan holding them goes", () => {
    const mod = backend.module(backend.info().kernel);
    if (!mod) return expect(backend.info().kernel).toBe('js');
    // a 3x3 conv Winograd takes (its transformed filter is shared too), batch norm folded into new arrays per plan
    const inp = layers.input({ shape: [12, 12, 16] });
    let h = layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
    h = layers.batchNormalization().apply(h);
    h = layers.conv2d({ filters: 32, kernelSize: 1 }).apply(h);
    const m = model({
      inputs: inp,
      outputs: layers.dense({ units: 10 }).apply(layers.globalAveragePooling2d().apply(h)),
      seed: 5,
    });
    randomizeBatchNorm(m, 6);
    const xs = [1, 2, 3].map((n) => rand([n, 12, 12, 16], n));
    const shared0 = sharedWeightBytes(mod);
    expectRelClose(m.predict(xs[0]), eager(m, xs[0]));
    const weights = planBytes(m)!.weights,
      shared1 = sharedWeightBytes(mod),
      pinned1 = mod.arena.pinnedBytes;
    expect(shared1 - shared0).toBeGreaterThan(0.9 * weights); // (planBytes counts each block 16-aligned)
    expectRelClose(m.predict(xs[1]), eager(m, xs[1]));
    // the batch-2 plan pinned its arena and scratch, not its weights again
    expect(sharedWeightBytes(mod)).toBe(shared1);
    const b2 = planBytes(m)!;
    expect(mod.arena.pinnedBytes - pinned1).toBeLessThan(b2.arena + b2.scratch + weights / 2);
    // batch 3 evicts the batch-1 plan; the batch-2 plan still holds (and reads) the shared weights
    expectRelClose(m.predict(xs[2]), eager(m, xs[2]));
    expect(sharedWeightBytes(mod)).toBe(shared1);
    expectRelClose(m.predict(xs[1]), eager(m, xs[1]));
    // new weights: new blocks; the stale plans give the old ones back as they are replaced (old and new held
    // together would be about shared1 + weights)
    const conv = m.layers.find((l) => l instanceof layers.Conv2D)!;
    conv.setWeights(conv.getWeights().map((w, i) => rand(w.shape, 20 + i)));
    expectRelClose(m.predict(xs[1]), eager(m, xs[1]));
    expect(sharedWeightBytes(mod)).toBeGreaterThan(shared1 + weights / 2);
    expectRelClose(m.predict(xs[2]), eager(m, xs[2]));
    expect(sharedWeightBytes(mod)).toBeLessThan(shared1 + weights / 2);
  });

  it('stays within bounded memory over 1,000 predicts alternating input shapes and batch sizes', () => {
    const inp = layers.input({ shape: [null, null, 3] as unknown as number[] });
    const h = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
    const m = model({
      inputs: inp,
      outputs: layers.globalAveragePooling2d().apply(layers.batchNormalization().apply(h)),
      seed: 1,
    });
    const shapes = [
      [1, 12, 12, 3],
      [4, 12, 12, 3],
      [2, 20, 16, 3],
    ];
    const xs = shapes.map((s, i) => rand(s, i));
    const want = xs.map((t) => eager(m, t));
    const mod = backend.module(backend.info().kernel);
    let settled = 0,
      pinned = 0;
    for (let i = 0; i < 1000; i++) {
      const k = i % 3;
      const y = m.predict(xs[k]);
      if (i < 3) expectRelClose(y, want[k]);
      if (i === 99) {
        settled = backend.info().memoryBytes;
        pinned = mod?.arena.pinnedBytes ?? 0;
      }
    }
    // plans are rebuilt as shapes alternate (two kept per model), in the memory the last ones freed
    expect(backend.info().memoryBytes).toBe(settled);
    expect(mod?.arena.pinnedBytes ?? 0).toBeLessThanOrEqual(pinned);
  }, 60_000);
});
