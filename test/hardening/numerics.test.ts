// Numerics that fail loudly: stable softmax / cross-entropy at logits of ±1e4, fit stopping with a
// NumericalError at the batch where training diverged, and deterministic max-pool tie gradients.
import { describe, it, expect } from 'vitest';
import {
  ops,
  tensor,
  backend,
  grad,
  losses,
  layers,
  optimizers,
  Sequential,
  Tensor,
  NumericalError,
  ValueError,
} from '../../src';
import { BACKENDS } from '../helpers/backends';
import { expectClose } from '../helpers/close';

const finite = (t: Tensor): boolean => t.data.every((v) => Number.isFinite(v));
/** log Σ exp(row) in f64, the oracle for cross-entropy rows. */
const logSumExp = (row: number[]): number => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe.each(BACKENDS)('extreme logits stay finite on %s', (b) => {
  const rows = [
    [1e4, -1e4, 0, 5e3],
    [-1e4, -1e4, -1e4, -1e4],
    [1e4, 1e4, -1e4, 0],
    [-1e4, 1e4, 3, -2],
  ];
  const labels = [1, 2, 3, 1];
  const logits = tensor(rows);
  const onehot = tensor(labels.map((l) => [0, 1, 2, 3].map((c) => (c === l ? 1 : 0))));

  it('softmax and logSoftmax', () => {
    backend.use(b);
    const p = ops.softmax(logits),
      lp = ops.logSoftmax(logits);
    expect(finite(p) && finite(lp)).toBe(true);
    // log-probabilities reach -2e4, where f32 values are 0.002 apart: two of those absolute, or 1e-6 relative
    expectClose(
      lp.data,
      rows.flatMap((r) => r.map((v) => v - logSumExp(r))),
      4e-3,
      1e-6,
      { shape: lp.shape, what: 'logSoftmax' },
    );
    expectClose(
      p.data,
      rows.flatMap((r) => r.map((v) => Math.exp(v - logSumExp(r)))),
      1e-6,
      1e-6,
      { shape: p.shape, what: 'softmax' },
    );
  });

  it('softmaxCrossEntropy / sparseSoftmaxCrossEntropy values and gradients', () => {
    backend.use(b);
    const ce = ops.softmaxCrossEntropy(logits, onehot),
      sce = ops.sparseSoftmaxCrossEntropy(logits, labels);
    expectClose(
      ce.data,
      rows.map((r, i) => logSumExp(r) - r[labels[i]]),
      4e-3,
      1e-6,
      { what: 'softmaxCrossEntropy' },
    );
    expectClose(sce.data, ce.data, 4e-3, 1e-6, { what: 'sparseSoftmaxCrossEntropy' });
    const g = grad((t) => ops.sum(ops.softmaxCrossEntropy(t, onehot)))(logits);
    expect(finite(g)).toBe(true);
    rows.forEach((r, i) =>
      r.forEach((v, j) =>
        expect(g.data[i * 4 + j]).toBeCloseTo(Math.exp(v - logSumExp(r)) - onehot.data[i * 4 + j], 5),
      ),
    );
  });

  it('sigmoidCrossEntropy and the probability losses after softmax / sigmoid', () => {
    backend.use(b);
    const z = tensor([1e4, -1e4, 1e4, -1e4]),
      y = tensor([0, 1, 1, 0]);
    const s = ops.sigmoidCrossEntropy(z, y);
    expect(Array.from(s.data)).toEqual([1e4, 1e4, 0, 0]);
    expect(finite(grad((t) => ops.sum(ops.sigmoidCrossEntropy(t, y)))(z))).toBe(true);
    const cce = losses.categoricalCrossentropy(onehot, ops.softmax(logits));
    const bce = losses.binaryCrossentropy(tensor([[0], [1]]), ops.sigmoid(tensor([[1e4], [-1e4]])));
    // Keras clips probabilities to [1e-7, 1 - 1e-7]: the worst row costs -log(1e-7) ≈ 16.1
    expect(cce.item()).toBeGreaterThan(0);
    expect(cce.item()).toBeLessThanOrEqual(-Math.log(1e-7) + 1e-3);
    // the mean of -log(1e-7) and -log(1 - f32(1 - 1e-7)): both rows saturate at the clip, neither is infinite
    expect(bce.item()).toBeGreaterThan(15.5);
    expect(bce.item()).toBeLessThan(16.2);
    expect(finite(grad((t) => losses.categoricalCrossentropy(onehot, ops.softmax(t)))(logits))).toBe(true);
  });
});

/** Tiny regression problem that a huge SGD step sends to infinity within a few batches. */
function divergingModel(lr: number): { m: Sequential; x: Tensor; y: Tensor } {
  const m = new Sequential(
    [layers.dense({ units: 4, inputShape: [3], activation: 'relu', seed: 1 }), layers.dense({ units: 1, seed: 2 })],
    { seed: 3 },
  );
  m.compile({ optimizer: optimizers.sgd({ learningRate: lr }), loss: 'meanSquaredError' });
  const x = ops.randomUniform([64, 3], { min: -1, max: 1, seed: 4 }),
    y = ops.randomUniform([64, 1], { min: -1, max: 1, seed: 5 });
  return { m, x, y };
}

describe('fit stops when training diverges (terminateOnNaN, on by default)', () => {
  it('throws a NumericalError naming the epoch and batch, and keeps the last finite weights', async () => {
    const { m, x, y } = divergingModel(1e12);
    let err: unknown;
    const seen: number[] = [];
    const snapshot: Float32Array[][] = [];
    try {
      await m.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onBatchEnd: (batch: number) => {
            seen.push(batch);
            snapshot.push(m.getWeights().map((w) => Float32Array.from(w.data)));
          },
        },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NumericalError);
    const msg = (err as Error).message;
    const [, ep, bt] = /epoch (\d+)\/3, batch (\d+)\/8/.exec(msg) ?? [];
    expect(ep).toBeDefined();
    // the batch named is the one after the last batch that finished
    expect((Number(ep) - 1) * 8 + Number(bt) - 1).toBe(seen.length);
    expect(m.getWeights().every(finite)).toBe(true);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(
      snapshot[snapshot.length - 1].map((d) => Array.from(d)),
    );
  });

  it('terminateOnNaN: false trains on and reports the non-finite loss in the history', async () => {
    const { m, x, y } = divergingModel(1e12);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, terminateOnNaN: false });
    expect(h.history.loss.length).toBe(3);
    expect(h.history.loss.some((v) => !Number.isFinite(v))).toBe(true);
  });

  it('a healthy run is not stopped, and the option must be a boolean', async () => {
    const { m, x, y } = divergingModel(0.01);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    await expect(m.fit(x, y, { verbose: 0, terminateOnNaN: 'yes' as any })).rejects.toThrow(ValueError);
  });
});

/** Max-pool backward oracle: each window's dy goes to its first maximal cell in row-major order. */
function tieOracle(x: Tensor, dy: Tensor, k: number, s: number, padTop: number, padLeft: number): Float64Array {
  const [N, H, W, C] = x.shape,
    [, oH, oW] = dy.shape;
  const dx = new Float64Array(x.size);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < oH; i++)
      for (let j = 0; j < oW; j++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity,
            at = -1;
          for (let a = 0; a < k; a++)
            for (let b = 0; b < k; b++) {
              const yy = i * s + a - padTop,
                xx = j * s + b - padLeft;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              const idx = ((n * H + yy) * W + xx) * C + c;
              if (x.data[idx] > best) {
                best = x.data[idx];
                at = idx;
              }
            }
          dx[at] += dy.data[((n * oH + i) * oW + j) * C + c];
        }
  return dx;
}

describe.each(BACKENDS)('max-pool gradients with tied maxima on %s', (b) => {
  it('go wholly to the first maximal cell in row-major window order (seeded inputs full of ties)', () => {
    backend.use(b);
    const configs = [
      { shape: [2, 6, 7, 3], k: 2, s: 2, padding: 'valid' as const, pt: 0, pl: 0 },
      { shape: [1, 7, 5, 5], k: 3, s: 1, padding: 'same' as const, pt: 1, pl: 1 },
      { shape: [3, 9, 9, 2], k: 3, s: 2, padding: 'valid' as const, pt: 0, pl: 0 },
    ];
    configs.forEach((cfg, t) => {
      // values from {0, 1, 2}: almost every window holds a tie
      const x = ops.randomUniform(cfg.shape, { min: 0, max: 3, seed: 40 + t });
      x.data.forEach((v, i) => {
        x.data[i] = Math.floor(v);
      });
      const y = ops.maxPool2d(x, { poolSize: cfg.k, strides: cfg.s, padding: cfg.padding });
      const dy = ops.randomUniform(y.shape, { min: 0.5, max: 1.5, seed: 50 + t });
      const dx = grad((v) =>
        ops.sum(ops.mul(ops.maxPool2d(v, { poolSize: cfg.k, strides: cfg.s, padding: cfg.padding }), dy)),
      )(x);
      const want = tieOracle(x, dy, cfg.k, cfg.s, cfg.pt, cfg.pl);
      for (let i = 0; i < want.length; i++) expect(Math.abs(dx.data[i] - want[i])).toBeLessThan(1e-5);
      // and the same on a second run (no dependence on leftover state)
      expect(
        Array.from(
          grad((v) =>
            ops.sum(ops.mul(ops.maxPool2d(v, { poolSize: cfg.k, strides: cfg.s, padding: cfg.padding }), dy)),
          )(x).data,
        ),
      ).toEqual(Array.from(dx.data));
    });
  });
});
