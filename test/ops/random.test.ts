import { describe, it, expect } from 'vitest';
import { ops, grad, tensor, ValueError } from '../../src';

describe('seeded randomness', () => {
  it('the same seed gives the same stream; different seeds differ', () => {
    const a = ops.rng(42),
      b = ops.rng(42),
      c = ops.rng(43);
    const sa = Array.from({ length: 20 }, () => a.next()),
      sb = Array.from({ length: 20 }, () => b.next());
    expect(sa).toEqual(sb);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
    expect(ops.randomNormal([10], { seed: 5 }).data).toEqual(ops.randomNormal([10], { seed: 5 }).data);
  });

  it('has the requested moments and ranges', () => {
    const n = ops.randomNormal([20000], { mean: 2, stddev: 3, seed: 1 });
    const m = ops.moments(n, [0]);
    expect(m.mean.item()).toBeCloseTo(2, 1);
    expect(Math.sqrt(m.variance.item())).toBeCloseTo(3, 1);
    const u = ops.randomUniform([20000], { min: -2, max: 4, seed: 2 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(4);
    expect(ops.mean(u).item()).toBeCloseTo(1, 1);
    const t = ops.truncatedNormal([5000], { stddev: 0.5, seed: 3 });
    expect(Math.max(...t.data.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('dropout is inverted, seeded, and its backward reuses the mask', () => {
    const x = ops.add(ops.randomUniform([1000], { seed: 4 }), 1);
    const y = ops.dropout(x, 0.3, 7);
    expect(y.data).toEqual(ops.dropout(x, 0.3, 7).data);
    const kept = y.data.filter((v) => v !== 0).length;
    expect(kept / 1000).toBeGreaterThan(0.62);
    expect(kept / 1000).toBeLessThan(0.78);
    y.data.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo(x.data[i] / 0.7, 5);
    });
    const g = grad((t) => ops.sum(ops.dropout(t, 0.3, 7)))(x);
    g.data.forEach((v, i) => expect(v).toBeCloseTo(y.data[i] === 0 ? 0 : 1 / 0.7, 5));
    expect(() => ops.dropout(x, 1)).toThrow(ValueError);
  });

  it('oneHot', () => {
    expect(ops.oneHot([2, 0], 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(ops.oneHot(tensor([1]), 2).toArray()).toEqual([[0, 1]]);
    expect(() => ops.oneHot([3], 3)).toThrow(/oneHot: index 3 is not in \[0, 3\)/);
  });
});
