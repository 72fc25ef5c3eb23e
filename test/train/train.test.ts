import { describe, it, expect } from 'vitest';
import {
  losses,
  optimizers,
  metrics,
  callbacks,
  ops,
  tensor,
  Variable,
  Sequential,
  layers,
  ShapeError,
  ValueError,
} from '../../src/index';
import { ProgressLogger } from '../../src/train';
import { getLoss } from '../../src/train/losses';

describe('losses', () => {
  it('match hand-computed values', () => {
    const p = tensor([
      [0.7, 0.2, 0.1],
      [0.1, 0.3, 0.6],
    ]);
    const y = tensor([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(losses.categoricalCrossentropy(y, p).item()).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6)) / 2, 6);
    expect(losses.sparseCategoricalCrossentropy(tensor([0, 2]), p).item()).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.6)) / 2,
      6,
    );
    const b = tensor([[0.9], [0.2]]),
      yb = tensor([[1], [0]]);
    expect(losses.binaryCrossentropy(yb, b).item()).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 6);
    expect(losses.meanSquaredError(tensor([[1, 2]]), tensor([[0, 4]])).item()).toBeCloseTo(2.5, 6);
    // clipping keeps log(0) finite
    expect(Number.isFinite(losses.categoricalCrossentropy(tensor([[0, 1]]), tensor([[1, 0]])).item())).toBe(true);
  });

  it('fused forms on logits equal the plain forms on probabilities', () => {
    const z = ops.randomNormal([5, 4], { seed: 1 });
    const y = ops.oneHot([0, 3, 1, 2, 3], 4);
    const cce = getLoss('categoricalCrossentropy');
    expect(cce.fromLogits!(y, z).item()).toBeCloseTo(cce.fn(y, ops.softmax(z)).item(), 5);
    const sparse = getLoss('sparseCategoricalCrossentropy');
    expect(sparse.fromLogits!(tensor([0, 3, 1, 2, 3]), z).item()).toBeCloseTo(cce.fn(y, ops.softmax(z)).item(), 5);
    const bce = getLoss('binaryCrossentropy');
    const yb = tensor([[1, 0, 0, 1]]),
      zb = tensor([[2, -1, 0.5, -3]]);
    expect(bce.fromLogits!(yb, zb).item()).toBeCloseTo(bce.fn(yb, ops.sigmoid(zb)).item(), 5);
  });

  it('reject mismatched shapes and bad class labels', () => {
    expect(() => losses.categoricalCrossentropy(tensor([[1, 0]]), tensor([[0.5, 0.25, 0.25]]))).toThrow(ShapeError);
    expect(() =>
      losses.sparseCategoricalCrossentropy(
        tensor([0, 5]),
        tensor([
          [0.5, 0.5],
          [0.5, 0.5],
        ]),
      ),
    ).toThrow(ValueError);
    expect(() => getLoss('hinge')).toThrow(/unknown loss 'hinge'/);
  });
});

describe('optimizers', () => {
  const g = tensor([0.5, -2, 0.01]);

  it('sgd: w -= lr·g, and (Nesterov) momentum as Keras', () => {
    const v = new Variable(tensor([1, 1, 1]));
    optimizers.sgd({ learningRate: 0.1 }).applyGradients([v], [g]);
    [0.95, 1.2, 0.999].forEach((e, i) => expect(v.data[i]).toBeCloseTo(e, 6));
    for (const nesterov of [false, true]) {
      const w = new Variable(tensor([1, 1, 1]));
      const o = optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov });
      const ref = [1, 1, 1],
        vel = [0, 0, 0];
      for (let step = 0; step < 3; step++) {
        o.applyGradients([w], [g]);
        for (let i = 0; i < 3; i++) {
          vel[i] = 0.9 * vel[i] - 0.1 * g.data[i];
          ref[i] += nesterov ? 0.9 * vel[i] - 0.1 * g.data[i] : vel[i];
        }
      }
      ref.forEach((e, i) => expect(w.data[i]).toBeCloseTo(e, 5));
    }
  });

  it('adam: bias-corrected steps (first step moves each weight by lr·sign(g))', () => {
    const w = new Variable(tensor([1, 1, 1]));
    const o = optimizers.adam({ learningRate: 0.01 });
    o.applyGradients([w], [g]);
    [0.99, 1.01, 0.99].forEach((e, i) => expect(w.data[i]).toBeCloseTo(e, 5));
    const m = [0, 0, 0],
      v = [0, 0, 0],
      ref = [0.99, 1.01, 0.99].map((_, i) => 1 - 0.01 * Math.sign(g.data[i]));
    for (let i = 0; i < 3; i++) {
      m[i] = 0.1 * g.data[i];
      v[i] = 0.001 * g.data[i] ** 2;
    }
    const g2 = tensor([1, 1, -1]);
    o.applyGradients([w], [g2]);
    const lr = (0.01 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    for (let i = 0; i < 3; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g2.data[i];
      v[i] = 0.999 * v[i] + 0.001 * g2.data[i] ** 2;
      expect(w.data[i]).toBeCloseTo(ref[i] - (lr * m[i]) / (Math.sqrt(v[i]) + 1e-7), 5);
    }
    expect(o.iterations).toBe(2);
  });

  it('rmsprop: w -= lr·g / sqrt(mean square)', () => {
    const w = new Variable(tensor([1, 1, 1]));
    optimizers.rmsprop({ learningRate: 0.01 }).applyGradients([w], [g]);
    for (let i = 0; i < 3; i++)
      expect(w.data[i]).toBeCloseTo(1 - (0.01 * g.data[i]) / (Math.sqrt(0.1 * g.data[i] ** 2) + 1e-7), 5);
  });

  it('reject bad settings', () => {
    expect(() => optimizers.sgd({ learningRate: -1 })).toThrow(ValueError);
    expect(() => optimizers.adam({ beta1: 1 })).toThrow(ValueError);
    expect(() => optimizers.sgd().applyGradients([new Variable(tensor([1]))], [tensor([1, 2])])).toThrow(ShapeError);
  });
});

describe('metrics', () => {
  it('accuracy in its categorical, sparse and binary forms', () => {
    const p = tensor([
      [0.1, 0.9],
      [0.8, 0.2],
      [0.4, 0.6],
    ]);
    expect(
      metrics.categoricalAccuracy(
        tensor([
          [0, 1],
          [0, 1],
          [0, 1],
        ]),
        p,
      ),
    ).toBeCloseTo(2 / 3);
    expect(metrics.sparseCategoricalAccuracy(tensor([1, 0, 0]), p)).toBeCloseTo(2 / 3);
    expect(metrics.binaryAccuracy(tensor([[1], [0], [0], [1]]), tensor([[0.7], [0.2], [0.6], [0.4]]))).toBe(0.5);
    expect(metrics.accuracy(tensor([1, 0, 0]), p)).toBeCloseTo(2 / 3);
    expect(metrics.accuracy(tensor([[1], [0]]), tensor([[0.9], [0.1]]))).toBe(1);
  });
});

describe('progress output', () => {
  const run = (isTTY: boolean, verbose: 1 | 2) => {
    let out = '';
    let t = 0;
    const p = new ProgressLogger({
      verbose,
      epochs: 2,
      batches: 3,
      sink: {
        isTTY,
        write: (s) => {
          out += s;
        },
      },
      now: () => (t += 250),
    });
    for (let e = 0; e < 2; e++) {
      p.onEpochBegin(e);
      for (let b = 0; b < 3; b++) p.onBatchEnd(b, { loss: 1 / (b + 1), accuracy: 0.5, batch: b, size: 10 });
      p.onEpochEnd(e, { loss: 0.5, accuracy: 0.75, val_loss: 0.625, val_accuracy: 0.7 });
    }
    return out;
  };

  it('prints one line per epoch in a log (not a TTY) and with verbose 2', () => {
    for (const out of [run(false, 1), run(true, 2)]) {
      const lines = out.trimEnd().split('\n');
      expect(lines.length).toBe(2);
      expect(out).not.toContain('\r');
      expect(lines[0]).toMatch(
        /^Epoch 1\/2 - 3\/3 - \d+\.\ds - \d+ samples\/s - loss: 0\.5000 - accuracy: 0\.7500 - val_loss: 0\.6250 - val_accuracy: 0\.7000$/,
      );
    }
  });

  it('never reports 0 samples/s: slow epochs get two significant digits, untimed ones no rate', () => {
    const line = (msPerBatch: number, size: number): string => {
      let out = '',
        t = 0;
      const p = new ProgressLogger({
        verbose: 2,
        epochs: 1,
        batches: 2,
        sink: {
          isTTY: false,
          write: (s) => {
            out += s;
          },
        },
        now: () => (t += msPerBatch),
      });
      p.onEpochBegin(0);
      for (let b = 0; b < 2; b++) p.onBatchEnd(b, { loss: 1, batch: b, size });
      p.onEpochEnd(0, { loss: 1 });
      return out;
    };
    // the clock is read at the epoch's start and end: 2 samples in 10 s
    expect(line(10_000, 1)).toContain(' - 10.0s - 0.20 samples/s - loss');
    expect(line(100, 3)).toContain(' - 0.1s - 60 samples/s - loss');
    expect(line(0, 1)).toMatch(/^Epoch 1\/1 - 2\/2 - 0\.0s - loss: 1\.0000\n$/);
  });

  it('redraws a bar with \\r in a terminal', () => {
    const out = run(true, 1);
    expect(out).toContain('Epoch 1/2\n');
    expect(out).toContain('\r1/3 [=========>');
    expect(out).toContain('ETA');
    expect(out).toMatch(/\r3\/3 \[=+\] - \d+\.\ds - \d+ samples\/s - loss: 0\.5000/);
    expect(out.split('\n').length).toBe(5);
    // the bar shows the running mean of the batch losses: 1, (1 + 1/2) / 2, ...
    expect(out).toContain('\r2/3 [===================>..........] - ETA 0.3s - loss: 0.7500');
  });

  it('fit(verbose 1) reports through the sink with samples/s', async () => {
    const m = new Sequential([layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    let out = '';
    await m.fit(
      ops.randomNormal([20, 3], { seed: 1 }),
      ops.oneHot(
        Array.from({ length: 20 }, (_, i) => i % 2),
        2,
      ),
      {
        epochs: 3,
        batchSize: 8,
        verbose: 1,
        progressSink: {
          isTTY: false,
          write: (s) => {
            out += s;
          },
        },
      },
    );
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[2]).toMatch(/^Epoch 3\/3 - 3\/3 - .* samples\/s - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
  });
});

describe('learningRateScheduler', () => {
  it('sets the rate at the start of each epoch and the steps use it', async () => {
    const net = new Sequential([
      layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros', useBias: false }),
    ]);
    const opt = optimizers.sgd({ learningRate: 1 });
    net.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const seen: number[] = [];
    const x = tensor([[1, 0]]),
      y = tensor([[1]]);
    await net.fit(x, y, {
      epochs: 3,
      batchSize: 1,
      verbose: 0,
      callbacks: [
        callbacks.learningRateScheduler((epoch) => 0.1 / (epoch + 1)),
        {
          onEpochEnd: () => {
            seen.push(opt.learningRate);
          },
        },
      ],
    });
    expect(seen).toEqual([0.1, 0.05, 0.1 / 3]);
    // w after three SGD steps on (w - 1)^2 with rates 0.1, 0.05, 0.0333: w <- w + 2·lr·(1 - w)
    let w = 0;
    for (const lr of [0.1, 0.05, 0.1 / 3]) w += 2 * lr * (1 - w);
    expect(net.getWeights()[0].data[0]).toBeCloseTo(w, 5);
  });
  it('rejects a bad rate', () => {
    const opt = optimizers.adam();
    expect(() => {
      opt.learningRate = -1;
    }).toThrow(ValueError);
  });
});
