// io.saveOnnx of a quantised model: a QDQ graph (int8 weights per channel with their axis, activations quantised
// per tensor at the calibrated ranges) that ONNX Runtime Web runs with convkit's int8 answers. ORT may fuse the
// DQ -> Conv -> Q groups into QLinearConv with its own requantisation rounding, so a value could land one step
// away: outputs must agree within 1e-3 of their largest magnitude and within a third of the float model's distance
// from int8 (on these nets ORT matched to about 1e-7). The 'fused' form quantises every value between layers, so
// ORT's QDQ transformer turns every group into a QLinear op (counted from ORT's verbose log); it rounds where convkit
// stays float, so it is held to a looser bound. loadOnnx reads the file back as a float model, and where Debian's
// python3 has onnx, onnx.checker passes on every file.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { backend, init, io, layers, model, quantize, ModelFormatError, ValueError, zoo } from '../../src';
import type { Model, QuantizeOptions } from '../../src';
import { decodeModel, encodeModel } from '../../src/io/onnx/proto';
import { seeded, smallNet } from './nets';
import { onnxChecker, onnxMissing, relErr, runOrt, setupOrt } from '../helpers/onnx';
import { ortFusions } from '../../bench/ort';

const exported: Uint8Array[] = [];

beforeAll(async () => {
  await init();
  setupOrt();
});

/** Quantises m, exports it, runs ORT: its outputs against convkit's int8 ones (and the float model's, for scale). */
async function check(
  m: Model,
  shape: number[],
  opts: Omit<QuantizeOptions, 'calibration'>,
  seed: number,
  qdq: 'exact' | 'fused' = 'exact',
) {
  const q = quantize(m, { calibration: seeded([16, ...shape], seed), ...opts });
  const x = seeded([3, ...shape], seed + 1);
  const bytes = await io.saveOnnx(q, undefined, { qdq });
  exported.push(bytes);
  const ops = decodeModel(bytes).graph!.node!.map((n) => n.op_type);
  const got = await runOrt(bytes, x),
    want = q.predict(x).data,
    float = m.predict(x).data;
  return { ops, err: relErr(got, want), floatErr: relErr(float, want), got, want };
}

describe('saveOnnx of a quantised model (QDQ)', () => {
  it.each([
    ['per channel, uint8', { skip: ['c5'] }],
    ['per channel, int8 activations', { activations: 'int8' as const }],
    ['per tensor, uint8', { weights: 'perTensor' as const }],
    ['per tensor, bias correction', { weights: 'perTensor' as const, biasCorrection: true }],
    ['per channel, the residual add kept float', { skip: ['sum'] }],
    ['per channel, int16 activations (ONNX Runtime contrib Q/DQ)', { activations: 'int16' as const }],
  ])('a small net of every int8 step kind, %s: ONNX Runtime gives convkit int8 answers', async (_, opts) => {
    backend.use('wasm-simd');
    const r = await check(smallNet(), [13, 11, 3], opts, 3);
    console.log(`small ${_}: ORT vs int8 ${r.err.toExponential(2)}, float vs int8 ${r.floatErr.toExponential(2)}`);
    expect(r.ops.filter((o) => o === 'DequantizeLinear').length).toBeGreaterThan(8);
    // batch norm folded into the int8 conv: not exported again
    expect(r.ops).not.toContain('BatchNormalization');
    expect(r.err).toBeLessThan(Math.min(1e-3, r.floatErr / 3));
  });

  it('LeNet-5 (flatten -> dense rows permuted) and ResNet-18: ONNX Runtime agrees with convkit int8', async () => {
    backend.use('wasm-simd');
    const lenet = await check(zoo.lenet5({ seed: 3 }), [28, 28, 1], {}, 5);
    const resnet = await check(
      zoo.resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 5 }),
      [32, 32, 3],
      {},
      7,
    );
    for (const [name, r] of [
      ['lenet', lenet],
      ['resnet18', resnet],
    ] as const) {
      console.log(`${name}: ORT vs int8 ${r.err.toExponential(2)}, float vs int8 ${r.floatErr.toExponential(2)}`);
      expect(r.err, name).toBeLessThan(Math.min(1e-3, r.floatErr / 3));
    }
  });

  it("qdq 'fused': ONNX Runtime turns every int8 layer and the residual add into QLinear ops", async () => {
    backend.use('wasm-simd');
    const exact = await check(smallNet(), [13, 11, 3], {}, 3);
    const fused = await check(smallNet(), [13, 11, 3], {}, 3, 'fused');
    const [fe, ff] = [await ortFusions(exported.at(-2)!), await ortFusions(exported.at(-1)!)];
    console.log(
      `small fused: ORT vs int8 ${fused.err.toExponential(2)}, float vs int8 ${fused.floatErr.toExponential(2)}`,
    );
    console.log('ORT QDQ groups, exact:', fe, 'fused:', ff);
    // c1, dw, pw and c5; the add; the dense layer; the input's layout Transpose (GlobalAveragePool + Flatten is no
    // group ORT knows)
    expect(ff).toEqual({ Transpose: 1, Conv: 4, Add: 1, Gemm: 1 });
    // the exact form leaves c5 (read by the float pooling) float; pw feeds the add, which convkit runs int8 too
    expect(fe).toEqual({ Transpose: 1, Conv: 3, Add: 1, Gemm: 1 });
    // one more rounding per residual branch: nearer convkit's int8 answers than the float model is, not equal
    expect(fused.err).toBeLessThan(fused.floatErr);
    expect(exact.err).toBeLessThan(Math.min(1e-3, exact.floatErr / 3));
  });

  it('ZeroPadding2D before an int8 convolution becomes its pads (no float Pad), answers unchanged', async () => {
    backend.use('wasm-simd');
    const x = layers.input({ shape: [9, 10, 4] });
    let h = layers
      .zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
      })
      .apply(x);
    h = layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu', seed: 6, name: 'c' }).apply(h);
    h = layers.zeroPadding2d({ padding: 1 }).apply(h);
    h = layers.depthwiseConv2d({ kernelSize: 3, activation: 'relu6', seed: 7, name: 'd' }).apply(h);
    for (const qdq of ['exact', 'fused'] as const) {
      const r = await check(model({ inputs: x, outputs: h as never }), [9, 10, 4], {}, 9, qdq);
      expect(r.ops, qdq).not.toContain('Pad');
      expect(r.err, qdq).toBeLessThan(Math.min(1e-3, r.floatErr / 3));
    }
  });

  it("open spatial sizes (face-api's detector takes [null, null, 3]) export and run at the calibrated size", async () => {
    backend.use('wasm-simd');
    const x = layers.input({ shape: [null, null, 3] as unknown as number[] });
    let h = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', seed: 8, name: 'c' }).apply(x);
    h = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(h);
    h = layers.conv2d({ filters: 4, kernelSize: 1, seed: 9, name: 'p' }).apply(h);
    const r = await check(model({ inputs: x, outputs: h as never }), [20, 23, 3], {}, 11);
    expect(r.err).toBeLessThan(Math.min(1e-3, r.floatErr / 3));
  });

  it('loadOnnx reads the QDQ file as a float model: weights dequantised, activation pairs as the identity', async () => {
    backend.use('wasm-simd');
    const m = smallNet(),
      q = quantize(m, { calibration: seeded([8, 13, 11, 3], 11) }),
      x = seeded([2, 13, 11, 3], 12);
    const back = await io.loadOnnx(await io.saveOnnx(q));
    // the float model with the quantised model's (int8-rounded) weights
    const mem = io.memory();
    await io.save(q, mem);
    const { convkit_quantization: _, ...topology } = mem.artifacts!.modelTopology;
    const rounded = await io.load(io.fromMemory({ ...mem.artifacts!, modelTopology: topology }));
    expect(relErr(back.predict(x).data, rounded.predict(x).data)).toBeLessThan(1e-4);
  });

  it('bad requests fail with typed errors', async () => {
    const q = quantize(smallNet(), { calibration: seeded([4, 13, 11, 3], 13) });
    await expect(io.saveOnnx(q, undefined, { opset: 12 })).rejects.toThrow(
      /saveOnnx: a quantised model needs opset 13 or later/,
    );
    await expect(io.saveOnnx(q, undefined, { qdq: 'all' as never })).rejects.toThrow(ValueError);
    await expect(io.saveOnnx(q, undefined, { qdq: 'all' as never })).rejects.toThrow(/qdq must be 'exact' or 'fused'/);
    // a DequantizeLinear of an activation no QuantizeLinear made is a format error
    const bytes = await io.saveOnnx(q);
    const g = decodeModel(bytes);
    const dq = g.graph!.node!.find((n) => n.op_type === 'DequantizeLinear' && n.input![0].endsWith('/q'))!;
    const qNode = g.graph!.node!.find((n) => n.output![0] === dq.input![0])!;
    dq.input![0] = qNode.input![0];
    await expect(io.loadOnnx(encodeModel(g))).rejects.toThrow(ModelFormatError);
    await expect(io.loadOnnx(encodeModel(g))).rejects.toThrow(/no QuantizeLinear produced/);
  });

  it.skipIf(!!onnxMissing)('onnx.checker.check_model(full_check=True) passes on every exported QDQ file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-qdq-'));
    try {
      const paths = exported.map((b, i) => {
        const p = join(dir, `m${i}.onnx`);
        writeFileSync(p, b);
        return p;
      });
      expect(paths.length).toBeGreaterThan(3);
      const r = onnxChecker(paths);
      for (const p of paths) expect(r[p], p).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
