// `convkit bench`: whole-network timings on this machine, their table and JSON, and bad command lines.
import { describe, it, expect } from 'vitest';
import { runCli as run } from '../helpers/cli';

describe('convkit bench', () => {
  it('times each network on each thread count asked for, interleaved, and reports medians and fastest runs', async () => {
    const r = await run('bench', '--models', 'lenet5', '--threads', '1,2', '--rounds', '3', '--warm-ms', '0', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows.map((row: { model: string; threads: number }) => [row.model, row.threads])).toEqual([
      ['lenet5', 1],
      ['lenet5', 2],
    ]);
    for (const row of j.rows) {
      expect(Number.isFinite(row.medianMs) && row.medianMs > 0).toBe(true);
      expect(row.fastestMs).toBeLessThanOrEqual(row.medianMs);
      expect(row.imagesPerSecond).toBeCloseTo(1000 / row.medianMs, 6);
      expect(row.runs).toBe(3);
    }
    expect(r.stderr).toMatch(/lenet5 28x28x1: building and warming plans/);
    const text = await run(
      'bench',
      '--models',
      'lenet5',
      '--threads',
      '1,2',
      '--rounds',
      '1',
      '--warm-ms',
      '0',
      '--batch',
      '4',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/batch 4/);
    expect(text.stdout).toMatch(/lenet5 +2 threads +\d+\.\d+ ms median/);
    expect(text.stdout).toMatch(/lenet5: 2 threads \d+\.\d\dx one thread/);
  }, 60_000);

  it('rejects an unknown network, a bad thread count or batch with exit code 2 and the option named', async () => {
    const unknown = await run('bench', '--models', 'resnet5');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown network 'resnet5'/);
    expect(unknown.stderr).toMatch(/resnet50|resnet18/);
    const threads = await run('bench', '--threads', '0');
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--threads expects whole numbers from 1 to 256, got '0'/);
    const batch = await run('bench', '--batch', '0.5');
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch expects a whole number >= 1/);
  });
});
