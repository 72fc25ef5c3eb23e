import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { io, tensor, init, ModelFormatError, ValueError } from '../../src/index';

// The same artifacts, loaded by TF.js from the nsfwjs package.
const require = createRequire(import.meta.url);
const modelDir = (name: string): string => join(dirname(dirname(require.resolve('nsfwjs'))), 'models', name);
function nsfwBundle(name: string): io.ModelBundle {
  const m = require(join(modelDir(name), 'model.min.js'));
  return {
    modelTopology: m.modelTopology,
    weightsManifest: m.weightsManifest,
    shards: m.weightsManifest.flatMap((g: { paths: string[] }) =>
      g.paths.map((p) => require(join(modelDir(name), `${p}.min.js`))),
    ),
  };
}
async function tfModel(name: string): Promise<tf.LayersModel> {
  const b = nsfwBundle(name);
  const bytes = b.shards.map((s) => new Uint8Array(Buffer.from(s as string, 'base64')));
  const all = new Uint8Array(bytes.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of bytes) {
    all.set(x, o);
    o += x.length;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: b.modelTopology,
      weightSpecs: b.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: all.buffer,
    }),
  );
}

/** A synthetic photo-like RGB image in [0, 1]: gradients, a disc and stripes (seeded by k). */
function picture(size: number, k: number): Float32Array {
  const x = new Float32Array(size * size * 3);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const u = i / size,
        v = j / size;
      const disc = (u - 0.5 - 0.1 * k) ** 2 + (v - 0.4) ** 2 < 0.06 ? 1 : 0;
      const p = (i * size + j) * 3;
      x[p] = 0.5 + 0.4 * Math.sin(6 * u + k) * (1 - disc) + 0.1 * disc;
      x[p + 1] = 0.3 + 0.5 * v * (1 - disc) + 0.6 * disc * Math.cos(9 * v);
      x[p + 2] = 0.5 + 0.3 * Math.sign(Math.sin(40 * (u + v) + k)) * (1 - disc);
    }
  }
  return x;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

describe('pretrained nsfwjs networks', () => {
  it('MobileNetV2 (uint8-quantised, ReLU6, depthwise convs) predicts as TF.js does', async () => {
    const m = await io.loadNsfwjs('mobilenet_v2');
    expect(m.layers.length).toBe(162);
    expect(m.outputs[0].shape).toEqual([null, 5]);
    expect(m.getLayer('Conv1_relu').className).toBe('ReLU');
    // the pretrained body comes frozen, the head trainable (as saved)
    expect(m.getLayer('Conv1').trainable).toBe(false);
    expect(m.getLayer('dense_3').trainable).toBe(true);
    const tm = await tfModel('mobilenet_v2');
    expect(m.countParams()).toBe(tm.countParams());
    const x = new Float32Array([...picture(224, 0), ...picture(224, 2)]);
    const ours = m.predict(tensor(x, [2, 224, 224, 3]));
    // TF.js cpu takes seconds per image: it checks the first picture of the batch.
    const theirs = tf.tidy(() =>
      (tm.predict(tf.tensor(x.subarray(0, 224 * 224 * 3), [1, 224, 224, 3])) as tf.Tensor).dataSync(),
    );
    expect(ours.shape).toEqual([2, 5]);
    const diff = maxDiff(ours.data.subarray(0, 5), theirs);
    if (process.env.CONVKIT_VERBOSE) console.log(`MobileNetV2 max abs difference vs TF.js: ${diff}`);
    expect(diff).toBeLessThan(1e-4);
    // the two pictures get different scores (the comparison is not between two constants)
    expect(maxDiff(ours.data.slice(0, 5), ours.data.slice(5))).toBeGreaterThan(1e-3);
  }, 60_000);

  it('InceptionV3 (318 layers, Keras 2.2.4 export) predicts as TF.js (wasm) does', async () => {
    const m = await io.loadNsfwjs('inception_v3');
    expect(m.layers.length).toBe(318);
    expect(m.inputs[0].shape).toEqual([null, 299, 299, 3]);
    setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
    // TF.js cpu needs about a minute for one InceptionV3 image here; its wasm backend a second.
    await tf.setBackend('wasm');
    try {
      const tm = await tfModel('inception_v3');
      expect(m.countParams()).toBe(tm.countParams());
      const x = picture(299, 1);
      const ours = m.predict(tensor(x, [1, 299, 299, 3]));
      const theirs = tf.tidy(() => (tm.predict(tf.tensor(x, [1, 299, 299, 3])) as tf.Tensor).dataSync());
      const diff = maxDiff(ours.data, theirs);
      if (process.env.CONVKIT_VERBOSE)
        console.log(`InceptionV3 max abs difference vs TF.js wasm: ${diff}`, Array.from(ours.data));
      expect(diff).toBeLessThan(1e-4);
      tm.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  }, 60_000);

  it('bad bundles are ModelFormatErrors', () => {
    const b = nsfwBundle('mobilenet_v2');
    expect(() => io.fromBundle({ ...b, shards: [] })).toThrow(/lists 1 shard\(s\), got 0/);
    expect(() => io.fromBundle({ ...b, shards: [(b.shards[0] as string).slice(0, 1000)] })).toThrow(/truncated/);
    expect(() => io.fromBundle({ ...b, shards: ['not base64!'] })).toThrow(ModelFormatError);
    return expect(io.loadNsfwjs('resnet' as never)).rejects.toThrow(ValueError);
  });
});
