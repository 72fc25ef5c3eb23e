import { describe, it, expect } from 'vitest';
import { zoo, layers, model, tensor, ops, ValueError } from '../../src/index';
import type { SymbolicTensor } from '../../src/layers';
import type { Tensor } from '../../src/index';
import { sizeOf } from '../../src/tensor';

const rand = (shape: number[], seed: number): Tensor => {
  let s = seed;
  const n = sizeOf(shape);
  return tensor(
    new Float32Array(n).map(() => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1),
    shape,
  );
};

describe('zoo.resnet', () => {
  it('depth 50 is Keras ResNet50: 25,636,712 parameters, 53,120 of them batch-norm statistics', () => {
    const m = zoo.resnet({ depth: 50 });
    const s = m.summary({ print: false });
    expect(s.totals.params).toBe(25_636_712);
    expect(s.totals.nonTrainableParams).toBe(53_120);
    expect(s.rows.length).toBe(177); // Keras ResNet50 has 177 layers (input included)
    expect(m.getLayer('conv2_block1_0_conv').getWeights()[0].shape).toEqual([1, 1, 64, 256]);
    expect(m.getLayer('conv5_block3_out').className).toBe('Activation');
    expect(m.getLayer('avg_pool').className).toBe('GlobalAveragePooling2D');
    // projection shortcuts only in the first block of each stage
    expect(s.rows.filter((r) => r.name.endsWith('_0_conv')).map((r) => r.name)).toEqual([
      'conv2_block1_0_conv',
      'conv3_block1_0_conv',
      'conv4_block1_0_conv',
      'conv5_block1_0_conv',
    ]);
  });

  it("depths 18 and 34 have the paper's trainable parameter counts", () => {
    expect(zoo.resnet({ depth: 18 }).summary({ print: false }).totals.trainableParams).toBe(11_689_512);
    const r34 = zoo.resnet({ depth: 34, includeTop: false, pooling: 'avg' });
    expect(r34.summary({ print: false }).totals.trainableParams).toBe(21_797_672 - 513_000);
    expect(r34.outputs[0].shape).toEqual([null, 512]);
  });

  it('an identity block computes relu(F(x) + x)', () => {
    const x = layers.input({ shape: [5, 7, 8] });
    const y = zoo.residualBlock(x, { filters: 8, name: 'blk' });
    const m = model({ inputs: x, outputs: y, seed: 4 });
    expect(m.layers.some((l) => l.name === 'blk_0_conv')).toBe(false);
    const xv = rand([2, 5, 7, 8], 1);
    // the residual branch alone: the block's layers up to its last batch norm
    const branch = model({ inputs: x, outputs: m.getLayer('blk_2_bn').inboundNodes.at(-1)!.outputs[0] });
    const expected = ops.relu(ops.add(branch.predict(xv), xv));
    const got = m.predict(xv);
    expect(got.shape).toEqual([2, 5, 7, 8]);
    for (let i = 0; i < got.size; i++) expect(got.data[i]).toBeCloseTo(expected.data[i], 5);
  });

  it('a projection block changes channels and resolution', () => {
    const x = layers.input({ shape: [9, 9, 4] });
    const y = zoo.residualBlock(x, { filters: 6, strides: 2, bottleneck: true, name: 'p' });
    expect(y.shape).toEqual([null, 5, 5, 24]);
    const m = model({ inputs: x, outputs: y, seed: 2 });
    expect(m.getLayer('p_0_conv').getWeights()[0].shape).toEqual([1, 1, 4, 24]);
    expect(m.predict(rand([1, 9, 9, 4], 3)).data.every((v) => v >= 0)).toBe(true);
    expect(() => zoo.residualBlock(x, { filters: 6, shortcut: 'identity' })).toThrow(/identity shortcut needs/);
  });

  it('a small ResNet-18 runs end to end', () => {
    const m = zoo.resnet({ depth: 18, inputShape: [32, 32, 3], classes: 3, seed: 7 });
    const y = m.predict(rand([2, 32, 32, 3], 5));
    expect(y.shape).toEqual([2, 3]);
    expect(y.data[0] + y.data[1] + y.data[2]).toBeCloseTo(1, 5);
  });

  it('rejects bad options', () => {
    expect(() => zoo.resnet({ depth: 101 as never })).toThrow(/depth must be 18, 34 or 50/);
    expect(() => zoo.residualBlock({} as SymbolicTensor, { filters: 4 })).toThrow(ValueError);
  });
});
