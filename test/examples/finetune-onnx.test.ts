// Fine-tuning the PyTorch-trained CNN (test/fixtures/onnx/mnist04.onnx): the seeded run of the example,
// checked against what PyTorch recorded, against random features, and against the file it started from.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFinetuneOnnx, MNIST04_ONNX } from '../../examples/finetune-onnx';
import { io, ops, Tensor } from '../../src';

let out = '';
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('examples/finetune-onnx', () => {
  it('frozen PyTorch convolutions + a new head beat random convolutions + the same head on digits 5-9', async () => {
    out = await mkdtemp(join(tmpdir(), 'convkit-finetune-'));
    const lines: string[] = [];
    const r = await runFinetuneOnnx({ out, seed: 1, log: (s) => lines.push(s) });

    // the imported network scores what PyTorch measured on the same 1,500 held-out digits 0-4
    expect(r.pytorchAccuracy).toBeGreaterThan(0.9);
    expect(Math.abs(r.importedAccuracy - r.pytorchAccuracy)).toBeLessThanOrEqual(1 / 1500 + 1e-9);

    // seed 1 measured 88.9% against 83.0% (seeds 2 and 3: 90.1/86.5, 90.1/85.5); 3 points of margin
    expect(r.finetuned).toBeGreaterThan(0.85);
    expect(r.finetuned - r.randomFeatures).toBeGreaterThan(0.03);
    expect(
      lines.filter((l) => /^ {2}epoch +\d+\/15: PyTorch features loss [\d.]+ held-out [\d.]+%/.test(l)),
    ).toHaveLength(15);

    // only the head trained: every frozen layer's weights equal the file's, read afresh
    expect(r.frozen).toEqual(['conv1_Conv', 'Relu', 'MaxPool', 'conv2_Conv', 'Relu_1', 'MaxPool_1', 'Flatten']);
    expect(r.frozenUnchanged).toBe(true);
    expect(r.trainableParams).toBe(256 * 5 + 5);
    const original = await io.loadOnnx(MNIST04_ONNX);
    for (const name of ['conv1_Conv', 'conv2_Conv']) {
      const want = original.getLayer(name).getWeights(),
        got = r.model.getLayer(name).getWeights();
      expect(got).toHaveLength(2);
      got.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(want[i].data)));
    }

    // the fine-tuned classifier written back to ONNX reads back with the same outputs
    expect(r.files).toEqual([join(out, 'finetune-onnx.onnx')]);
    const back = await io.loadOnnx(r.files[0]);
    const x = ops.randomUniform([3, 28, 28, 1], { min: 0, max: 1, seed: 2 });
    const a = (r.model.predict(x) as Tensor).data,
      b = (back.predict(x) as Tensor).data;
    expect(a.length).toBe(15);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
  }, 120_000);
});
