// bench/browser.ts in its tiny mode (LeNet-5, one round, short warm-up): the whole-network benchmark in headless
// Chromium still builds its page, loads every engine (convkit plan and eager, TF.js wasm, ONNX Runtime Web on 1
// and 2 threads), gets the same outputs from all of them and prints a table, so it cannot rot unnoticed.
// The figures it measures are not checked (benchmarks are not tests), only that they exist.
import { describe, it, expect } from 'vitest';
import { hasChromium } from './harness';
import { benchBrowser, browserTable } from '../../bench/browser';

const run = hasChromium || process.env.CI ? describe : describe.skip;

run('bench/browser.ts (tiny mode)', () => {
  it('times every engine on one small network and their outputs agree', async () => {
    const lines: string[] = [];
    const res = await benchBrowser({ models: ['tiny'], rounds: 1, warmMs: 20, log: (l) => lines.push(l) });
    expect(res.errors).toEqual([]);
    const got = res.rows.map((r) => `${r.impl} ${r.threads}`).sort();
    expect(got).toEqual(
      [
        'convkit plan 1',
        'convkit plan 2',
        'convkit eager 1',
        'convkit eager in tidy 1',
        'TF.js wasm 1',
        'TF.js wasm 2',
        'ORT Web 1',
        'ORT Web 2',
      ].sort(),
    );
    for (const r of res.rows) {
      expect(r.runs).toBe(1);
      expect(Number.isFinite(r.ms) && r.ms > 0, `${r.impl} ${r.threads}: ${r.ms} ms`).toBe(true);
    }
    expect(res.diffs).toHaveLength(7);
    for (const d of res.diffs) expect(d).toBeLessThan(1e-4);
    expect(res.notes.some((n) => n.includes('crossOriginIsolated true'))).toBe(true);
    expect(browserTable(res)).toContain('| tiny | 1 | convkit plan | 1 |');
  }, 120_000);
});
