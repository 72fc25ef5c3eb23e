import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, layers, optimizers, Sequential, model, tensor, zoo, ModelFormatError, ValueError } from '../../src/index';
import type { Tensor, Model } from '../../src/index';

const rand = (n: number, seed: number): Float32Array => {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'convkit-io-'));

/** A TF.js IOHandler reading a directory written by io.save (tfjs-node is not installed). */
function tfDirHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const bufs = j.weightsManifest.flatMap((g: { paths: string[] }) =>
        g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p)))),
      );
      const all = new Uint8Array(bufs.reduce((a: number, b: Uint8Array) => a + b.length, 0));
      let o = 0;
      for (const b of bufs) {
        all.set(b, o);
        o += b.length;
      }
      return {
        modelTopology: j.modelTopology,
        weightSpecs: j.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
        weightData: all.buffer,
        format: j.format,
      };
    },
  };
}

/** Captures what TF.js saves. */
async function tfArtifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let art: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return art!;
}

function convNet(): Sequential {
  return new Sequential(
    [
      layers.conv2d({
        filters: 5,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        inputShape: [9, 7, 3],
        name: 'conv2d_1',
      }),
      layers.batchNormalization({ name: 'bn' }),
      layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, name: 'dw' }),
      layers.reLU({ maxValue: 6, name: 'relu6' }),
      layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'pool' }),
      layers.flatten({ name: 'flat' }),
      layers.dropout({ rate: 0.3, name: 'drop' }),
      layers.dense({ units: 4, activation: 'softmax', name: 'out' }),
    ],
    { name: 'small', seed: 11 },
  );
}

/** Gives batch-norm layers non-trivial statistics so they matter in the comparison. */
function perturbBatchNorm(m: Model): void {
  for (const l of m.layers) {
    if (l.className !== 'BatchNormalization') continue;
    l.setWeights(
      l.getWeights().map((w, i) =>
        tensor(
          w.data.map((_, j) => (i === 3 ? 0.5 + ((j * 7) % 5) / 5 : Math.sin(j + i))),
          w.shape,
        ),
      ),
    );
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('io.save / io.load (TF.js Layers format)', () => {
  it('writes model.json and shards that TF.js loads and runs to the same predictions', async () => {
    const m = convNet();
    perturbBatchNorm(m);
    const dir = tmp();
    try {
      const r = await io.save(m, dir);
      expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(j.format).toBe('layers-model');
      expect(j.generatedBy).toMatch(/^convkit/);
      expect(Object.keys(j.modelTopology).sort()).toEqual(['backend', 'class_name', 'config', 'keras_version']);
      expect(j.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
        'conv2d_1/kernel',
        'conv2d_1/bias',
        'bn/gamma',
        'bn/beta',
        'bn/moving_mean',
        'bn/moving_variance',
        'dw/depthwise_kernel',
        'dw/bias',
        'out/kernel',
        'out/bias',
      ]);
      expect(statSync(join(dir, 'group1-shard1of1.bin')).size).toBe(m.countParams() * 4);
      expect(r.weightBytes).toBe(m.countParams() * 4);

      const tm = await tf.loadLayersModel(tfDirHandler(dir));
      const x = rand(3 * 9 * 7 * 3, 5);
      const ours = m.predict(tensor(x, [3, 9, 7, 3]));
      const theirs = tf.tidy(() => (tm.predict(tf.tensor(x, [3, 9, 7, 3])) as tf.Tensor).dataSync());
      expect(maxDiff(ours.data, theirs)).toBeLessThan(1e-5);
      // and back: convkit reads its own files
      const back = await io.load(`file://${dir}`);
      expect(maxDiff(back.predict(tensor(x, [3, 9, 7, 3])).data, ours.data)).toBe(0);
      expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a functional model with branches (ResNet block, inception-style concat) round-trips through TF.js', async () => {
    const x = layers.input({ shape: [8, 8, 4], name: 'img' });
    const r = zoo.residualBlock(x, { filters: 4, name: 'blk' });
    const a = layers.conv2d({ filters: 3, kernelSize: 1, name: 'a' }).apply(r) as ReturnType<typeof layers.input>;
    const b = layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'b' }).apply(r) as ReturnType<
      typeof layers.input
    >;
    const c = layers.concatenate({ name: 'cat' }).apply([a, b]) as ReturnType<typeof layers.input>;
    const y = layers
      .dense({ units: 3, name: 'head' })
      .apply(layers.globalAveragePooling2d({ name: 'gap' }).apply(c) as ReturnType<typeof layers.input>);
    const m = model({ inputs: x, outputs: y as ReturnType<typeof layers.input>, name: 'branches', seed: 3 });
    perturbBatchNorm(m);
    const h = io.memory();
    await io.save(m, h);
    const tm = await tf.loadLayersModel(tf.io.fromMemory(h.artifacts as tf.io.ModelArtifacts));
    const xv = rand(2 * 8 * 8 * 4, 9);
    const theirs = (tm.predict(tf.tensor(xv, [2, 8, 8, 4])) as tf.Tensor).dataSync();
    expect(maxDiff(m.predict(tensor(xv, [2, 8, 8, 4])).data, theirs)).toBeLessThan(1e-5);
    // TF.js saves it again; convkit loads TF.js's artifacts
    const again = await io.load((await tfArtifacts(tm)) as never);
    expect(maxDiff(again.predict(tensor(xv, [2, 8, 8, 4])).data, theirs)).toBeLessThan(1e-5);
  });

  it('nested models (inception modules) use Keras node indices and load in TF.js', async () => {
    const x = layers.input({ shape: [6, 6, 3], name: 'img' });
    const opts = { filters1x1: 2, filters3x3Reduce: 2, filters3x3: 3, filters5x5Reduce: 1, filters5x5: 2, poolProj: 2 };
    const y = zoo.inceptionModule(zoo.inceptionModule(x, { ...opts, name: 'inc_a' }), { ...opts, name: 'inc_b' });
    const m = model({ inputs: x, outputs: y, name: 'nested', seed: 5 });
    const h = io.memory();
    await io.save(m, h);
    const cfg = (h.artifacts!.modelTopology as any).config;
    // node 0 of a nested model is its own graph (Keras / TF.js), so its first call is node 1
    expect(cfg.layers.find((l: any) => l.name === 'inc_b').inbound_nodes).toEqual([[['inc_a', 1, 0, {}]]]);
    expect(cfg.output_layers).toEqual([['inc_b', 1, 0]]);
    const tm = await tf.loadLayersModel(tf.io.fromMemory(h.artifacts as tf.io.ModelArtifacts));
    const xv = rand(2 * 6 * 6 * 3, 4);
    const theirs = (tm.predict(tf.tensor(xv, [2, 6, 6, 3])) as tf.Tensor).dataSync();
    expect(maxDiff(m.predict(tensor(xv, [2, 6, 6, 3])).data, theirs)).toBeLessThan(1e-5);
    const back = await io.load((await tfArtifacts(tm)) as never);
    expect(maxDiff(back.predict(tensor(xv, [2, 6, 6, 3])).data, theirs)).toBeLessThan(1e-5);
  });

  it('loads a tf.sequential saved by TF.js and predicts the same', async () => {
    const t = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 6, kernelSize: 3, inputShape: [10, 10, 2], activation: 'relu', padding: 'valid' }),
        tf.layers.batchNormalization({ epsilon: 0.01 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 1 }),
        tf.layers.reLU({ maxValue: 6 }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 8, activation: 'tanh' }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    // train a step so the batch-norm statistics differ from their initial values
    t.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await t.fit(tf.tensor(rand(4 * 200, 2), [4, 10, 10, 2]), tf.oneHot([0, 1, 2, 1], 3), { epochs: 1, verbose: 0 });
    const art = await tfArtifacts(t);
    const m = await io.load(io.fromMemory(art as never));
    expect(m.countParams()).toBe(t.countParams());
    const x = rand(5 * 200, 8);
    const theirs = (t.predict(tf.tensor(x, [5, 10, 10, 2])) as tf.Tensor).dataSync();
    expect(maxDiff(m.predict(tensor(x, [5, 10, 10, 2])).data, theirs)).toBeLessThan(1e-5);
  });

  it('splits weights into 4 MB shards', async () => {
    const m = new Sequential([layers.dense({ units: 1100, inputShape: [1000], name: 'big' })], { seed: 1 });
    const dir = tmp();
    try {
      await io.save(m, dir);
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(j.weightsManifest[0].paths).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
      expect(statSync(join(dir, 'group1-shard1of2.bin')).size).toBe(io.SHARD_BYTES);
      expect(statSync(join(dir, 'group1-shard2of2.bin')).size).toBe(1101100 * 4 - io.SHARD_BYTES);
      const back = await io.load(join(dir, 'model.json'));
      expect(maxDiff(back.getWeights()[0].data, m.getWeights()[0].data)).toBe(0);
      const tm = await tf.loadLayersModel(tfDirHandler(dir));
      expect(maxDiff(tm.getWeights()[0].dataSync(), m.getWeights()[0].data)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads from an http URL (fetch) and saves by multipart POST, as tf.io.http', async () => {
    const m = convNet();
    const dir = tmp();
    await io.save(m, dir);
    let posted: { json: any; weights: Uint8Array } | null = null;
    const server = createServer(async (req, res) => {
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const form = await new Request('http://x/', {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type']! },
          body: Buffer.concat(chunks),
        }).formData();
        posted = {
          json: JSON.parse(await (form.get('model.json') as Blob).text()),
          weights: new Uint8Array(await (form.get('model.weights.bin') as Blob).arrayBuffer()),
        };
        res.end('ok');
        return;
      }
      try {
        res.end(readFileSync(join(dir, req.url!.replace('/models/', ''))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const x = tensor(rand(9 * 7 * 3, 2), [1, 9, 7, 3]);
      const a = await io.load(`${base}/models/model.json`);
      expect(maxDiff(a.predict(x).data, m.predict(x).data)).toBe(0);
      await expect(io.load(`${base}/nothing/model.json`)).rejects.toThrow(/HTTP 404/);
      await io.save(m, `${base}/upload`);
      expect(posted!.json.weightsManifest[0].paths).toEqual(['./model.weights.bin']);
      expect(posted!.weights.byteLength).toBe(m.countParams() * 4);
      // what was posted is a complete model
      const b = await io.load({
        modelTopology: posted!.json.modelTopology,
        weightSpecs: posted!.json.weightsManifest[0].weights,
        weightData: posted!.weights.slice().buffer,
      });
      expect(maxDiff(b.predict(x).data, m.predict(x).data)).toBe(0);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes uint8, uint16 and float16 quantised weights', async () => {
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], name: 'd' })] });
    const art = await tfArtifacts(t);
    // kernel as uint8 (min + scale * q), bias as uint16 and then float16
    const q8 = new Uint8Array([0, 10, 20, 30, 40, 255]);
    const q16 = new Uint16Array([0, 1000, 65535]);
    const bytes = new Uint8Array(6 + 6);
    bytes.set(q8, 0);
    bytes.set(new Uint8Array(q16.buffer), 6);
    const specs = [
      { name: 'd/kernel', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.01 } },
      { name: 'd/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', min: 0.5, scale: 0.001 } },
    ];
    const m = await io.load({
      modelTopology: art.modelTopology as Record<string, unknown>,
      weightSpecs: specs as never,
      weightData: bytes.buffer,
    });
    const [k, b] = m.getWeights();
    expect(Array.from(k.data)).toEqual(Array.from(q8).map((q) => Math.fround(-1 + 0.01 * q)));
    expect(Array.from(b.data)).toEqual(Array.from(q16).map((q) => Math.fround(0.5 + 0.001 * q)));
    // float16: 1.0 = 0x3c00, -2.5 = 0xc100, 0.000061035 (smallest normal) = 0x0400
    const half = new Uint16Array([0x3c00, 0xc100, 0x0400]);
    const h = await io.load({
      modelTopology: art.modelTopology as Record<string, unknown>,
      weightSpecs: [
        specs[0],
        { name: 'd/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
      ] as never,
      weightData: new Uint8Array([...q8, ...new Uint8Array(half.buffer)]).buffer,
    });
    expect(Array.from(h.getWeights()[1].data)).toEqual([1, -2.5, Math.fround(2 ** -14)]);
  });
});

describe('io.load errors', () => {
  let saved: { dir: string; json: any };
  beforeAll(async () => {
    const dir = tmp();
    await io.save(convNet(), dir);
    saved = { dir, json: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) };
  });
  const variant = (edit: (j: any) => void, shard?: (b: Buffer) => Buffer): string => {
    const dir = tmp();
    const j = structuredClone(saved.json);
    edit(j);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
    const b = readFileSync(join(saved.dir, 'group1-shard1of1.bin'));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), shard ? shard(b) : b);
    return dir;
  };

  it('model.json that is not JSON', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    await expect(io.load(dir)).rejects.toThrow(ModelFormatError);
    await expect(io.load(dir)).rejects.toThrow(/is not JSON/);
    writeFileSync(join(dir, 'model.json'), '{"format": "graph-model", "modelTopology": {}}');
    await expect(io.load(dir)).rejects.toThrow(/only 'layers-model'/);
    await expect(io.load(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('unknown layer classes are all listed', async () => {
    const dir = variant((j) => {
      // layers[0] is the InputLayer
      j.modelTopology.config.layers[2].class_name = 'SeparableConv2D';
      j.modelTopology.config.layers[4].class_name = 'ThresholdedReLU';
      j.modelTopology.config.layers[5].class_name = 'SeparableConv2D';
    });
    const err = await io.load(dir).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/unknown layer class\(es\): SeparableConv2D \(bn, pool\); ThresholdedReLU \(relu6\)/);
  });

  it('missing weights, wrong dtype, shape mismatch, missing and truncated shards', async () => {
    const w = (j: any) => j.weightsManifest[0].weights;
    await expect(
      io.load(
        variant((j) => {
          w(j).splice(8, 1);
        }),
      ),
    ).rejects.toThrow(/missing from the file: out\/kernel/);
    await expect(
      io.load(
        variant((j) => {
          w(j)[0].dtype = 'int32';
        }),
      ),
    ).rejects.toThrow(/dtype 'int32'/);
    await expect(
      io.load(
        variant(
          (j) => {
            w(j)[0].shape = [3, 3, 3, 4];
            w(j)[1].shape = [4];
          },
          (b) => b.subarray(0, b.length - 24),
        ),
      ),
    ).rejects.toThrow(/conv2d_1\/kernel' has shape \[3,3,3,4\] in the file, the model expects \[3,3,3,5\]/);
    await expect(
      io.load(
        variant(
          () => {},
          (b) => b.subarray(0, b.length - 4),
        ),
      ),
    ).rejects.toThrow(/truncated/);
    await expect(
      io.load(
        variant((j) => {
          j.weightsManifest[0].paths = ['gone.bin'];
        }),
      ),
    ).rejects.toThrow(/gone.bin listed in .* is missing/);
    await expect(
      io.load(
        variant((j) => {
          w(j)[0].name = 'other/kernel';
        }),
      ),
    ).rejects.toThrow(ModelFormatError);
  });

  it('loadWeights is all or nothing', async () => {
    const m = convNet();
    const before = m.getWeights();
    const bad = variant(
      (j) => {
        j.weightsManifest[0].weights[9].shape = [5];
      },
      (b) => Buffer.concat([b, Buffer.alloc(4)]),
    );
    await expect(io.loadWeights(m, bad)).rejects.toThrow(/out\/bias' has shape \[5\]/);
    m.getWeights().forEach((w, i) => expect(maxDiff(w.data, before[i].data)).toBe(0));
    // a good file changes every weight
    const other = convNet();
    other.setWeights(other.getWeights().map((t: Tensor, i) => tensor(rand(t.size, i + 100), t.shape)));
    const h = io.memory();
    await io.save(other, h);
    await io.loadWeights(m, h);
    m.getWeights().forEach((w, i) => expect(maxDiff(w.data, other.getWeights()[i].data)).toBe(0));
  });

  it('bad arguments', async () => {
    await expect(io.save({} as never, tmp())).rejects.toThrow(ValueError);
    await expect(io.load(io.memory())).rejects.toThrow(/holds no model/);
    await expect(io.load(42 as never)).rejects.toThrow(ValueError);
  });
});

describe('io.load refuses weight paths that leave the model directory', () => {
  it('"../" and absolute paths in the manifest are a ModelFormatError, and nothing outside is read', async () => {
    const { mkdtempSync, readFileSync, writeFileSync, copyFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { Sequential, layers, io, ModelFormatError } = await import('../../src');
    const root = mkdtempSync(join(tmpdir(), 'convkit-escape-'));
    const dir = join(root, 'model');
    await io.save(new Sequential([layers.dense({ units: 2, inputShape: [3] })], { seed: 1 }), dir);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const shard = json.weightsManifest[0].paths[0];
    copyFileSync(join(dir, shard), join(root, 'outside.bin'));
    for (const bad of ['../outside.bin', join(root, 'outside.bin'), 'file:///etc/hostname']) {
      json.weightsManifest[0].paths[0] = bad;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      await expect(io.load(dir)).rejects.toThrow(ModelFormatError);
      await expect(io.load(dir)).rejects.toThrow(/leaves the model's directory/);
    }
  });
});

describe('io.save / io.load keep the compile settings (TF.js trainingConfig)', () => {
  const dense = (): Sequential =>
    new Sequential([layers.dense({ units: 3, activation: 'softmax', inputShape: [4], name: 'out' })], {
      name: 'tiny',
      seed: 3,
    });
  const x = tensor(Array.from({ length: 8 }, (_, i) => [i % 2, (i >> 1) % 2, 1, -1]));
  const y = tensor(
    Array.from({ length: 8 }, (_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0]),
  );
  /** TF.js's own reading of a model.json (getModelArtifactsForJSON, as its file and http loaders do). */
  const tfFromDir = (dir: string): tf.io.IOHandler => ({
    load: async () => {
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(j, async (manifest) => {
        const artifacts = await tfDirHandler(dir).load!();
        return [manifest.flatMap((g) => g.weights), artifacts.weightData!];
      });
    },
  });

  it('writes TF.js training_config form, and io.load compiles the model so fit runs straight away', async () => {
    const m = dense();
    m.compile({
      optimizer: optimizers.adam({ learningRate: 0.003, beta1: 0.8 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const dir = tmp();
    try {
      await io.save(m, dir);
      const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(j.trainingConfig).toEqual({
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
        optimizer_config: {
          class_name: 'Adam',
          config: { learningRate: 0.003, beta1: 0.8, beta2: 0.999, epsilon: 1e-7 },
        },
      });
      const back = await io.load(dir);
      expect(back.optimizer?.className).toBe('Adam');
      expect(back.optimizer?.learningRate).toBe(0.003);
      expect((back.optimizer as unknown as { beta1: number }).beta1).toBe(0.8);
      expect(back.loss?.name).toBe('categoricalCrossentropy');
      expect(back.metrics.map((x) => x.name)).toEqual(['accuracy']);
      const h = await back.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('TensorFlow.js itself loads the model compiled (Adam and SGD with momentum) and trains it', async () => {
    for (const [opt, cls, lr] of [
      [optimizers.adam({ learningRate: 0.003 }), 'Adam', 0.003],
      [optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), 'Momentum', 0.05],
    ] as const) {
      const m = dense();
      m.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const dir = tmp();
      try {
        await io.save(m, dir);
        const tm = await tf.loadLayersModel(tfFromDir(dir));
        expect(tm.optimizer.getClassName()).toBe(cls);
        expect((tm.optimizer as unknown as { learningRate: number }).learningRate).toBeCloseTo(lr, 9);
        expect(tm.loss).toBe('categoricalCrossentropy');
        const h = await tm.fit(tf.tensor(x.toArray() as number[][]), tf.tensor(y.toArray() as number[][]), {
          epochs: 1,
          verbose: 0,
        });
        expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
        expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("reads TF.js's trainingConfig and Keras's training_config (nsfwjs's form: lr, momentum)", async () => {
    const tm = tf.sequential({
      layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [4], name: 'out' })],
    });
    tm.compile({ optimizer: tf.train.rmsprop(0.01, 0.8), loss: 'meanSquaredError', metrics: ['accuracy'] });
    const art = {
      ...(await tfArtifacts(tm)),
      trainingConfig: (tm as unknown as { getTrainingConfig(): unknown }).getTrainingConfig(),
    } as unknown as io.ModelArtifacts;
    const back = await io.load(art);
    expect(back.optimizer?.className).toBe('RMSprop');
    expect(back.optimizer?.learningRate).toBeCloseTo(0.01, 9);
    expect((back.optimizer as unknown as { rho: number }).rho).toBeCloseTo(0.8, 6);
    expect(back.loss?.name).toBe('meanSquaredError');

    const keras = { ...io.toArtifacts(dense()) };
    keras.modelTopology = {
      ...keras.modelTopology,
      training_config: {
        optimizer_config: { class_name: 'SGD', config: { lr: 9e-7, momentum: 0.9, decay: 0, nesterov: false } },
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
        sample_weight_mode: null,
        loss_weights: null,
      },
    };
    const k = await io.load(keras);
    expect(k.optimizer?.className).toBe('SGD');
    expect(k.optimizer?.learningRate).toBe(9e-7);
    expect((k.optimizer as unknown as { momentum: number }).momentum).toBe(0.9);
  });

  it('leaves out what cannot be restored: uncompiled and custom-loss models save none; an unknown optimizer loads uncompiled with a warning', async () => {
    expect(io.toArtifacts(dense()).trainingConfig).toBeUndefined();
    const custom = dense();
    custom.compile({
      optimizer: 'sgd',
      loss: function myLoss(yTrue: Tensor) {
        return yTrue;
      },
    });
    expect(io.toArtifacts(custom).trainingConfig).toBeUndefined();
    const art = io.toArtifacts(dense());
    art.trainingConfig = { loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Nadam', config: {} } };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const m = await io.load(art);
      expect(m.optimizer).toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/optimizer 'Nadam'.*loaded uncompiled/));
    } finally {
      warn.mockRestore();
    }
  });
});
