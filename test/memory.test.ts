import { it, expect, beforeAll, afterEach } from 'vitest';
import {
  init,
  backend,
  ops,
  tensor,
  tidy,
  keep,
  dispose,
  memory,
  setPoolLimit,
  valueAndGrads,
  Variable,
  DisposedError,
  Tensor,
  layers,
  model,
} from '../src';
import { setPoolPoison, clearPool, DEFAULT_POOL_LIMIT } from '../src/backend/pool';
import { describeEachBackend } from './helpers/backends';
import { rand } from './helpers/gradcheck';
import { expectClose } from './helpers/close';

beforeAll(async () => {
  await init();
});
afterEach(() => {
  setPoolPoison(null);
  setPoolLimit(DEFAULT_POOL_LIMIT);
  clearPool();
});

/** Every op family whose output a kernel writes, on odd shapes, stride 2, padding and batch 2. */
function workload(x: Tensor, w: Tensor, m: Tensor): Tensor[] {
  return [
    ops.relu(x),
    ops.sigmoid(x),
    ops.add(x, x),
    ops.conv2d(x, w, { strides: 2, padding: 'same' }),
    ops.conv2d(x, w, { padding: 'valid' }),
    ops.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }),
    ops.avgPool2d(x, { poolSize: 2 }),
    ops.matmul(x.reshape([-1, 7]), m),
    ops.globalAvgPool2d(x),
    ops.clip(x, -0.3, 0.4),
    ops.pow(x, ops.add(ops.abs(x), 1)),
    ops.pad(x, [
      [0, 0],
      [1, 2],
      [3, 0],
      [0, 1],
    ]),
    ops.pad(
      x,
      [
        [1, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      0.5,
    ),
    ops.concat([x, ops.sigmoid(x)], -1),
    ops.slice(x, [1, 2, 3, 1], [1, 5, 7, 5]),
    ops.gather(x, [2, 0, 2], 1),
  ];
}

describeEachBackend('tidy, keep and dispose', (b) => {
  const x = rand([2, 9, 11, 7], 1),
    w = rand([3, 3, 7, 5], 2),
    m = rand([7, 13], 3);
  const recycles = b !== 'js'; // the js reference kernels allocate their own outputs

  it('tidy disposes what fn made except what it returns (tensors in arrays and plain objects too)', () => {
    let inner: Tensor[] = [];
    const out = tidy(() => {
      inner = [ops.relu(x), ops.sigmoid(x)];
      const kept = keep(ops.tanh(x));
      return { a: ops.add(inner[0], inner[1]), list: [inner[1], 3], kept };
    });
    expect(inner[0].isDisposed).toBe(true);
    expect(inner[1].isDisposed).toBe(false); // returned inside an array
    expect(out.a.isDisposed).toBe(false);
    expect(out.kept.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false); // made outside the scope
    const relu = backend.kernels('js').unary('relu', x.data);
    const sig = backend.kernels('js').unary('sigmoid', x.data);
    expectClose(
      out.a.data,
      Float32Array.from(relu, (v, i) => v + sig[i]),
      1e-5,
    );
  });

  it('nested scopes: a tensor returned by the inner scope belongs to the outer one', () => {
    let fromInner!: Tensor, dropped!: Tensor;
    const r = tidy(() => {
      fromInner = tidy(() => {
        dropped = ops.relu(x);
        return ops.sigmoid(dropped);
      });
      expect(dropped.isDisposed).toBe(true);
      expect(fromInner.isDisposed).toBe(false);
      return ops.add(fromInner, 1);
    });
    expect(fromInner.isDisposed).toBe(true);
    expect(r.isDisposed).toBe(false);
  });

  it('Variables survive tidy; a throwing fn still disposes; a Promise result is refused', () => {
    let v!: Variable, t!: Tensor;
    tidy(() => {
      v = new Variable(ops.relu(x));
      t = ops.sigmoid(x);
    });
    expect(v.isDisposed).toBe(false);
    expect(t.isDisposed).toBe(true);
    expect(() =>
      tidy(() => {
        t = ops.relu(x);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(t.isDisposed).toBe(true);
    expect(() => tidy(() => Promise.resolve(1))).toThrow(/Promise/);
  });

  it('a disposed tensor throws a DisposedError naming the op, never reads reused memory', () => {
    const y = ops.relu(x);
    y.dispose();
    y.dispose(); // twice is harmless
    expect(() => ops.sigmoid(y)).toThrow(DisposedError);
    expect(() => ops.sigmoid(y)).toThrow(/sigmoid: x \(shape \[2,9,11,7\]\) was disposed/);
    expect(() => ops.conv2d(x, y)).toThrow(/conv2d/);
    expect(() => y.data).toThrow(DisposedError);
    expect(y.shape).toEqual([2, 9, 11, 7]);
  });

  it('buffers shared by reshape stay alive until every sharer is disposed', () => {
    setPoolPoison(NaN);
    const y = ops.sigmoid(x);
    const r = y.reshape([-1]);
    const before = Float32Array.from(r.data);
    y.dispose();
    for (let i = 0; i < 3; i++) dispose(workload(x, w, m)); // would reuse y's buffer if it were free
    expect(r.data).toEqual(before);
    r.dispose();
    if (recycles) expect(memory().pooledBuffers).toBeGreaterThan(0);
  });

  it('a buffer the user passed in is never pooled', () => {
    const user = Float32Array.from(x.data);
    const t = tensor(user, x.shape);
    const pooled = memory().pooledBuffers;
    t.dispose();
    expect(memory().pooledBuffers).toBe(pooled);
    const y = ops.relu(x);
    expect(y.data.buffer).not.toBe(user.buffer);
    expect(user).toEqual(x.data);
  });

  it('recycled output arrays are fully overwritten (recycled buffers are filled with NaN first)', () => {
    const expected = workload(x, w, m).map((t) => Float32Array.from(t.data));
    setPoolPoison(NaN);
    for (let round = 0; round < 3; round++) {
      const got = tidy(() => workload(x, w, m).map((t) => Float32Array.from(t.data)));
      got.forEach((g, i) => expect(g).toEqual(expected[i]));
    }
    // every output came back: to the pool, or (threads builds) to the cache of WebAssembly-memory blocks
    const bytes = expected.reduce((n, e) => n + e.byteLength, 0);
    if (recycles) expect(memory().pooledBytes + memory().residentCachedBytes).toBeGreaterThanOrEqual(bytes);
  });

  it('the pool cap is honoured and memory stays bounded over many tidy loops', () => {
    setPoolLimit(64 * 1024);
    for (let i = 0; i < 50; i++) tidy(() => void workload(x, w, m));
    expect(memory().pooledBytes).toBeLessThanOrEqual(64 * 1024);
    setPoolLimit(DEFAULT_POOL_LIMIT);
    tidy(() => void workload(x, w, m));
    const steady = memory();
    for (let i = 0; i < 300; i++) tidy(() => void workload(x, w, m));
    // every buffer comes back out of the pool, so the pool does not grow with the loop count
    expect(memory().pooledBytes).toBe(steady.pooledBytes);
    if (recycles) expect(steady.pooledBytes).toBeGreaterThan(0);
    setPoolLimit(0);
    expect(memory().pooledBytes).toBe(0);
  });

  it('tidy inside a gradient function leaves what the tape needs; tidy around it keeps the gradients', () => {
    const v = new Variable(rand([3, 3, 7, 5], 4));
    const f = () => ops.sum(ops.sigmoid(tidy(() => ops.relu(ops.conv2d(ops.sigmoid(x), v, { padding: 'same' })))));
    const plain = valueAndGrads(f, [v]);
    setPoolPoison(NaN);
    const tidied = tidy(() => valueAndGrads(f, [v]));
    expect(tidied.value.item()).toBeCloseTo(plain.value.item(), 4);
    expectClose(tidied.grads[0].data, plain.grads[0].data, 1e-4);
  });

  it('Model.apply disposes intermediates and layer temporaries after their last use, same outputs', () => {
    const inp = layers.input({ shape: [9, 11, 7] });
    const c1 = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', seed: 1 }).apply(inp);
    const r = layers.activation({ activation: 'relu' }).apply(c1);
    const d = layers.dropout({ rate: 0.5 }).apply(r); // returns its input at inference
    const c2 = layers.batchNormalization().apply(layers.conv2d({ filters: 6, kernelSize: 1, seed: 2 }).apply(d));
    const sum = layers.add().apply([c2, d, r]);
    const cat = layers.concatenate().apply([sum, c1]);
    const p = layers.maxPooling2d({ poolSize: 2 }).apply(layers.zeroPadding2d({ padding: 1 }).apply(cat));
    const out = layers.dense({ units: 4, seed: 3 }).apply(layers.flatten().apply(p));
    const net = model({ inputs: inp, outputs: [out, c1] });
    setPoolLimit(0); // no recycling: the reference cannot read a reused buffer
    const reference = net.run([x]).map((t) => Float32Array.from(t.data));
    setPoolLimit(DEFAULT_POOL_LIMIT);
    setPoolPoison(NaN);
    for (let i = 0; i < 3; i++) {
      clearPool();
      const got = net.run([x]);
      got.forEach((t, j) => expect(t.data).toEqual(reference[j]));
      if (recycles) expect(memory().pooledBuffers).toBeGreaterThan(0);
    }
    expect(x.isDisposed).toBe(false);
  });

  it('training steps run in tidy scopes: recycled buffers never reach the weights or optimizer state', () => {
    const train = () => {
      const inp = layers.input({ shape: [9, 11, 7] });
      const h = layers
        .batchNormalization()
        .apply(layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', seed: 5 }).apply(inp));
      const out = layers.dense({ units: 3, seed: 6 }).apply(layers.flatten().apply(h));
      const net = model({ inputs: inp, outputs: out });
      net.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const y = rand([2, 3], 7);
      const losses = [0, 1, 2].map(() => net.trainOnBatch(x, y).loss);
      return { losses, weights: net.getWeights().map((t) => Float32Array.from(t.data)) };
    };
    setPoolLimit(0);
    const plain = train();
    setPoolLimit(DEFAULT_POOL_LIMIT);
    setPoolPoison(NaN);
    const pooled = train();
    expect(pooled.losses).toEqual(plain.losses);
    pooled.weights.forEach((w, i) => expect(w).toEqual(plain.weights[i]));
    if (recycles) expect(memory().pooledBuffers).toBeGreaterThan(0);
  });
});
