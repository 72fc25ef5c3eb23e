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
    const plain = !isResident(x); // x (18 KiB) moves in at its first read here; w, d and m are under 4 KiB
    tidy(() => {
      const got = workload(x, w, d, m);
      const resident = got.map(isResident);
      // the kernel-written outputs of 4 KiB or more: relu, sigmoid, tanh, add, mul, the stride-1 convs, max pool,
      // matmul, softmax, batch norm (the stride-2 conv, avg pool and global pooling are smaller)
      [0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 12].forEach((i) => expect(resident[i]).toBe(shared));
      expect(isResident(x)).toBe(shared || !plain);
      expect(memory().residentBlocks - before).toBe(resident.filter(Boolean).length + (shared && plain ? 1 : 0));
      got.forEach((t, i) => expect(t.data).toEqual(copied[i].data));
      // no kernel writes into an input it was handed in place
      [x, w, d, m].forEach((t, i) => expect(t.data).toEqual(xs[i]));
    });
    expect(memory().residentBlocks).toBe(before + (shared && plain ? 1 : 0));
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

  it("an inference plan's output of 4 KiB or more comes back resident, equal to the eager pass; dispose frees it", () => {
    const inp = layers.input({ shape: [17, 19, 7] });
    const out = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', seed: 5 }).apply(inp);
    const net = model({ inputs: inp, outputs: out });
    setResidentOutputs(false);
    const eager = Float32Array.from(net.apply(x).data);
    setResidentOutputs(true);
    const r = ops.relu(x);
    const base = memory().residentBytes;
    for (let i = 0; i < 3; i++) {
      const y = net.predict(x);
      expect(y.data).toEqual(eager);
      expect(isResident(y)).toBe(shared);
      const again = net.predict(r); // a second run must not overwrite the first result
      expect(y.data).toEqual(eager);
      expect(memory().residentBytes - base).toBe(shared ? 2 * eager.length * 4 : 0);
      y.dispose();
      again.dispose();
      expect(memory().residentBytes).toBe(base);
    }
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

describeEachBackend('plain arrays moving into WebAssembly memory', (b) => {
  const shared = sharedMemory(b);
  /** Fresh random values no tensor holds. */
  const values = (n: number, seed: number) => Float32Array.from(rand([n], seed).data);
  /** The block a tensor's array lives on in this backend's memory, if any. */
  const blockOf = (t: Tensor) => {
    const arena = backend.module(b)?.arena;
    return arena ? liveBlock(t.data, arena) : undefined;
  };

  it('the first kernel read moves a tensor() array in (one copy); later reads are in place, results unchanged', () => {
    const src = values(3 * 29 * 31, 11); // not a multiple of 4 floats; 10.5 KiB
    const ref = ops.sigmoid(tensor(Float32Array.from(src), [3, 29, 31]));
    setResidentOutputs(false);
    const copied = Float32Array.from(ops.sigmoid(tensor(Float32Array.from(src), [3, 29, 31])).data);
    setResidentOutputs(true);
    const t = tensor(src, [3, 29, 31]);
    expect(t.data).toBe(src); // aliased until a kernel reads it
    const first = ops.sigmoid(t);
    expect(first.data).toEqual(copied);
    expect(first.data).toEqual(ref.data);
    expect(blockOf(t) !== undefined).toBe(shared);
    expect(t.data === src).toBe(!shared);
    expect(t.data).toEqual(Float32Array.from(src));
    const arena = backend.module(b)?.arena;
    if (arena) {
      const put = vi.spyOn(arena, 'put');
      expect(ops.sigmoid(t).data).toEqual(copied);
      expect(put).toHaveBeenCalledTimes(shared ? 0 : 1);
      put.mockRestore();
    }
    // once moved, writes to the caller's array no longer reach the tensor (before, they did)
    src[0] = 1234;
    expect(t.data[0] === 1234).toBe(!shared);
  });

  it('tensors sharing the array (reshape, tensor(t.data)) all move together and stay consistent', () => {
    const src = values(4 * 8 * 9 * 5, 12);
    const t = tensor(src, [4, 8, 9, 5]),
      r = t.reshape([32, 45]),
      s = tensor(t.data, [4, 360]);
    const want = Float32Array.from(src).map((v) => Math.max(v, 0));
    expect(ops.relu(r).data).toEqual(want);
    expect(r.data).toBe(t.data);
    expect(s.data).toBe(t.data);
    expect(blockOf(s)?.holders).toBe(shared ? 3 : undefined);
    expect(ops.relu(t).data).toEqual(want);
    expect(ops.relu(s).data).toEqual(want);
    // a reshape made after the move shares the view
    const later = t.reshape([-1]);
    expect(later.data).toBe(t.data);
    expect(blockOf(later)?.holders).toBe(shared ? 4 : undefined);
  });

  it('a moved tensor still reads right after memory growth and after other ops reuse freed blocks', () => {
    setPoolPoison(NaN);
    const src = values(2 * 17 * 19 * 7, 13),
      keep = Float32Array.from(src);
    const t = tensor(src, [2, 17, 19, 7]);
    const want = Float32Array.from(ops.relu(t).data);
    const mem = backend.module(b)?.arena.memory;
    if (mem) {
      const before = mem.buffer.byteLength;
      mem.grow(64); // 4 MiB
      expect(backend.info().memoryBytes).toBeGreaterThan(before);
    }
    for (let i = 0; i < 20; i++) tidy(() => void ops.sigmoid(ops.relu(ops.add(t, 1))));
    expect(t.data).toEqual(keep);
    expect(ops.relu(t).data).toEqual(want);
  });

  it('dispose frees the block once every tensor on it is disposed; tidy frees a tensor made inside it', () => {
    const base = memory().residentBytes;
    const t = tensor(values(64 * 64, 14), [64, 64]),
      r = t.reshape([4096]);
    ops.relu(t).dispose();
    const blk = blockOf(t);
    expect(blk !== undefined).toBe(shared);
    expect(memory().residentBytes - base).toBe(shared ? 64 * 64 * 4 : 0);
    t.dispose();
    expect(blk?.live ?? false).toBe(shared);
    r.dispose();
    expect(blk?.live ?? false).toBe(false);
    expect(memory().residentBytes).toBe(base);
    tidy(() => void ops.relu(tensor(values(64 * 64, 15), [64, 64])));
    expect(memory().residentBytes).toBe(base);
  });

  it('Variables never move: assign and reads stay on their own array', () => {
    const src = values(40 * 50, 16);
    const v = new Variable(tensor(src, [40, 50]));
    const own = v.data;
    expect(ops.relu(v).data).toEqual(Float32Array.from(src).map((x) => Math.max(x, 0)));
    expect(v.data).toBe(own);
    expect(blockOf(v)).toBeUndefined();
    v.assign(full([40, 50], -2));
    expect(v.data).toBe(own);
    expect(ops.relu(ops.add(v, 3)).data).toEqual(new Float32Array(2000).fill(1));
  });

  it('small arrays and arrays past the cap stay plain and are copied in per call', () => {
    const small = tensor(values(1000, 17), [1000]); // 4,000 bytes: under the 4 KiB floor
    ops.relu(small);
    expect(blockOf(small)).toBeUndefined();
    setPoolLimit(0);
    const src = values(5000, 18),
      t = tensor(src, [5000]);
    expect(ops.relu(t).data).toEqual(Float32Array.from(src).map((x) => Math.max(x, 0)));
    expect(t.data).toBe(src);
    setPoolLimit(DEFAULT_POOL_LIMIT);
    ops.relu(t);
    expect(t.data === src).toBe(!shared); // it moves once there is room
  });

  it('memory stays bounded over thousands of fresh tensors read without dispose', () => {
    const cap = Math.max(2 * 2 ** 20, memory().residentBytes + memory().residentCachedBytes);
    setPoolLimit(cap);
    const n = 56 * 56 * 4; // 50 KiB each: 3,000 of them are 147 MiB
    for (let i = 0; i < 50; i++) ops.relu(tensor(new Float32Array(n).fill(i - 25), [n]));
    const steady = backend.info().memoryBytes;
    let last: Tensor | null = null;
    for (let i = 0; i < 3000; i++) last = ops.relu(tensor(new Float32Array(n).fill((i % 7) - 3), [n]));
    expect(memory().residentBytes + memory().residentCachedBytes).toBeLessThanOrEqual(cap);
    if (b !== 'js') expect(backend.info().memoryBytes).toBeLessThanOrEqual(steady + 2 * cap);
    expect(last!.data).toEqual(new Float32Array(n).fill(Math.max((2999 % 7) - 3, 0)));
  });
});
