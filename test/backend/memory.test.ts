import { describe, it, expect } from 'vitest';
import { backend } from '../../src/backend';
import type { BackendName, ConvGeometry } from '../../src/backend/kernels';
import { align16 } from '../../src/backend/wasm/module';

// 1x8x8x3 -> 4 @ 3x3 'same': small, so 10,000 calls stay quick.
const g: ConvGeometry = {
  batch: 1,
  inD: 1,
  inH: 8,
  inW: 8,
  inC: 3,
  outD: 1,
  outH: 8,
  outW: 8,
  outC: 4,
  fD: 1,
  fH: 3,
  fW: 3,
  strideD: 1,
  strideH: 1,
  strideW: 1,
  dilationD: 1,
  dilationH: 1,
  dilationW: 1,
  padFront: 0,
  padTop: 1,
  padLeft: 1,
};
const x = Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37));
const w = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i * 0.11));
const bias = Float32Array.of(0.1, -0.2, 0.3, -0.4);

describe('WASM memory stays bounded without dispose()', () => {
  for (const name of ['wasm-simd', 'wasm'] as BackendName[]) {
    it(`${name}: 10,000 conv2d calls never grow memory past the first call's high-water mark`, () => {
      const k = backend.kernels(name),
        arena = backend.module(name)!.arena;
      const expected = backend.kernels('js').conv(x, w, g, bias, 'relu');
      const first = k.conv(x, w, g, bias, 'relu');
      const highWater = arena.memoryBytes;
      let last = first;
      for (let i = 0; i < 10_000; i++) last = k.conv(x, w, g, bias, 'relu');
      expect(arena.memoryBytes).toBe(highWater);
      expect(last).toEqual(first);
      for (let i = 0; i < expected.length; i++) expect(Math.abs(last[i] - expected[i])).toBeLessThan(1e-5);
    });
  }
});

describe('pinned blocks (inference plans) and the scratch arena', () => {
  it('rounds addresses past 2 GiB up to 16 without wrapping to negative int32', () => {
    expect(align16(2 ** 31 + 1)).toBe(2 ** 31 + 16);
    expect(align16(2 ** 32 - 16)).toBe(2 ** 32 - 16);
    expect(align16(17)).toBe(32);
  });
  it('keeps pinned bytes intact across kernel calls, reuses freed blocks first-fit, and moves the scratch back down', () => {
    const mod = backend.module('wasm-simd')!,
      arena = mod.arena,
      k = backend.kernels('wasm-simd');
    const before = arena.pinnedBytes;
    const a = arena.pin(1000),
      b = arena.pin(5000);
    expect(a % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 1000);
    const mark = Float32Array.from({ length: 250 }, (_, i) => i * 0.5);
    new Float32Array(mod.exports.memory.buffer, a, 250).set(mark);
    // kernel calls use the scratch above every pinned block
    const y = k.conv(x, w, g, bias, 'relu');
    expect(y).toEqual(backend.kernels('wasm-simd').conv(x, w, g, bias, 'relu'));
    expect([...new Float32Array(mod.exports.memory.buffer, a, 250)]).toEqual([...mark]);
    // a freed block is reused by the next pin that fits in it
    arena.unpin(a);
    expect(arena.pin(800)).toBe(a);
    expect(arena.pinnedBytes).toBe(before + 800 + 5000);
    arena.unpin(a);
    arena.unpin(b);
    expect(arena.pinnedBytes).toBe(before);
  });
});
