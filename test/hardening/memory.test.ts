// The soak script's phases with small counts: WASM memory reaches its high-water mark in the first
// iteration (cycle of shapes, epoch, save/load) and never grows after, on both WASM builds.
import { describe, it, expect } from 'vitest';
import { backend } from '../../src';
import { convPhase, trainPhase, ioPhase, Probe } from '../../scripts/soak';

function recorder(): { probe: Probe; at: Record<string, number> } {
  const at: Record<string, number> = {};
  return {
    at,
    probe: (when) => {
      at[when] = backend.info().memoryBytes;
    },
  };
}

describe.each(['wasm-simd', 'wasm'] as const)('memory stays flat on %s', (b) => {
  it('conv2d of mixed shapes (forward and gradients)', () => {
    backend.use(b);
    const r = recorder();
    convPhase(8 * 10, r.probe);
    expect(r.at.warm).toBeGreaterThan(0);
    expect(r.at.end).toBe(r.at.warm);
  });

  it('LeNet-5 training and save/load cycles', async () => {
    backend.use(b);
    const t = recorder();
    await trainPhase(3, 192, t.probe);
    expect(t.at.warm).toBeGreaterThan(0);
    expect(t.at.end).toBe(t.at.warm);
    const s = recorder();
    await ioPhase(15, s.probe);
    expect(s.at.end).toBe(s.at.warm);
  }, 60_000);
});
