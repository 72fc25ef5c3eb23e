// io.saveOnnx checked by a real runtime: ONNX Runtime Web (wasm, one thread) runs the exported file
// and must give convkit's outputs (1e-4 relative); loadOnnx(saveOnnx(m)) must equal m. Where Debian's
// python3 has the onnx package (CI installs it), every file exported here also goes through ONNX's own
// onnx.checker.check_model with full_check (schema, graph and strict shape inference), as do the files
// the README's "Past one machine" commands write.
import { it, expect, beforeAll, describe } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, io, layers, model, ops, Tensor, zoo, ValueError, ModelFormatError, detect, face } from '../../src';
import { yoloNet } from '../../examples/detect';
import type { Model } from '../../src/models';
import { decodeModel, encodeModel } from '../../src/io/onnx/proto';
import { runCli } from '../helpers/cli';
import { onnxChecker, onnxMissing, relErr, runOrt, setupOrt } from '../helpers/onnx';

/** Every file `check` exported, by test name, for ONNX's checker at the end. */
const exported: [string, Uint8Array][] = [];

beforeAll(async () => {
  await init();
  setupOrt();
});

/** Exports m, runs it in ORT and through loadOnnx, and compares both with convkit's own output. */
async function check(m: Model, inputShape: number[], seed = 1, roundTrip = true): Promise<void> {
  const x = ops.randomUniform(inputShape, { min: -1, max: 1, seed });
  const want = (m.predict(x) as Tensor).data;
  const bytes = await io.saveOnnx(m);
  exported.push([`${expect.getState().currentTestName} (${m.name})`, bytes]);
  // the file declares the batch of every input and output as symbolic, as the model has it
  for (const v of [...decodeModel(bytes).graph!.input!, ...decodeModel(bytes).graph!.output!])
    expect(v.type!.tensor_type!.shape!.dim![0], `${v.name}'s batch axis`).toEqual({ dim_param: 'batch' });
  expect(relErr(await runOrt(bytes, x), want), 'ONNX Runtime').toBeLessThan(1e-4);
  if (!roundTrip) return;
  const back = await io.loadOnnx(bytes);
  expect(relErr((back.predict(x) as Tensor).data, want), 'loadOnnx(saveOnnx(m))').toBeLessThan(1e-4);
}

const img = (h: number, w: number, c: number) => layers.input({ shape: [h, w, c] });
const one = (f: (x: any) => any, shape = [7, 9, 6]) => {
  const x = img(shape[0], shape[1], shape[2]);
  return model({ inputs: x, outputs: f(x) });
};

const LAYERS: [string, () => Model, number[]][] = [
  [
    'Conv2D same, stride 2, relu',
    () =>
      one((x) =>
        layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', seed: 1 }).apply(x),
      ),
    [2, 7, 9, 6],
  ],
  [
    'Conv2D explicit pads, dilation, groups',
    () =>
      one((x) =>
        layers
          .conv2d({ filters: 4, kernelSize: [2, 3], dilationRate: 2, padding: [1, 0, 2, 1], groups: 2, seed: 2 })
          .apply(x),
      ),
    [1, 7, 9, 6],
  ],
  [
    'Conv1D',
    () => {
      const x = layers.input({ shape: [11, 3] });
      return model({ inputs: x, outputs: layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, seed: 3 }).apply(x) });
    },
    [2, 11, 3],
  ],
  [
    'DepthwiseConv2D multiplier 2',
    () => one((x) => layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', seed: 4 }).apply(x)),
    [2, 7, 9, 6],
  ],
  [
    'Conv2DTranspose',
    () =>
      one((x) => layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', seed: 5 }).apply(x)),
    [1, 7, 9, 6],
  ],
  [
    'Dense after Flatten (rows permuted)',
    () => one((x) => layers.dense({ units: 5, activation: 'softmax', seed: 6 }).apply(layers.flatten().apply(x))),
    [2, 7, 9, 6],
  ],
  [
    'Dense on rank 3',
    () => {
      const x = layers.input({ shape: [4, 6] });
      return model({ inputs: x, outputs: layers.dense({ units: 3, seed: 7 }).apply(x) });
    },
    [2, 4, 6],
  ],
  [
    'activations',
    () =>
      one((x) =>
        [
          'relu',
          'sigmoid',
          'tanh',
          'elu',
          'softplus',
          'leakyRelu',
          'relu6',
          'hardSigmoid',
          'hardSwish',
          'softmax',
        ].reduce((y, a) => layers.activation({ activation: a as never }).apply(y), x),
      ),
    [2, 7, 9, 6],
  ],
  [
    'ReLU maxValue, LeakyReLU, PReLU, Softmax axis 1',
    () =>
      one((x) => {
        const p = layers.pReLU({ sharedAxes: [1] });
        const y = layers
          .softmax({ axis: 1 })
          .apply(p.apply(layers.leakyReLU({ alpha: 0.1 }).apply(layers.reLU({ maxValue: 0.5 }).apply(x))));
        p.setWeights([ops.randomUniform([1, 9, 6], { min: 0, max: 0.5, seed: 1 })]);
        return y;
      }),
    [2, 7, 9, 6],
  ],
  [
    'BatchNormalization',
    () =>
      one((x) => {
        const bn = layers.batchNormalization({ epsilon: 0.01 });
        const y = bn.apply(x);
        bn.setWeights([1, 2, 3, 4].map((s) => ops.randomUniform([6], { min: 0.5, max: 1.5, seed: s })));
        return y;
      }),
    [2, 7, 9, 6],
  ],
  [
    'Add, Multiply (broadcast), Subtract, Concatenate, Dropout',
    () =>
      one((x) => {
        const a = layers.conv2d({ filters: 6, kernelSize: 1, seed: 8 }).apply(x);
        const g = layers.globalAveragePooling2d({ keepdims: true }).apply(x);
        const y = layers.subtract().apply([layers.multiply().apply([layers.add().apply([x, a]), g]), a]);
        return layers.dropout({ rate: 0.5 }).apply(layers.concatenate().apply([y, x]));
      }),
    [2, 7, 9, 6],
  ],
  // ONNX Runtime's optimizer folds a zero Pad into a following MaxPool, which changes windows of negative
  // values (its Pad fusion treats MaxPool's padding as zeros); the padding here feeds an average pool
  [
    'ZeroPadding2D and pooling (max, avg, same)',
    () =>
      one((x) =>
        layers.maxPooling2d({ poolSize: [2, 3], strides: 1, padding: [1, 0, 1, 1] }).apply(
          layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(
            layers
              .zeroPadding2d({
                padding: [
                  [1, 0],
                  [2, 1],
                ],
              })
              .apply(x),
          ),
        ),
      ),
    [2, 7, 9, 6],
  ],
  [
    "ZeroChannels (face-api's widening shortcut): a Pad of the channel axis, alone and after ZeroPadding2D",
    () =>
      one((x) =>
        new face.ZeroChannels({ channels: 3 }).apply(
          layers.zeroPadding2d({ padding: 1 }).apply(new face.ZeroChannels({ channels: 2 }).apply(x)),
        ),
      ),
    [2, 7, 9, 6],
  ],
  [
    'pooling 1D',
    () => {
      const x = layers.input({ shape: [10, 3] });
      return model({
        inputs: x,
        outputs: layers
          .averagePooling1d({ poolSize: 3, strides: 2 })
          .apply(layers.maxPooling1d({ poolSize: 2 }).apply(x)),
      });
    },
    [2, 10, 3],
  ],
  [
    'global pooling',
    () =>
      one((x) =>
        layers.concatenate().apply([layers.globalAveragePooling2d().apply(x), layers.globalMaxPooling2d().apply(x)]),
      ),
    [2, 7, 9, 6],
  ],
  [
    'Reshape, Permute, Slice',
    () =>
      one((x) =>
        layers
          .slice({ begin: [1, 0, 2], size: [2, -1, 3] })
          .apply(layers.permute({ dims: [2, 1, 3] }).apply(layers.reshape({ targetShape: [9, 7, 6] }).apply(x))),
      ),
    [2, 7, 9, 6],
  ],
  [
    'UpSampling2D and Resizing',
    () =>
      one((x) =>
        layers
          .resizing({ height: 5, width: 13, interpolation: 'bilinear' })
          .apply(layers.upSampling2d({ size: [2, 3] }).apply(x)),
      ),
    [2, 7, 9, 6],
  ],
  [
    'Rescaling with a per-channel constant',
    () => one((x) => layers.rescaling({ scale: 1 / 255, offset: Array.from({ length: 6 }, (_, i) => i - 2) }).apply(x)),
    [2, 7, 9, 6],
  ],
];

describe('saveOnnx, each layer type alone', () => {
  it.each(LAYERS)("%s: ONNX Runtime and loadOnnx give convkit's outputs", async (_name, make, shape) => {
    await check(make(), shape);
  });
});

describe('saveOnnx on networks', () => {
  it('lenet5 and resnet18 (zoo)', async () => {
    await check(zoo.lenet5({ seed: 1 } as never), [2, 28, 28, 1]);
    await check(zoo.resnet({ depth: 18, inputShape: [64, 64, 3], classes: 10, seed: 2 } as never), [1, 64, 64, 3]);
  }, 60_000);
  it("inputLayout 'nchw' gives an NCHW file", async () => {
    const m = zoo.lenet5({ seed: 1 } as never);
    const x = ops.randomUniform([2, 28, 28, 1], { seed: 3 });
    const y = await runOrt(
      await io.saveOnnx(m, undefined, { inputLayout: 'nchw' }),
      ops.transpose(x, [0, 3, 1, 2]),
      [2, 1, 28, 28],
    );
    expect(relErr(y, (m.predict(x) as Tensor).data)).toBeLessThan(1e-4);
  });
  it('refuses opsets outside 11-17 and names layers it cannot export', async () => {
    await expect(io.saveOnnx(zoo.lenet5(), undefined, { opset: 18 })).rejects.toThrow(ValueError);
  });
  it('loadOnnx refuses channel pads it cannot express (before the first channel) with a ModelFormatError', async () => {
    const bytes = await io.saveOnnx(one((x) => new face.ZeroChannels({ channels: 2 }).apply(x)));
    // the exported Pad's pads [0, 0, 0, 0, 0, 2, 0, 0] moved to the front of the channel axis
    const m = decodeModel(bytes);
    const pads = m.graph!.initializer!.find((t) => t.int64_data?.length === 8)!;
    expect(pads.int64_data!.map(Number)).toEqual([0, 0, 0, 0, 0, 2, 0, 0]);
    pads.int64_data = [0, 2, 0, 0, 0, 0, 0, 0];
    const text = encodeModel(m);
    await expect(io.loadOnnx(text)).rejects.toThrow(ModelFormatError);
    await expect(io.loadOnnx(text)).rejects.toThrow(/pads \[0,2,0,0,0,0,0,0\]/);
  });
});

describe('saveOnnx on pretrained and imported networks', () => {
  it('nsfwjs MobileNetV2 (224x224)', async () => {
    await check(await io.loadNsfwjs('mobilenet_v2'), [1, 224, 224, 3]);
  }, 120_000);
  it("face-api's tiny face detector, 68-point landmark net and 128-d recognition net", async () => {
    await check((await detect.tinyFaceDetector()).model, [1, 160, 160, 3]);
    await check((await detect.faceLandmarks68()).model, [1, 112, 112, 3]);
    // its zero-channel shortcuts export as a Pad of the channel axis, read back as ZeroChannels
    const rec = (await face.loadFaceRecognitionNet()).model;
    await check(rec, [1, 150, 150, 3]);
    const back = await io.loadOnnx(await io.saveOnnx(rec));
    expect(back.layers.filter((l) => l.className === 'ZeroChannels')).toHaveLength(3);
  }, 120_000);
  it('nsfwjs InceptionV3 (299x299)', async () => {
    await check(await io.loadNsfwjs('inception_v3'), [1, 299, 299, 3]);
  }, 240_000);
  it("the tour's YOLO", async () => {
    const net = yoloNet(3, 3, 5);
    await check(net, [2, ...(net.inputs[0].shape.slice(1) as number[])]);
  }, 60_000);
  it('the PyTorch-exported networks, imported then exported again', async () => {
    const e = JSON.parse(readFileSync('test/fixtures/onnx/index.json', 'utf8'));
    for (const tag of ['custom-op13', 'extras-op13']) {
      const m = await io.loadOnnx(`test/fixtures/onnx/${e[tag].onnx}`);
      const [n, c, h, w] = e[tag].inputShape;
      await check(m, [n, h, w, c]);
    }
  }, 60_000);
});

describe.skipIf(onnxMissing !== null)(`ONNX's own checker${onnxMissing ? ` (skipped: ${onnxMissing})` : ''}`, () => {
  it('passes every file exported above, and at opsets 11 and 17 and NCHW input too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-check-'));
    try {
      const extra: [string, Uint8Array][] = [];
      for (const opset of [11, 13, 17])
        for (const inputLayout of ['nhwc', 'nchw'] as const)
          extra.push([
            `resnet18 opset ${opset} ${inputLayout}`,
            await io.saveOnnx(
              zoo.resnet({ depth: 18, inputShape: [32, 32, 3], classes: 4, seed: 1 } as never),
              undefined,
              {
                opset,
                inputLayout,
              },
            ),
          ]);
      const files = [...exported, ...extra];
      // the whole file ran: the layer cases, the networks and the pretrained ones
      expect(exported.length).toBeGreaterThanOrEqual(LAYERS.length + 8);
      const paths = files.map(([, bytes], i) => {
        const path = join(dir, `${i}.onnx`);
        writeFileSync(path, bytes);
        return path;
      });
      const result = onnxChecker(paths);
      const failed = files.map(([name], i) => [name, result[paths[i]]]).filter(([, err]) => err !== null);
      expect(failed).toEqual([]);
      expect(Object.keys(result)).toHaveLength(files.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the README\'s "Past one machine" conversions write files the checker passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-readme-'));
    try {
      // convkit convert my-model/ model.onnx --input-layout nchw
      await io.save(zoo.lenet5({ seed: 1 } as never), join(dir, 'my-model'));
      const a = await runCli('convert', join(dir, 'my-model'), join(dir, 'model.onnx'), '--input-layout', 'nchw');
      expect(a.code, a.stderr).toBe(0);
      // convkit convert model.onnx my-model2/, then back: convkit convert my-model2/ trained.onnx
      const b = await runCli('convert', join(dir, 'model.onnx'), join(dir, 'my-model2'));
      expect(b.code, b.stderr).toBe(0);
      const c = await runCli('convert', join(dir, 'my-model2'), join(dir, 'trained.onnx'));
      expect(c.code, c.stderr).toBe(0);
      const paths = ['model.onnx', 'trained.onnx'].map((f) => join(dir, f));
      expect(onnxChecker(paths)).toEqual(Object.fromEntries(paths.map((p) => [p, null])));
      // and the checker can fail: a Conv whose weight input is dropped
      const m = decodeModel(readFileSync(paths[0]));
      const conv = m.graph!.node!.find((n) => n.op_type === 'Conv')!;
      conv.input = conv.input!.slice(0, 1).concat(['no_such_weight']);
      writeFileSync(join(dir, 'broken.onnx'), encodeModel(m));
      expect(onnxChecker([join(dir, 'broken.onnx')])[join(dir, 'broken.onnx')]).toMatch(/no_such_weight/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
