// The tape's own state: gradients summed through the backend, Tensor.reshape recorded directly, and
// the fused-ReLU fold (max pooling masks the gradient, so the conv's ReLU backward skips its pass).
import { describe, it, expect, vi, afterEach } from 'vitest';
import { backend, ops, Tensor, valueAndGrads, variable } from '../../src';
import { jsKernels } from '../../src/backend/js';
import { sizeOf } from '../../src/tensor';

afterEach(() => {
  vi.restoreAllMocks();
});

const ramp = (shape: number[], scale = 0.1, offset = 0): Tensor => {
  const n = sizeOf(shape);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + 0.3) * scale + offset),
    shape,
  );
};

describe('tape', () => {
  it('Tensor.reshape is differentiable and a tensor used twice gets both gradients summed', () => {
    const x = variable(ramp([2, 3]));
    const { grads } = valueAndGrads(() => ops.sum(ops.mul(x.reshape([3, 2]).reshape([6]), ops.reshape(x, [6]))), [x]);
    // d/dx sum(x * x) = 2x
    expect(Array.from(grads[0].data)).toEqual(Array.from(x.data).map((v) => Math.fround(2 * v)));
    expect(grads[0].shape).toEqual([2, 3]);
  });

  it('max pooling folds the ReLU mask of a fused conv: the ReLU backward kernel does not run', () => {
    backend.with('js', () => {
      const x = ramp([1, 6, 6, 2], 1),
        w = variable(ramp([3, 3, 2, 4], 0.5)),
        b = variable(ramp([4], 0.3, -0.4));
      const spy = vi.spyOn(jsKernels, 'unaryBackward');
      const pooled = () => ops.sum(ops.maxPool2d(ops.conv2d(x, w, { bias: b, activation: 'relu' }), { poolSize: 2 }));
      const folded = valueAndGrads(pooled, [w, b]);
      expect(spy.mock.calls.filter(([op]) => op === 'relu')).toHaveLength(0);
      // a second consumer of the ReLU output: its gradient is a sum, so the mask must run
      const y = () => ops.conv2d(x, w, { bias: b, activation: 'relu' });
      const twice = valueAndGrads(() => {
        const t = y();
        return ops.add(ops.sum(ops.maxPool2d(t, { poolSize: 2 })), ops.sum(t));
      }, [w, b]);
      expect(spy.mock.calls.filter(([op]) => op === 'relu')).toHaveLength(1);
      spy.mockRestore();
      const plain = valueAndGrads(
        () => ops.sum(ops.maxPool2d(ops.relu(ops.conv2d(x, w, { bias: b })), { poolSize: 2 })),
        [w, b],
      );
      const plainSum = valueAndGrads(() => ops.sum(ops.relu(ops.conv2d(x, w, { bias: b }))), [w, b]);
      for (let k = 0; k < 2; k++) {
        expect(Array.from(folded.grads[k].data)).toEqual(Array.from(plain.grads[k].data));
        const want = plain.grads[k].data.map((v, i) => v + plainSum.grads[k].data[i]);
        twice.grads[k].data.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      }
    });
  });
});
