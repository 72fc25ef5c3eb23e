// Fallbacks that are tested, not assumed: each test loads a fresh copy of convkit with WebAssembly
// tampered with (a build failing validation, instantiation throwing), or with CONVKIT_BACKEND set.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { refConv, refMatmul } from '../ops/reference';
import { expectClose } from '../helpers/close';

type Convkit = typeof import('../../src');
type ModuleApi = typeof import('../../src/backend/wasm/module');

const realWasm = globalThis.WebAssembly;
const fresh = async (): Promise<{ ck: Convkit; mod: ModuleApi }> => {
  vi.resetModules();
  const mod = await import('../../src/backend/wasm/module');
  return { ck: await import('../../src'), mod };
};

/** A stand-in WebAssembly namespace: overrides on top of the real one, counting instantiations. */
function tamper(over: Partial<typeof WebAssembly>): { calls: number } {
  const count = { calls: 0 };
  const instantiate = over.instantiate ?? realWasm.instantiate.bind(realWasm);
  vi.stubGlobal('WebAssembly', {
    ...Object.fromEntries(Object.getOwnPropertyNames(realWasm).map((k) => [k, (realWasm as any)[k]])),
    ...over,
    instantiate: (...a: any[]) => {
      count.calls++;
      return (instantiate as any)(...a);
    },
  });
  return count;
}

/**
 * conv2d on a small case, checked against the f64 oracle of test/ops/reference.ts (not the 'js'
 * kernels, which may be the very backend under test after a fallback or with CONVKIT_BACKEND=js).
 */
function convWorks(ck: Convkit): void {
  const x = ck.ops.randomUniform([2, 6, 5, 3], { seed: 1 }),
    w = ck.ops.randomUniform([3, 3, 3, 4], { seed: 2 });
  const y = ck.ops.conv2d(x, w, { padding: 'same', strides: 2 });
  // 'same' with stride 2: 6 rows need 1 row of padding (after), 5 columns need 2 (one each side)
  const ref = refConv(x.data, w.data, {
    n: 2,
    inS: [6, 5],
    c: 3,
    f: [3, 3],
    outC: 4,
    s: [2, 2],
    d: [1, 1],
    padBefore: [0, 1],
    outS: [3, 3],
  });
  expect(y.shape).toEqual([2, 3, 3, 4]);
  expectClose(y.data, ref, 1e-5, 1e-5, { shape: y.shape, what: `conv2d on ${ck.backend.info().kernel}` });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('backend fallbacks', () => {
  it('the SIMD build failing validation falls back to the scalar build', async () => {
    const { ck, mod } = await fresh();
    const simd = mod.buildBytes('simd'),
      relaxed = mod.buildBytes('relaxed');
    tamper({ validate: (b: any) => b !== simd && b !== relaxed && realWasm.validate(b) });
    const info = await ck.init();
    expect(info.kernel).toBe('wasm');
    expect(info.simd).toBe(false);
    expect(ck.backend.module('wasm')!.exports.IS_SIMD.value).toBe(0);
    convWorks(ck);
  });

  it('a failed instantiation falls back to js with exactly one warning', async () => {
    const { ck } = await fresh();
    tamper({
      compile: (() => Promise.reject(new Error('simulated: out of memory'))) as any,
      instantiate: (() => Promise.reject(new Error('simulated: out of memory'))) as any,
      Module: function () {
        throw new Error('simulated: out of memory');
      } as any,
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = await ck.init();
    expect(info.kernel).toBe('js');
    expect(info.reason).toMatch(/failed to instantiate.*simulated/);
    await ck.init();
    convWorks(ck);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/convkit: WebAssembly failed to instantiate/);
    // forcing a WASM build that cannot load is a typed error, not a silent fallback
    await expect(ck.init({ backend: 'wasm-simd' })).rejects.toBeInstanceOf(ck.BackendError);
    expect(ck.backend.info().kernel).toBe('js');
  });

  it('an op before init() initialises synchronously (failure falls back to js, one warning)', async () => {
    const { ck } = await fresh();
    tamper({
      Module: function () {
        throw new Error('simulated: compile failed');
      } as any,
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    convWorks(ck);
    convWorks(ck);
    expect(ck.backend.info().kernel).toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('an op before init() loads the best build on first use', async () => {
    const { ck } = await fresh();
    convWorks(ck);
    expect(ck.backend.info().kernel).toBe('wasm-simd');
    expect(ck.backend.info().reason).toMatch(/loaded on first use/);
    // a later init() keeps it
    expect((await ck.init()).kernel).toBe('wasm-simd');
  });

  it('init() called twice and concurrently is safe and compiles each build once', async () => {
    const { ck } = await fresh();
    const count = tamper({});
    const infos = await Promise.all([ck.init(), ck.init(), ck.init({ backend: 'wasm' }), ck.init()]);
    expect(infos.map((i) => i.kernel)).toEqual(['wasm-simd', 'wasm-simd', 'wasm', 'wasm']);
    // scalar and SIMD validate on Node 20 (relaxed SIMD needs a flag): two compiles in all
    expect(count.calls).toBe(ck.backend.available().filter((n) => n !== 'js').length);
    convWorks(ck);
    await expect(ck.init({ backend: 'gpu' as any })).rejects.toBeInstanceOf(ck.ValueError);
    expect((await ck.init()).kernel).toBe('wasm');
  });

  it('CONVKIT_BACKEND forces a build in init() and on first use; init({ backend }) overrides it', async () => {
    vi.stubEnv('CONVKIT_BACKEND', 'wasm');
    let { ck } = await fresh();
    const info = await ck.init();
    expect(info.kernel).toBe('wasm');
    expect(info.reason).toBe('forced by CONVKIT_BACKEND');
    expect((await ck.init({ backend: 'js' })).kernel).toBe('js');

    vi.stubEnv('CONVKIT_BACKEND', 'js');
    ({ ck } = await fresh());
    convWorks(ck);
    expect(ck.backend.info().kernel).toBe('js');

    vi.stubEnv('CONVKIT_BACKEND', 'wasm-smid');
    ({ ck } = await fresh());
    await expect(ck.init()).rejects.toThrow(/CONVKIT_BACKEND: unknown backend "wasm-smid"/);
  });
});

describe('thread fallbacks', () => {
  it('workers that cannot start leave the kernels on one thread, saying why', async () => {
    const real = process.getBuiltinModule.bind(process);
    // a platform whose Worker constructor throws (as a page whose CSP forbids blob: workers does)
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(((name: string) =>
      name === 'node:worker_threads'
        ? {
            Worker: class {
              constructor() {
                throw new Error('simulated: workers forbidden');
              }
            },
          }
        : real(name)) as typeof process.getBuiltinModule);
    const { ck } = await fresh();
    ck.backend.setThreads(2);
    const info = await ck.init();
    expect(info.kernel).toBe('wasm-simd');
    expect(info.threads).toBe(1);
    expect(info.threadsReason).toMatch(/single thread: workers failed to start \(simulated: workers forbidden\)/);
    const a = ck.ops.randomUniform([300, 200], { seed: 3 }),
      b = ck.ops.randomUniform([200, 100], { seed: 4 });
    expectClose(ck.ops.matmul(a, b).data, refMatmul(a.data, b.data, 300, 200, 100, false, false), 1e-4, 1e-5, {
      shape: [300, 100],
    });
    convWorks(ck);
  });
});
