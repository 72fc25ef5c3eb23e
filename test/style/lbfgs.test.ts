import { describe, it, expect, beforeAll } from 'vitest';
import { init, layers, model, style, Tensor } from '../../src';
import { Lbfgs } from '../../src/style/lbfgs';

beforeAll(async () => {
  await init();
});

/** Rosenbrock's banana in n dimensions: minimum 0 at (1, ..., 1). */
const rosenbrock = (x: Float32Array) => {
  let value = 0;
  const grad = new Float32Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i],
      b = 1 - x[i];
    value += 100 * a * a + b * b;
    grad[i] += -400 * x[i] * a - 2 * b;
    grad[i + 1] += 200 * a;
  }
  return { value, grad };
};

describe('Lbfgs', () => {
  it('minimises Rosenbrock in 6 dimensions far faster than its gradient alone', () => {
    const x = new Float32Array([-1.2, 1, -1.2, 1, -1.2, 1]);
    const opt = new Lbfgs(rosenbrock, { firstStep: 0.1 });
    let f = Infinity;
    for (let i = 0; i < 200 && f > 1e-8; i++) f = opt.step(x);
    expect(f).toBeLessThan(1e-6);
    for (const v of x) expect(v).toBeCloseTo(1, 2);
    expect(opt.evaluations).toBeLessThan(400);
  });

  it('never increases the objective and keeps x in its bounds', () => {
    // a quadratic whose unconstrained minimum (3, −2) lies outside [0, 1]²
    const f = (x: Float32Array) => ({
      value: (x[0] - 3) ** 2 + 10 * (x[1] + 2) ** 2,
      grad: new Float32Array([2 * (x[0] - 3), 20 * (x[1] + 2)]),
    });
    const x = new Float32Array([0.5, 0.5]);
    const opt = new Lbfgs(f, { bounds: [0, 1], firstStep: 0.25 });
    let prev = f(x).value;
    for (let i = 0; i < 30; i++) {
      const v = opt.step(x);
      expect(v).toBeLessThanOrEqual(prev);
      expect(x[0]).toBeGreaterThanOrEqual(0);
      expect(x[0]).toBeLessThanOrEqual(1);
      expect(x[1]).toBeGreaterThanOrEqual(0);
      expect(x[1]).toBeLessThanOrEqual(1);
      prev = v;
    }
    expect(x[0]).toBeCloseTo(1, 5);
    expect(x[1]).toBeCloseTo(0, 5);
  });

  it('reports a NaN objective as an error', () => {
    const opt = new Lbfgs(() => ({ value: NaN, grad: new Float32Array(1) }));
    expect(() => opt.step(new Float32Array(1))).toThrow(/objective is NaN/);
  });
});

describe('style.transfer with L-BFGS and coarse to fine', () => {
  function tinyNet(size: number) {
    const inp = layers.input({ shape: [null, null, 3] as never });
    let x = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'c1' }).apply(inp);
    x = layers
      .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', name: 'c2' })
      .apply(x);
    return model({ inputs: inp, outputs: x, seed: 3 + size });
  }
  const image = (h: number, w: number, f: (y: number, x: number, c: number) => number) => {
    const d = new Float32Array(h * w * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = f(y, x, c);
    return new Tensor(d, [h, w, 3]);
  };
  const content = image(20, 24, (y, x, c) => 128 + 90 * Math.sin((x + 3 * c) / 5) * Math.cos(y / 6));
  const art = image(20, 24, (y, x, c) => (((x + y) >> 1) % 3 === c ? 230 : 30));
  const base = {
    content,
    style: art,
    contentLayer: 'c2',
    styleLayers: ['c1', 'c2'],
    alpha: 1e-5,
    beta: 1,
    previewEvery: 0,
  };

  it('L-BFGS lowers J further than Adam in the same number of passes', async () => {
    const run = async (optimizer: 'adam' | 'lbfgs') => {
      let last = { J: 0, evaluations: 0 };
      await style.transfer({
        ...base,
        model: tinyNet(1),
        optimizer,
        steps: 15,
        onStep: (s) => {
          last = s;
        },
      });
      return last;
    };
    const adam = await run('adam'),
      lbfgs = await run('lbfgs');
    expect(lbfgs.J).toBeLessThan(adam.J);
    expect(lbfgs.evaluations).toBeLessThanOrEqual(adam.evaluations + 10);
  });

  it('coarse to fine works through each scale and returns the content size', async () => {
    const sizes: string[] = [];
    const g = await style.transfer({
      ...base,
      model: tinyNet(2),
      optimizer: 'lbfgs',
      scales: [0.5, 1],
      steps: [4, 2],
      onStep: (s) => {
        sizes.push(`${s.height}x${s.width}`);
      },
    });
    expect(sizes).toEqual(['10x12', '10x12', '10x12', '10x12', '20x24', '20x24']);
    expect(g.shape).toEqual([20, 24, 3]);
    for (const v of g.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(255);
    }
    await expect(style.transfer({ ...base, model: tinyNet(2), scales: [1, 0.5] })).rejects.toThrow(
      /scales must increase and end at 1/,
    );
    await expect(style.transfer({ ...base, model: tinyNet(2), scales: [0.5, 1], steps: [3] })).rejects.toThrow(
      /2 scales but 1 step counts/,
    );
  });
});
