// Threads: kernels split into parts that a worker pool runs on one shared WebAssembly.Memory. Every
// parallel kernel must match the 'js' reference on shapes big enough to be split (batch > 1 splits by
// items; one image by bands of rows, including stride > 1, dilation, padding, 3D and depthwise), the
// forward results must not depend on the thread count, and the pool must start, resize and stop cleanly.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { backend, init } from '../../src/backend';
import { layers, model, ops, noGrad, setPoolLimit, type Tensor } from '../../src/index';
import { DEFAULT_POOL_LIMIT } from '../../src/backend/pool';
import { Model } from '../../src/models/model';
import { lower } from '../../src/models/plan/lower';
import { fuse } from '../../src/models/plan/fuse';
import { splitStep } from '../../src/models/plan/parts';
import type { ConvGeometry, DepthwiseGeometry } from '../../src/backend/kernels';
import { splitRange, splitByOutput, splitByInput, splitPoolByOutput } from '../../src/backend/wasm/split';
import { poolGeometry } from '../../src/ops/pool';
import { ValueError } from '../../src/errors';
import {
  rng,
  randArray,
  geometry as specGeometry,
  inLen,
  outLen,
  terms,
  outShape,
  inShape,
  filterShape,
  expectRelClose as expectClose,
  type Triple,
} from '../helpers/kernels';

function geometry(
  batch: number,
  inp: Triple,
  inC: number,
  outC: number,
  f: Triple,
  stride?: Triple,
  dilation?: Triple,
  padBefore?: Triple,
  padAfter?: Triple,
): ConvGeometry {
  return specGeometry({ batch, in: inp, inC, outC, f, stride, dilation, padBefore, padAfter });
}
const rand = (n: number, seed: number) => randArray(n, rng(seed));

const simd = () => backend.kernels('wasm-simd');
const js = () => backend.kernels('js');

/** Sets the thread count and waits (init resolves once workers are up), so parts really run on other threads. */
async function poolReady(threads: number): Promise<void> {
  backend.use('wasm-simd');
  backend.setThreads(threads);
  await init();
  expect(backend.module('wasm-simd')!.pool!.ready).toBeGreaterThanOrEqual(threads - 1);
}

const threaded = backend.module('wasm-simd')?.build === 'simdThreads';

describe('splitting work', () => {
  it('splitRange covers 0..n once, aligned, in at most `parts` pieces', () => {
    for (const [n, parts, align] of [
      [10, 2, 1],
      [11, 3, 4],
      [7, 8, 1],
      [1, 2, 8],
      [1000, 2, 8],
      [33, 4, 2],
    ]) {
      const r = splitRange(n, parts, align);
      expect(r.length).toBeLessThanOrEqual(parts);
      expect(r[0][0]).toBe(0);
      expect(r[r.length - 1][1]).toBe(n);
      r.forEach(([s, e], i) => {
        expect(e).toBeGreaterThan(s);
        expect(s % align).toBe(0);
        if (i) expect(s).toBe(r[i - 1][1]);
      });
    }
  });

  it('output bands tile the output rows; input bands tile the input, even with stride > filter', () => {
    const g = geometry(1, [1, 23, 9], 3, 4, [1, 3, 3], [1, 3, 1], [1, 1, 1], [0, 1, 1], [0, 1, 1]);
    const out = splitByOutput(g, 3);
    expect(out.map((p) => p.g.outH).reduce((a, b) => a + b)).toBe(g.outH);
    for (const p of out) {
      expect(p.g.padTop).toBeGreaterThanOrEqual(0);
      // each band gets only the input rows its windows read
      expect(p.g.inH).toBeLessThanOrEqual((p.g.outH - 1) * g.strideH + (g.fH - 1) * g.dilationH + 1);
    }
    for (const [h, s] of [
      [g, 3],
      [geometry(1, [1, 29, 4], 2, 2, [1, 2, 2], [1, 5, 1]), 4],
    ] as const) {
      let at = 0;
      for (const p of splitByInput(h, s)) {
        expect(p.inOffset).toBe(at);
        expect(p.g.outH).toBeGreaterThan(0);
        at += p.g.inH * h.inW * h.inC;
      }
      expect(at).toBe(inLen(h));
    }
  });

  it('pool bands, run part by part on the reference, give the whole pool (max and avg, padding, stride, batch, 3D)', () => {
    const cases: Array<[number, number[], Parameters<typeof poolGeometry>[3], number]> = [
      [2, [1, 23, 9, 5], { poolSize: 3, strides: 2, padding: 'same' }, 3],
      [2, [1, 30, 7, 3], { poolSize: [4, 2], strides: [3, 1], padding: 'same' }, 4],
      [2, [1, 17, 13, 6], { poolSize: 2 }, 2],
      [2, [3, 11, 10, 4], { poolSize: 3, strides: 1, padding: 'same' }, 2],
      [3, [1, 9, 6, 5, 3], { poolSize: [3, 2, 2], strides: [2, 2, 1], padding: 'same' }, 3],
    ];
    for (const [r, shape, opts, parts] of cases) {
      const { g } = poolGeometry('pool', r, shape, opts);
      const x = rand(
        shape.reduce((a, b) => a * b),
        5,
      );
      const bands = splitPoolByOutput(g, parts);
      expect(bands.length, JSON.stringify(opts)).toBeGreaterThan(1);
      for (const kind of ['maxPool', 'avgPool'] as const) {
        const whole = js()[kind](x, g),
          got = new Float32Array(whole.length).fill(NaN);
        for (const p of bands) {
          const inN = p.g.batch * p.g.inD * p.g.inH * p.g.inW * g.channels;
          got.set(js()[kind](x.subarray(p.inOffset, p.inOffset + inN), p.g), p.outOffset);
        }
        expect(Array.from(got), `${kind} ${JSON.stringify(opts)}`).toEqual(Array.from(whole));
      }
    }
  });
});

describe.skipIf(!threaded)('threads', () => {
  beforeAll(async () => {
    await init();
    await poolReady(2);
  });
  afterAll(() => {
    backend.setThreads(null);
  });

  it('info() reports the thread count and why', () => {
    const info = backend.setThreads(2);
    expect(info.threads).toBe(info.kernel === 'wasm-simd' || info.kernel === 'wasm-relaxed-simd' ? 2 : 1);
    expect(backend.module('wasm-simd')!.build).toBe('simdThreads');
    backend.use('wasm-simd');
    expect(backend.info().threadsReason).toMatch(/2 threads share one WebAssembly.Memory/);
    expect(backend.setThreads(1).threadsReason).toMatch(/single thread: set by backend.setThreads\(1\)/);
    expect(backend.setThreads(2).threads).toBe(2);
    for (const bad of [0, -1, 1.5, NaN, 1000, '2']) expect(() => backend.setThreads(bad as number)).toThrow(ValueError);
  });

  it('matmul with every transpose matches the reference, and equals the one-thread result bit for bit', () => {
    const cases: Array<[number, number, number, boolean, boolean]> = [
      [300, 200, 100, false, false],
      [64, 257, 530, true, false],
      [513, 100, 77, false, true],
      [129, 130, 131, true, true],
      [1, 1500, 1003, false, false],
    ];
    for (const [m, k, n, tA, tB] of cases) {
      const a = rand(m * k, m),
        b = rand(k * n, n),
        bias = rand(n, k);
      backend.setThreads(2);
      const two = simd().matmul(a, b, m, k, n, tA, tB, bias, 'relu');
      expectClose(two, js().matmul(a, b, m, k, n, tA, tB, bias, 'relu'), `matmul ${m}x${k}x${n} ${tA} ${tB}`, {
        terms: k,
        shape: [m, n],
      });
      backend.setThreads(1);
      expect(simd().matmul(a, b, m, k, n, tA, tB, bias, 'relu')).toEqual(two);
    }
    backend.setThreads(2);
  });

  it('gram over a batch matches the reference', () => {
    const a = rand(3 * 200 * 67, 5);
    expectClose(simd().gram(a, 3, 200, 67), js().gram(a, 3, 200, 67), 'gram batch 3', {
      terms: 200,
      shape: [3, 67, 67],
    });
  });

  const CONV: Array<[string, ConvGeometry]> = [
    [
      'one image, 3x3 same, odd sizes',
      geometry(1, [1, 37, 29], 7, 13, [1, 3, 3], [1, 1, 1], [1, 1, 1], [0, 1, 1], [0, 1, 1]),
    ],
    [
      'one image, 3x3 same, Winograd-sized channels',
      geometry(1, [1, 23, 30], 16, 24, [1, 3, 3], [1, 1, 1], [1, 1, 1], [0, 1, 1], [0, 1, 1]),
    ],
    [
      'one image, 5x5 stride 2, asymmetric pad',
      geometry(1, [1, 49, 41], 5, 9, [1, 5, 5], [1, 2, 2], [1, 1, 1], [0, 2, 1], [0, 1, 2]),
    ],
    [
      'one image, 3x3 dilation 2',
      geometry(1, [1, 33, 31], 6, 10, [1, 3, 3], [1, 1, 1], [1, 2, 2], [0, 2, 2], [0, 2, 2]),
    ],
    ['one image, 2x2 stride 5 (rows no window reads)', geometry(1, [1, 99, 80], 16, 32, [1, 2, 2], [1, 5, 5])],
    ['one image, 1x1 pointwise', geometry(1, [1, 40, 40], 32, 48, [1, 1, 1])],
    ['batch 3, 3x3 valid', geometry(3, [1, 21, 19], 8, 11, [1, 3, 3])],
    [
      'one volume, 3D 3x3x3 same',
      geometry(1, [9, 11, 10], 4, 6, [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]),
    ],
    ['1D, batch 4', geometry(4, [1, 1, 401], 9, 17, [1, 1, 5], [1, 1, 2], [1, 1, 1], [0, 0, 2], [0, 0, 2])],
  ];
  for (const [name, g] of CONV) {
    it(`conv forward and both gradients: ${name}`, () => {
      const x = rand(inLen(g), 11),
        w = rand(g.fD * g.fH * g.fW * g.inC * g.outC, 12),
        dy = rand(outLen(g), 13),
        bias = rand(g.outC, 14);
      expect(2 * outLen(g) * g.fD * g.fH * g.fW * g.inC).toBeGreaterThanOrEqual(1 << 20); // big enough to split
      const y = simd().conv(x, w, g, bias, 'relu');
      expectClose(y, js().conv(x, w, g, bias, 'relu'), `${name} forward`, {
        terms: terms.forward(g),
        shape: outShape(g),
      });
      expectClose(simd().convBackpropInput(dy, w, g), js().convBackpropInput(dy, w, g), `${name} dx`, {
        terms: terms.input(g),
        shape: inShape(g),
      });
      expectClose(simd().convBackpropFilter(x, dy, g), js().convBackpropFilter(x, dy, g), `${name} dw`, {
        terms: terms.filter(g),
        shape: filterShape(g),
      });
      backend.setThreads(1);
      expect(simd().conv(x, w, g, bias, 'relu')).toEqual(y);
      backend.setThreads(2);
    });
  }

  it('parts that derive a geometry (the direct input gradient) keep it to themselves', () => {
    // regression: the transposed geometry once lived in static memory that every thread shared
    const g = geometry(1, [1, 12, 12], 1024, 9, [1, 3, 3], [1, 1, 1], [1, 1, 1], [0, 1, 1], [0, 1, 1]);
    const w = rand(9 * 1024 * 9, 61),
      dy = rand(outLen(g), 62),
      want = js().convBackpropInput(dy, w, g);
    for (let i = 0; i < 30; i++)
      expectClose(simd().convBackpropInput(dy, w, g), want, `call ${i}`, { terms: terms.input(g), shape: inShape(g) });
  });

  it('depthwise forward and both gradients on one image and on a batch, stride 2 and padding', () => {
    // a 7x7 filter: 3x3 depthwise work is too memory-bound to split (module.ts, MIN_PARALLEL_INTENSITY)
    for (const batch of [1, 3]) {
      const g: DepthwiseGeometry = {
        ...geometry(batch, [1, 67, 53], 24, 48, [1, 7, 7], [1, 2, 2], [1, 1, 1], [0, 3, 3], [0, 3, 3]),
        multiplier: 2,
      };
      const x = rand(inLen(g), 21),
        w = rand(49 * 24 * 2, 22),
        dy = rand(outLen(g), 23);
      expectClose(simd().depthwiseConv(x, w, g), js().depthwiseConv(x, w, g), `depthwise batch ${batch}`, {
        terms: 49,
      });
      expectClose(
        simd().depthwiseConvBackpropInput(dy, w, g),
        js().depthwiseConvBackpropInput(dy, w, g),
        `depthwise dx batch ${batch}`,
        { terms: 49 * 2 },
      );
      expectClose(
        simd().depthwiseConvBackpropFilter(x, dy, g),
        js().depthwiseConvBackpropFilter(x, dy, g),
        `depthwise dw batch ${batch}`,
        { terms: terms.filter(g) },
      );
    }
  });

  it('resizing the pool and many calls keep results and memory steady', async () => {
    const g = CONV[0][1];
    const x = rand(inLen(g), 31),
      w = rand(9 * g.inC * g.outC, 32);
    const want = js().conv(x, w, g, null, 'linear');
    const mod = backend.module('wasm-simd')!;
    for (const t of [3, 1, 2]) {
      backend.setThreads(t);
      expectClose(simd().conv(x, w, g, null, 'linear'), want, `threads ${t}`, {
        terms: terms.forward(g),
        shape: outShape(g),
      });
    }
    // the pool only grows: going down to 1 and back to 2 threads keeps the 3-thread pool's workers
    expect(mod.pool!.threads).toBe(3);
    await poolReady(2);
    // outputs left to the garbage collector live in the shared memory up to the pool cap, then are copied out
    const cap = 2 ** 20;
    setPoolLimit(cap);
    const pool = mod.pool,
      before = mod.arena.memoryBytes;
    try {
      for (let i = 0; i < 300; i++) simd().conv(x, w, g, null, 'linear');
      expect(mod.pool).toBe(pool);
      expect(mod.arena.memoryBytes).toBeLessThanOrEqual(before + 2 * cap);
      const grown = mod.arena.memoryBytes;
      for (let i = 0; i < 300; i++) simd().conv(x, w, g, null, 'linear');
      expect(mod.arena.memoryBytes).toBe(grown);
    } finally {
      setPoolLimit(DEFAULT_POOL_LIMIT);
    }
  });

  // Kernel calls are synchronous, so async tasks interleave between calls, never inside one; real
  // concurrency (two models training at once in worker_threads) is test/hardening/workers.test.ts.
  it('calls from interleaved async tasks get their own results', async () => {
    const gs = [CONV[0][1], CONV[5][1], CONV[2][1]];
    const inputs = gs.map(
      (g, i) => [rand(inLen(g), 40 + i), rand(g.fD * g.fH * g.fW * g.inC * g.outC, 50 + i)] as const,
    );
    const results = await Promise.all(
      gs.map(async (g, i) => {
        await new Promise((r) => setTimeout(r, 3 - i));
        return simd().conv(inputs[i][0], inputs[i][1], g, null, 'linear');
      }),
    );
    results.forEach((r, i) =>
      expectClose(r, js().conv(inputs[i][0], inputs[i][1], gs[i], null, 'linear'), `caller ${i}`, {
        terms: terms.forward(gs[i]),
        shape: outShape(gs[i]),
      }),
    );
  });

  it('plans split convs of one small image by output channels, with the eager outputs at batch 1 and 3', async () => {
    await poolReady(2);
    // one 4-row band each: Winograd (3x3 same), stride 2 and dilation 2 (direct); odd channel counts
    const inp = layers.input({ shape: [4, 16, 64] });
    const a = layers.conv2d({ filters: 53, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
    const b = layers.conv2d({ filters: 99, kernelSize: 3, strides: 2, padding: 'same' }).apply(a);
    const c = layers
      .conv2d({ filters: 45, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' })
      .apply(b);
    const m = model({ inputs: inp, outputs: c, seed: 3 });
    const program = fuse(lower(m, [[1, 4, 16, 64]], (l): l is Model => l instanceof Model));
    const convs = program.steps.filter((st) => st.kind === 'conv');
    expect(convs.length).toBe(3);
    for (const st of convs) {
      const split = splitStep(st, 2)!;
      const outC = (st as { g: ConvGeometry }).g.outC;
      // two blocks of channels (the second from a multiple of 16 on) in the one band
      expect('bands' in split && split.bands.map((p) => p.channels?.c0)).toEqual([0, 16 * Math.ceil(outC / 32)]);
    }
    const run = vi.spyOn(backend.module('wasm-simd')!.pool!, 'run');
    for (const n of [1, 3]) {
      const x = ops.randomUniform([n, 4, 16, 64], { min: -1, max: 1, seed: n });
      const want = noGrad(() => m.apply(x) as Tensor);
      const got = backend.with('wasm-simd', () => m.predict(x));
      expectClose(got.data, want.data, `batch ${n}`, { tol: 1e-5, terms: 9 * 99, shape: got.shape });
    }
    // the parts went to the pool (two per conv step)
    expect(run.mock.calls.filter(([fn, parts]) => fn === 'conv' && parts.length === 2).length).toBeGreaterThan(0);
    run.mockRestore();
  });

  it('plans split large pools into row bands and activations into ranges: equal to the eager ops and 1 thread', async () => {
    // 61 x 45 x 32 floats (351 KB) into each pool: over the plan's split size
    const inp = layers.input({ shape: [61, 45, 32] });
    let h = layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(inp);
    h = layers.leakyReLU({ alpha: 0.2 }).apply(h);
    h = layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(h);
    const m = model({ inputs: inp, outputs: h });
    const x = ops.randomUniform([1, 61, 45, 32], { min: -1, max: 1, seed: 4 });
    const want = noGrad(() => m.apply(x) as Tensor);
    await poolReady(1);
    const one = backend.with('wasm-simd', () => m.predict(x));
    await poolReady(2);
    const run = vi.spyOn(backend.module('wasm-simd')!.pool!, 'run');
    const two = backend.with('wasm-simd', () => m.predict(x));
    const split = (name: RegExp) => run.mock.calls.filter(([fn, parts]) => name.test(fn) && parts.length === 2);
    expect(split(/Pool$/).length).toBe(2);
    expect(split(/^activateInPlace$/).length).toBe(1);
    run.mockRestore();
    expect(Array.from(two.data)).toEqual(Array.from(one.data));
    expectClose(two.data, want.data, 'pools', { tol: 1e-6, terms: 9, shape: two.shape });
  });
});
