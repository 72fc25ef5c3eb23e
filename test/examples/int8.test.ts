// The tour's int8 step (examples/int8.ts) on nsfwjs's real MobileNetV2: it quantises with adaptive rounding,
// reports progress, saves about 4x smaller and agrees with float's top-1 on most other photo crops. Its speed figure
// is printed, not asserted (benchmarks hold timings).
import { describe, expect, it } from 'vitest';
import { init } from '../../src';
import { runInt8 } from '../../examples/int8';

describe('tour: int8 step', () => {
  it('quantises the real MobileNetV2: progress, size on disk, agreement with float', async () => {
    await init();
    const lines: string[] = [];
    const r = await runInt8({ log: (s) => lines.push(s), quick: true });
    const text = lines.join('\n');
    expect(text).toMatch(/calibration 1\/1/);
    expect(text).toMatch(/quantised in [\d.]+ s: \d+ layers int8, \d+ float/);
    expect(r.sizeRatio).toBeGreaterThan(3.4);
    expect(r.agreement).toBeGreaterThanOrEqual(0.85);
    expect(r.agreement16).toBeGreaterThanOrEqual(0.85);
    expect(text).toMatch(/with int16 activations \(16x8\): [\d.]+ ms/);
    expect(Number.isFinite(r.speedup) && r.speedup > 0).toBe(true);
  }, 120_000);
});
