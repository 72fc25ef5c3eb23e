import { describe, it, expect } from 'vitest';
import { init, backend } from '../../src';

describe('backend loading', () => {
  it('init picks the SIMD build on Node 20 (relaxed SIMD needs a flag here)', async () => {
    const info = await init();
    expect(info.simd).toBe(true);
    expect(['wasm-simd', 'wasm-relaxed-simd']).toContain(info.kernel);
  });
  it('each WASM build says which it is', () => {
    expect(backend.module('wasm-simd')!.exports.IS_SIMD.value).toBe(1);
    expect(backend.module('wasm')!.exports.IS_SIMD.value).toBe(0);
    backend.use('js');
    expect(backend.info().kernel).toBe('js');
  });
  it('rejects an unknown backend name', () => {
    expect(() => backend.use('gpu' as any)).toThrow(/unknown backend 'gpu'/);
  });
});

describe('relaxed-SIMD probe', () => {
  it('every backend here agrees with the reference; a kernel set that is off by 1e-3 does not', async () => {
    const { probeKernels } = await import('../../src/backend/index');
    for (const name of backend.available()) expect(probeKernels(backend.kernels(name)), name).toBeNull();
    const good = backend.kernels('wasm-simd');
    const off = { ...good, matmul: (...a: Parameters<typeof good.matmul>) => good.matmul(...a).map((v) => v + 1e-3) };
    expect(probeKernels(off)).toMatch(/matmul/);
  });

  it('Node with --experimental-wasm-relaxed-simd loads the relaxed build, which passes its probe', async () => {
    const { execFileSync } = await import('node:child_process');
    const script =
      "import('./src/index.ts').then(async (c) => { const i = await c.init(); console.log(JSON.stringify({ kernel: i.kernel, relaxed: c.backend.module('wasm-relaxed-simd').exports.IS_RELAXED_SIMD.value })); })";
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, CONVKIT_BACKEND: '' },
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ kernel: 'wasm-relaxed-simd', relaxed: 1 });
  }, 60_000);
});

describe('threads in an ES-module program', () => {
  it('workers start when Node parses eval code as ESM (--input-type=module is inherited by workers)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script =
      "const c = await import('./src/index.ts'); const i = await c.init(); const p = c.backend.module('wasm-simd').pool; console.log(JSON.stringify({ threads: i.threads, ready: p.ready, failure: p.failure }));";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, CONVKIT_BACKEND: '', CONVKIT_THREADS: '2' },
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ threads: 2, ready: 1, failure: null });
  }, 60_000);
});
