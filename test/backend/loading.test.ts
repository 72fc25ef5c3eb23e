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
