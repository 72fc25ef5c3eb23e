// io.saveOnnx of a quantised model: a QDQ graph (int8 weights per channel with their axis, activations quantised
// per tensor at the calibrated ranges) that ONNX Runtime Web runs with convkit's int8 answers. ORT may fuse the
// DQ -> Conv -> Q groups into QLinearConv with its own requantisation rounding, so a value could land one step
// away: outputs must agree within 1e-3 of their largest magnitude and within a third of the float model's distance
// from int8 (on these nets ORT matched to about 1e-7). loadOnnx reads the file back as a float model, and where
// Debian's python3 has onnx, onnx.checker passes on every file.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { backend, init, io, quantize, ModelFormatError, zoo } from '../../src';
import type { Model, QuantizeOptions } from '../../src';
import { decodeModel, encodeModel } from '../../src/io/onnx/proto';
import { seeded, smallNet } from './nets';
import { onnxChecker, onnxMissing, relErr, runOrt, setupOrt } from '../helpers/onnx';

const exported: Uint8Array[] = [];

beforeAll(async () => {
  await init();
  setupOrt();
});

/** Quantises m, exports it, runs ORT: its outputs against convkit's int8 ones (and the float model's, for scale). */
async function check(m: Model, shape: number[], opts: Omit<QuantizeOptions, 'calibration'>, seed: number) {
  const q = quantize(m, { calibration: seeded([16, ...shape], seed), ...opts });
  const x = seeded([3, ...shape], seed + 1);
  const bytes = await io.saveOnnx(q);
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
