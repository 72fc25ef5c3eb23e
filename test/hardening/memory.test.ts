// The soak script's phases with small counts: WASM memory reaches its high-water mark in the first
// iteration (cycle of shapes, epoch, save/load) and never grows after, on both WASM builds. On a threads
// build outputs left to the garbage collector also hold blocks of that memory until collected, up to the
// pool cap: there memory stays within the first iteration's mark plus twice the cap (the span resident
// blocks may take, holes included).
import { describe, it, expect, afterEach } from 'vitest';
import { backend, setPoolLimit, type BackendName } from '../../src';
import { DEFAULT_POOL_LIMIT } from '../../src/backend/pool';
import { convPhase, trainPhase, ioPhase, Probe } from '../../scripts/soak';

const CAP = 4 * 2 ** 20;
afterEach(() => setPoolLimit(DEFAULT_POOL_LIMIT));

/** Asserts memory at the end is the warm mark, or within twice the cap of it where outputs reside. */
function flat(b: BackendName, at: Record<string, number>): void {
  if (backend.module(b)!.arena.resident) expect(at.end).toBeLessThanOrEqual(at.warm + 2 * CAP);
  else expect(at.end).toBe(at.warm);
}

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
    setPoolLimit(CAP);
    const r = recorder();
    convPhase(8 * 10, r.probe);
    expect(r.at.warm).toBeGreaterThan(0);
    flat(b, r.at);
  });

  it('LeNet-5 training and save/load cycles', async () => {
    backend.use(b);
    setPoolLimit(CAP);
    const t = recorder();
    await trainPhase(3, 192, t.probe);
    expect(t.at.warm).toBeGreaterThan(0);
    flat(b, t.at);
    const s = recorder();
    await ioPhase(15, s.probe);
    flat(b, s.at);
  }, 60_000);
});
