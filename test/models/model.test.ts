import { describe, it, expect } from 'vitest';
import {
  layers,
  ops,
  tensor,
  backend,
  model,
  Sequential,
  Tensor,
  valueAndGrads,
  callbacks,
  optimizers,
  losses,
  ShapeError,
  ValueError,
} from '../../src/index';
import type { Callback } from '../../src/train';
import { modelFromConfig, Model } from '../../src/models';
import { zoo, ModelFormatError } from '../../src/index';

const rand = (shape: number[], seed: number): Tensor => ops.randomUniform(shape, { min: -1, max: 1, seed });
const oneHot = (labels: number[], c: number): Tensor => ops.oneHot(labels, c);
const copy = (ts: Tensor[]): number[][] => ts.map((t) => [...t.data]);

/** Two Gaussian-ish blobs per class in 2D, linearly separable. */
function blobs(n: number, seed: number): { x: Tensor; y: Tensor; labels: number[] } {
  const g = ops.rng(seed);
  const centres = [
    [2, 2],
    [-2, 2],
    [0, -2.5],
  ];
  const x = new Float32Array(n * 2);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels.push(c);
    x[2 * i] = centres[c][0] + 0.5 * g.normal();
    x[2 * i + 1] = centres[c][1] + 0.5 * g.normal();
  }
  return { x: tensor(x, [n, 2]), y: oneHot(labels, 3), labels };
}

const mlp = (seed?: number, extra: layers.Layer[] = []) =>
  new Sequential(
    [
      layers.dense({ units: 8, activation: 'relu', inputShape: [2], name: 'hidden' }),
      ...extra,
      layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
    { seed },
  );

describe('functional models', () => {
  it('runs a branching graph like composing the layers by hand, and summarises it', () => {
    const inp = layers.input({ shape: [6, 6, 2], name: 'img' });
    const c = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c' });
    const b1 = layers.conv2d({ filters: 2, kernelSize: 1, name: 'b1' });
    const b2 = layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'b2' });
    const cat = layers.concatenate({ name: 'cat' });
    const gap = layers.globalAveragePooling2d({ name: 'gap' });
    const d = layers.dense({ units: 4, name: 'd' });
    const h = c.apply(inp);
    const out = d.apply(gap.apply(cat.apply([b1.apply(h), b2.apply(h)])));
    const m = model({ inputs: inp, outputs: out, name: 'branchy' });
    const x = rand([3, 6, 6, 2], 1);
    const hh = c.apply(x);
    const ref = d.apply(gap.apply(cat.apply([b1.apply(hh), b2.apply(hh)])));
    // predict runs the inference plan: the same arithmetic but f32 sums in the global average pooling
    m.predict(x).data.forEach((v, i) => expect(v).toBeCloseTo(ref.data[i], 5));
    const s = m.summary({ print: false });
    expect(s.rows.map((r) => r.name)).toEqual(['img', 'c', 'b1', 'b2', 'cat', 'gap', 'd']);
    expect(s.rows.find((r) => r.name === 'cat')!.outputShape).toEqual([null, 6, 6, 5]);
    expect(s.rows[0].outputShape).toEqual([null, 6, 6, 2]);
    expect(s.totals.params).toBe((9 * 2 + 1) * 3 + (3 + 1) * 2 + (5 + 1) * 4);
    expect(s.totals.macs).toBe(36 * 3 * 18 + 36 * 2 * 3 + 5 * 4);
    const cfg = m.getConfig() as { layers: { name: string; inbound_nodes: unknown[] }[]; output_layers: unknown[] };
    expect(cfg.layers.find((l) => l.name === 'cat')!.inbound_nodes).toEqual([
      [
        ['b1', 0, 0, {}],
        ['b2', 0, 0, {}],
      ],
    ]);
    expect(cfg.output_layers).toEqual([['d', 0, 0]]);
  });

  it('a layer shared by two inputs gets the summed gradient, params once and multiply-adds twice', () => {
    const a = layers.input({ shape: [4] }),
      b = layers.input({ shape: [4] });
    const shared = layers.dense({ units: 3, name: 'shared', seed: 1 });
    const m = model({ inputs: [a, b], outputs: layers.add().apply([shared.apply(a), shared.apply(b)]) });
    const xa = rand([5, 4], 2),
      xb = rand([5, 4], 3);
    const [k, bias] = shared.weights;
    const { grads } = valueAndGrads(() => ops.sum(m.apply([xa, xb])), [k, bias]);
    const one = (x: Tensor) => valueAndGrads(() => ops.sum(ops.dense(x, k, bias)), [k, bias]).grads;
    const ga = one(xa),
      gb = one(xb);
    for (let i = 0; i < k.size; i++) expect(grads[0].data[i]).toBeCloseTo(ga[0].data[i] + gb[0].data[i], 5);
    for (let i = 0; i < 3; i++) expect(grads[1].data[i]).toBeCloseTo(10, 5);
    const row = m.summary({ print: false }).rows.find((r) => r.name === 'shared')!;
    expect(row.params).toBe(15);
    expect(row.macs).toBe(24);
    expect(m.countParams()).toBe(15);
  });

  it('rejects disconnected graphs and duplicate names', () => {
    const a = layers.input({ shape: [2] }),
      b = layers.input({ shape: [2] });
    const out = layers.add().apply([a, b]);
    expect(() => model({ inputs: a, outputs: out })).toThrow(/graph disconnected/);
    const x = layers.input({ shape: [2] });
    const y = layers.dense({ units: 2, name: 'same' }).apply(layers.dense({ units: 2, name: 'same' }).apply(x));
    expect(() => model({ inputs: x, outputs: y })).toThrow(/two layers are named 'same'/);
  });
});

describe('Sequential and model utilities', () => {
  it('builds from the first data when no inputShape is given, and predicts in batches', () => {
    const m = new Sequential([layers.dense({ units: 5, activation: 'tanh' }), layers.dense({ units: 2 })]);
    const x = rand([37, 3], 1);
    const all = m.predict(x, { batchSize: 100 });
    const parts = m.predict(x, { batchSize: 4 });
    expect(all.shape).toEqual([37, 2]);
    expect([...parts.data]).toEqual([...all.data]);
    expect(m.summary({ print: false }).rows.map((r) => r.outputShape)).toEqual([
      [null, 5],
      [null, 2],
    ]);
  });

  it('a layer that does not fit is not added', () => {
    const m = new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] })]);
    expect(() => m.add(layers.conv2d({ filters: 2, kernelSize: 5, name: 'too_big' }))).toThrow(/too_big/);
    expect(m.layers.length).toBe(1);
    m.add(layers.flatten());
    expect(m.summary({ print: false }).rows.map((r) => r.outputShape)).toEqual([
      [null, 3, 3, 2],
      [null, 18],
    ]);
  });

  it('getWeights / setWeights / getLayer', () => {
    const a = mlp(1),
      b = mlp(2);
    expect(copy(a.getWeights())).not.toEqual(copy(b.getWeights()));
    b.setWeights(a.getWeights());
    expect(copy(a.getWeights())).toEqual(copy(b.getWeights()));
    expect(a.getLayer('out').className).toBe('Dense');
    expect(a.getLayer(0).name).toBe('hidden');
    expect(() => a.getLayer('nope')).toThrow(ValueError);
    expect(() => a.setWeights(a.getWeights().slice(1))).toThrow(ValueError);
  });

  it('nests a model as a layer (transfer learning) and keeps the frozen base bitwise unchanged by fit', async () => {
    const base = new Sequential(
      [
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
        layers.batchNormalization(),
        layers.flatten(),
      ],
      { seed: 1 },
    );
    base.trainable = false;
    const head = layers.dense({ units: 2, activation: 'softmax' });
    const m = new Sequential([base, head], { seed: 2 });
    expect(m.trainableWeights.length).toBe(2);
    // the outer seed reaches the layers of the unseeded nested model
    const inner = () => new Sequential([layers.dense({ units: 3, inputShape: [2] })]);
    const seeded = () => new Sequential([inner(), layers.dense({ units: 1 })], { seed: 4 }).getWeights();
    expect(copy(seeded())).toEqual(copy(seeded()));
    const frozen = copy(base.getWeights());
    const headBefore = copy(head.getWeights());
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await m.fit(
      rand([16, 6, 6, 1], 3),
      oneHot(
        [...Array(16).keys()].map((i) => i % 2),
        2,
      ),
      { epochs: 2, batchSize: 4, verbose: 0 },
    );
    expect(copy(base.getWeights())).toEqual(frozen);
    expect(copy(head.getWeights())).not.toEqual(headBefore);
    expect(m.summary({ print: false }).totals).toMatchObject({
      params: 40 + 16 + (4 * 4 * 4 * 2 + 2),
      trainableParams: 4 * 4 * 4 * 2 + 2,
      nonTrainableParams: 56,
    });
  });
});

describe('fit, evaluate and their errors', () => {
  it('a frozen layer is bitwise unchanged after fit while the others train', async () => {
    const m = mlp(3);
    m.getLayer('hidden').trainable = false;
    const before = copy(m.getLayer('hidden').getWeights());
    const outBefore = copy(m.getLayer('out').getWeights());
    const { x, y } = blobs(60, 1);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(copy(m.getLayer('hidden').getWeights())).toEqual(before);
    expect(copy(m.getLayer('out').getWeights())).not.toEqual(outBefore);
  });

  it('a seeded model and a seeded fit are reproducible (dropout included)', async () => {
    const run = async () => {
      const m = mlp(7, [layers.dropout({ rate: 0.3 })]);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const { x, y } = blobs(40, 2);
      const h = await m.fit(x, y, { epochs: 3, batchSize: 8, seed: 5, verbose: 0 });
      return { w: copy(m.getWeights()), h: h.history };
    };
    const a = await run(),
      b = await run();
    expect(a.w).toEqual(b.w);
    expect(a.h).toEqual(b.h);
  });

  it('calls callbacks with the right epochs and batches, and returns the History', async () => {
    const events: string[] = [];
    const epochLogs: Record<string, number>[] = [];
    const cb: Callback = {
      onTrainBegin: () => {
        events.push('begin');
      },
      onEpochBegin: (e) => {
        events.push(`e${e}`);
      },
      onBatchEnd: (b, logs) => {
        events.push(`b${b}:${logs.size}`);
      },
      onEpochEnd: async (e, logs) => {
        await Promise.resolve();
        events.push(`E${e}`);
        epochLogs.push(logs);
      },
      onTrainEnd: () => {
        events.push('end');
      },
    };
    const m = mlp(1);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const { x, y } = blobs(10, 3);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, validationData: [x, y], callbacks: [cb], verbose: 0 });
    expect(events).toEqual(['begin', 'e0', 'b0:4', 'b1:4', 'b2:2', 'E0', 'e1', 'b0:4', 'b1:4', 'b2:2', 'E1', 'end']);
    expect(Object.keys(epochLogs[0])).toEqual(['loss', 'acc', 'val_loss', 'val_acc']);
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.val_loss[1]).toBeCloseTo(m.evaluate(x, y).loss, 6);
    expect(h.history.loss.length).toBe(2);
  });

  it('earlyStopping stops when the monitored figure stops improving, and can restore the best weights', async () => {
    const { x, y } = blobs(30, 4);
    const m = mlp(2);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const h = await m.fit(x, y, {
      epochs: 20,
      verbose: 0,
      callbacks: callbacks.earlyStopping({ monitor: 'loss', baseline: 0, patience: 2 }),
    });
    expect(h.epoch).toEqual([0, 1, 2]);
    let afterFirst: number[][] = [];
    const grab: Callback = {
      onEpochEnd: (e) => {
        if (e === 0) afterFirst = copy(m.getWeights());
      },
    };
    const es = callbacks.earlyStopping({ monitor: 'loss', minDelta: 10, patience: 0, restoreBestWeights: true });
    const h2 = await m.fit(x, y, { epochs: 20, verbose: 0, callbacks: [grab, es] });
    expect(h2.epoch).toEqual([0, 1]);
    expect(es.stoppedEpoch).toBe(1);
    expect(copy(m.getWeights())).toEqual(afterFirst);
    await expect(m.fit(x, y, { epochs: 2, verbose: 0, callbacks: callbacks.earlyStopping() })).rejects.toThrow(
      /monitor 'val_loss' is not in the logs/,
    );
  });

  it('fuses softmax + categoricalCrossentropy without changing the loss', () => {
    const m = mlp(4);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const { x, y } = blobs(12, 5);
    const direct = losses.categoricalCrossentropy(y, m.predict(x)).item();
    expect(m.evaluate(x, y, { batchSize: 5 }).loss).toBeCloseTo(direct, 5);
  });

  it('trains on a dataset (generator function or async iterable) with validation', async () => {
    const { x, y } = blobs(48, 6);
    const m = mlp(5);
    m.compile({
      optimizer: optimizers.adam({ learningRate: 0.05 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const gen = function* () {
      for (let i = 0; i < 48; i += 12) yield { xs: ops.slice(x, [i, 0], [12, 2]), ys: ops.slice(y, [i, 0], [12, 3]) };
    };
    const h = await m.fit(gen, { epochs: 15, validationData: [x, y], verbose: 0 });
    expect(h.history.val_accuracy[14]).toBeGreaterThan(0.9);
    async function* agen() {
      yield { xs: x, ys: y };
    }
    const h2 = await m.fit({ [Symbol.asyncIterator]: agen }, { epochs: 2, verbose: 0 });
    expect(h2.epoch).toEqual([0, 1]);
    await expect(
      m.fit(
        function* () {
          yield { xs: x, ys: ops.slice(y, [0, 0], [48, 2]) };
        },
        { verbose: 0 },
      ),
    ).rejects.toThrow(ShapeError);
  });

  it('bad input gives typed errors naming the layer and the shapes', async () => {
    const m = mlp(6);
    const { x, y } = blobs(6, 7);
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/not compiled/);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x, oneHot([0, 1, 2, 0, 1, 2], 4), { verbose: 0 })).rejects.toThrow(ShapeError);
    await expect(m.fit(x, oneHot([0, 1, 2, 0, 1, 2], 4), { verbose: 0 })).rejects.toThrow(
      /labels \[6,4\] do not match the output of layer 'out' \(None, 3\)/,
    );
    await expect(m.fit(x, ops.slice(y, [0, 0], [5, 3]), { verbose: 0 })).rejects.toThrow(
      /labels \[5,3\] have 5 rows but x has 6/,
    );
    const bad = new Float32Array(x.data);
    bad[3] = NaN;
    await expect(m.fit(tensor(bad, [6, 2]), y, { verbose: 0 })).rejects.toThrow(ValueError);
    await expect(m.fit(tensor(bad, [6, 2]), y, { verbose: 0 })).rejects.toThrow(
      /input 'hidden_input' of model .* contains NaN at flat index 3/,
    );
    expect(() => m.predict(rand([6, 3], 1))).toThrow(
      /input 'hidden_input' of model '.*' expects shape \(None, 2\), got \[6,3\]/,
    );
    expect(() => m.predict(rand([6], 1))).toThrow(ShapeError);
    await expect(m.fit(x, y, { epocs: 2 } as never)).rejects.toThrow(/fit: unknown option 'epocs'/);
    expect(() => m.compile({ optimizer: 'adamw', loss: 'categoricalCrossentropy' })).toThrow(
      /unknown optimizer 'adamw'/,
    );
    const s = mlp(1);
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await expect(s.fit(x, tensor([0, 1, 2, 0, 1, 3]), { verbose: 0 })).rejects.toThrow(
      /fit: label 3 at index 5 is not a class index in \[0, 3\) for the output of layer 'out'/,
    );
    const ok = await s.fit(x, tensor([0, 1, 2, 0, 1, 2]), { verbose: 0 });
    expect(ok.history.accuracy.length).toBe(1);
  });
});

describe.each(['js', 'wasm', 'wasm-simd'] as const)('a conv model on %s', (b) => {
  it('predicts and takes a training step like the js reference', () => {
    const build = () => {
      const m = new Sequential(
        [
          layers.conv2d({
            filters: 3,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            inputShape: [7, 5, 2],
          }),
          layers.batchNormalization(),
          layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
          layers.flatten(),
          layers.dense({ units: 3, activation: 'softmax' }),
        ],
        { seed: 11 },
      );
      m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
      return m;
    };
    const x = rand([5, 7, 5, 2], 1),
      y = oneHot([0, 1, 2, 1, 0], 3);
    backend.use('js');
    const ref = build();
    const pRef = ref.predict(x);
    ref.trainOnBatch(x, y);
    backend.use(b);
    const m = build();
    const p = m.predict(x);
    for (let i = 0; i < p.size; i++) expect(p.data[i]).toBeCloseTo(pRef.data[i], 5);
    m.trainOnBatch(x, y);
    const [w, wr] = [m.getWeights(), ref.getWeights()];
    w.forEach((t, k) => {
      for (let i = 0; i < t.size; i++) expect(t.data[i]).toBeCloseTo(wr[k].data[i], 4);
    });
    expect(copy(w)).not.toEqual(copy(build().getWeights()));
  });
});

describe('configs', () => {
  const roundTrip = (m: Model, x: Tensor | Tensor[]) => {
    const json = JSON.parse(JSON.stringify({ class_name: m.className, config: m.getConfig() }));
    const again = modelFromConfig(json) as Model;
    again.setWeights(m.getWeights());
    expect([...again.predict(x).data]).toEqual([...m.predict(x).data]);
    expect(again.summary({ print: false }).rows).toEqual(m.summary({ print: false }).rows);
    return again;
  };

  it('rebuilds Sequential, functional (shared layer, branches) and nested models from their Keras configs', () => {
    roundTrip(zoo.lenet5({ seed: 1 }), rand([2, 28, 28, 1], 1));
    const a = layers.input({ shape: [5], name: 'a' }),
      b = layers.input({ shape: [5], name: 'b' });
    const shared = layers.dense({ units: 4, activation: 'relu', name: 'shared' });
    const merged = layers.concatenate({ name: 'cat' }).apply([shared.apply(a), shared.apply(b)]);
    const fm = model({
      inputs: [a, b],
      outputs: layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(merged),
      name: 'siamese',
    });
    const again = roundTrip(fm, [rand([3, 5], 2), rand([3, 5], 3)]);
    expect(again.getLayer('shared').inboundNodes.length).toBe(2);
    const inner = new Sequential(
      [layers.dense({ units: 3, inputShape: [4], name: 'in1' }), layers.dense({ units: 3, name: 'in2' })],
      { name: 'inner' },
    );
    roundTrip(new Sequential([inner, layers.dense({ units: 1, name: 'top' })], { name: 'outer' }), rand([2, 4], 4));
    expect(() =>
      modelFromConfig({
        class_name: 'Functional',
        config: {
          layers: [
            {
              class_name: 'Dense',
              config: { name: 'd', units: 2 },
              name: 'd',
              inbound_nodes: [[['missing', 0, 0, {}]]],
            },
          ],
        },
      }),
    ).toThrow(ModelFormatError);
  });
});

describe('gradients through a model', () => {
  it('match central finite differences (conv + batch norm in training mode + fused softmax cross-entropy)', () => {
    backend.use('js');
    const m = new Sequential(
      [
        layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 2] }),
        layers.batchNormalization(),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
      { seed: 21 },
    );
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = rand([4, 5, 5, 2], 5),
      y = oneHot([0, 1, 2, 1], 3);
    const lossFn = () => losses.categoricalCrossentropy(y, m.apply(x, { training: true }));
    const vars = m.trainableWeights;
    const { grads } = valueAndGrads(lossFn, vars);
    const g = ops.rng(1);
    for (const [k, v] of vars.entries()) {
      for (let t = 0; t < 3; t++) {
        const i = Math.floor(g.next() * v.size);
        const old = v.data[i],
          eps = 1e-3; // small: relu kinks and BN curvature bias larger steps
        v.data[i] = old + eps;
        const up = lossFn().item();
        v.data[i] = old - eps;
        const down = lossFn().item();
        v.data[i] = old;
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(grads[k].data[i] - numeric)).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
      }
    }
  });
});
