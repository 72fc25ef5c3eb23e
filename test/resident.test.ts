// Op outputs living in WebAssembly memory (src/backend/resident.ts): on the threads builds' shared memory
// outputs are views on it and resident inputs are read in place; everywhere else outputs are copied out
// as before. Results must equal the copy-out path bit for bit, blocks must be freed by dispose, tidy and
// garbage collection, views must survive memory growth, and memory must stay bounded without dispose.
import { it, expect, beforeAll, afterEach, vi } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  init,
  backend,
  ops,
  tidy,
  dispose,
  memory,
  setPoolLimit,
  valueAndGrads,
  Variable,
  Tensor,
  tensor,
  layers,
  model,
  type BackendName,
} from '../src';
import { setPoolPoison, clearPool, DEFAULT_POOL_LIMIT } from '../src/backend/pool';
import { setResidentOutputs, liveBlock, type Block } from '../src/backend/resident';
import { describeEachBackend } from './helpers/backends';
import { rand } from './helpers/gradcheck';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeAll(async () => {
  await init();
});
afterEach(() => {
  setResidentOutputs(true);
  setPoolPoison(null);
  setPoolLimit(DEFAULT_POOL_LIMIT);
  clearPool();
});

/** Whether a backend's build runs on a shared memory (the threads builds), so that its outputs may reside. */
const sharedMemory = (b: BackendName): boolean => backend.module(b)?.arena.resident ?? false;
/** A tensor of one value. */
const full = (shape: number[], v: number) => tensor(new Float32Array(shape.reduce((a, c) => a * c, 1)).fill(v), shape);
const isResident = (t: Tensor): boolean =>
  typeof SharedArrayBuffer === 'function' && t.data.buffer instanceof SharedArrayBuffer;

/** Every kernel family (forward), on odd shapes, stride 2, padding and batch 2; most outputs over 4 KiB. */
function workload(x: Tensor, w: Tensor, d: Tensor, m: Tensor): Tensor[] {
  const r = ops.relu(x);
  return [
    r,
    ops.sigmoid(r), // a resident input
    ops.tanh(x),
    ops.add(x, r),
    ops.mul(r, r),
    ops.conv2d(r, w, { padding: 'valid' }),
    ops.conv2d(x, w, { strides: 2, padding: 'same' }),
    ops.depthwiseConv2d(r, d, { padding: 'same' }),
    ops.maxPool2d(r, { poolSize: 3, strides: 2, padding: 'same' }),
    ops.avgPool2d(x, { poolSize: 2, strides: 1 }),
    ops.matmul(r.reshape([-1, 7]), m),
    ops.softmax(r.reshape([-1, 7])),
    ops.batchNorm(r, full([7], 0.1), full([7], 2), full([7], 0.3), full([7], 1.5)),
    ops.globalAvgPool2d(r),
  ];
}

/** A loss through the same families, for gradients (backward kernels write outputs too). */
const loss = (x: Tensor, w: Tensor, d: Tensor, m: Tensor) =>
  ops.sum(
    ops.mul(
      ops.sigmoid(ops.maxPool2d(ops.conv2d(ops.relu(x), w, { padding: 'same' }), { poolSize: 2 })),
      ops.sum(ops.matmul(ops.depthwiseConv2d(x, d, { padding: 'same' }).reshape([-1, 7]), m)),
    ),
  );

describeEachBackend('resident outputs', (b) => {
  const x = rand([2, 17, 19, 7], 1),
    w = rand([3, 3, 7, 5], 2),
    d = rand([3, 3, 7, 1], 3),
    m = rand([7, 13], 4);
  const shared = sharedMemory(b);

  it('outputs reside exactly on the shared-memory builds, with the copy-out path results bit for bit', () => {
    setResidentOutputs(false);
    const copied = workload(x, w, d, m);
    expect(copied.some(isResident)).toBe(false);
    setResidentOutputs(true);
    const before = memory().residentBlocks;
    const xs = [x, w, d, m].map((t) => Float32Array.from(t.data));
    tidy(() => {
      const got = workload(x, w, d, m);
      const resident = got.map(isResident);
      // the kernel-written outputs of 4 KiB or more: relu, sigmoid, tanh, add, mul, the stride-1 convs, max pool,
      // matmul, softmax, batch norm (the stride-2 conv, avg pool and global pooling are smaller)
      [0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 12].forEach((i) => expect(resident[i]).toBe(shared));
      expect(memory().residentBlocks - before).toBe(resident.filter(Boolean).length);
      got.forEach((t, i) => expect(t.data).toEqual(copied[i].data));
      // no kernel writes into an input it was handed in place
      [x, w, d, m].forEach((t, i) => expect(t.data).toEqual(xs[i]));
    });
    expect(memory().residentBlocks).toBe(before);
  });

  it('a resident input is read in place, not copied in; a chain gives the copy path results', () => {
    const chain = (t: Tensor) =>
      ops.avgPool2d(ops.conv2d(ops.sigmoid(ops.relu(t)), w, { padding: 'same' }), { poolSize: 2 });
    setResidentOutputs(false);
    const copied = chain(x);
    setResidentOutputs(true);
    const r = ops.relu(x);
    const arena = backend.module(b)?.arena;
    if (arena) {
      const put = vi.spyOn(arena, 'put');
      ops.sigmoid(r).dispose();
      expect(put).toHaveBeenCalledTimes(shared ? 0 : 1);
      put.mockRestore();
    }
    expect(chain(x).data).toEqual(copied.data);
  });

  it('dispose and tidy free blocks at once; recycled blocks are fully overwritten (freed ones filled with NaN)', () => {
    const expected = workload(x, w, d, m).map((t) => Float32Array.from(t.data));
    setPoolPoison(NaN);
    const base = memory().residentBytes;
    for (let round = 0; round < 3; round++) {
      const got = tidy(() => workload(x, w, d, m).map((t) => Float32Array.from(t.data)));
      got.forEach((g, i) => expect(g).toEqual(expected[i]));
      expect(memory().residentBytes).toBe(base);
      if (shared) expect(memory().residentCachedBytes).toBeGreaterThan(0);
    }
    // a reshape shares the block: it stays until both tensors are disposed
    const y = ops.sigmoid(x),
      r = y.reshape([-1]);
    const keep = Float32Array.from(r.data);
    y.dispose();
    tidy(() => void workload(x, w, d, m));
    expect(r.data).toEqual(keep);
    r.dispose();
    expect(memory().residentBytes).toBe(base);
  });

  it('views stay valid across memory growth', () => {
    const y = ops.relu(x),
      keep = Float32Array.from(y.data);
    const before = backend.info().memoryBytes;
    // a GEMM whose scratch needs far more than the memory has now
    const big = ops.matmul(full([600, 700], 0.5), full([700, 800], 0.25));
    if (b !== 'js') expect(backend.info().memoryBytes).toBeGreaterThan(before);
    expect(big.data[0]).toBeCloseTo(87.5, 3);
    expect(y.data.length).toBe(keep.length);
    expect(y.data).toEqual(keep);
    expect(ops.sigmoid(y).data).toEqual(ops.sigmoid(ops.relu(x)).data);
  });

  it('gradients through resident tensors equal the copy path', () => {
    const vars = [x, w, d, m].map((t) => new Variable(t));
    const run = () => valueAndGrads(() => loss(vars[0], vars[1], vars[2], vars[3]), vars);
    setResidentOutputs(false);
    const copied = run();
    setResidentOutputs(true);
    setPoolPoison(NaN);
    const got = tidy(() => run());
    expect(got.value.item()).toBe(copied.value.item());
    got.grads.forEach((g, i) => expect(g.data).toEqual(copied.grads[i].data));
    if (shared) expect(got.grads.some(isResident)).toBe(true);
  });

  it('a model and its inference plan give the same outputs with resident tensors around', () => {
    const inp = layers.input({ shape: [17, 19, 7] });
    const c = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', seed: 1 }).apply(inp);
    const p = layers.maxPooling2d({ poolSize: 2 }).apply(c);
    const out = layers.dense({ units: 4, seed: 3 }).apply(layers.flatten().apply(p));
    const net = model({ inputs: inp, outputs: out });
    setResidentOutputs(false);
    const copied = Float32Array.from(net.apply(x).data);
    setResidentOutputs(true);
    const held = workload(x, w, d, m); // resident blocks below the plan's pinned blocks
    expect(net.apply(ops.relu(ops.relu(x).reshape([2, 17, 19, 7]))).data.length).toBe(8);
    for (let i = 0; i < 2; i++) expect(net.predict(x).data).toEqual(copied);
    dispose(held);
    for (let i = 0; i < 2; i++) expect(net.predict(ops.add(x, 0)).data).toEqual(copied);
  });

  it('memory stays bounded over thousands of ops with dispose and without', () => {
    const cap = Math.max(2 * 2 ** 20, memory().residentBytes); // tensors of earlier tests may still hold blocks
    setPoolLimit(cap);
    const step = () => ops.sigmoid(ops.relu(x));
    for (let i = 0; i < 50; i++) step().dispose();
    const steady = backend.info().memoryBytes,
      live = memory().residentBytes;
    for (let i = 0; i < 2000; i++) step().dispose();
    expect(backend.info().memoryBytes).toBe(steady);
    expect(memory().residentBytes).toBe(live);
    // no dispose at all: past the cap outputs are copied out, so resident bytes and memory stop growing
    for (let i = 0; i < 3000; i++) step();
    expect(memory().residentBytes + memory().residentCachedBytes).toBeLessThanOrEqual(cap);
    if (b !== 'js') expect(backend.info().memoryBytes).toBeLessThanOrEqual(steady + 2 * cap);
    const y = step();
    expect(y.data).toEqual(ops.sigmoid(ops.relu(x)).data);
  });

  it.runIf(shared)('garbage collection frees blocks, but not while a subarray of the view is held', async () => {
    setPoolPoison(NaN);
    const arena = backend.module(b)!.arena;
    let y: Tensor | null = ops.relu(x);
    const part = y.data.subarray(100, 200),
      keep = Float32Array.from(part),
      held = liveBlock(part, arena)!;
    y = null;
    const dropped = (() => {
      const blocks: Block[] = [];
      for (let i = 0; i < 20; i++) blocks.push(liveBlock(ops.relu(x).data, arena)!);
      return blocks;
    })();
    expect(dropped.every((blk) => blk.live)).toBe(true);
    for (let i = 0; i < 50 && dropped.some((blk) => blk.live); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    // every view dropped was collected and its block freed; the subarray still holds its block
    expect(dropped.some((blk) => blk.live)).toBe(false);
    expect(held.live).toBe(true);
    tidy(() => void workload(x, w, d, m)); // would reuse the block were it freed
    expect(part).toEqual(keep);
  });
});
