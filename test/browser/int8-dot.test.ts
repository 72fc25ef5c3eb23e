// The relaxed int8 dot path in headless Chromium, whose engine (unlike Node 20's) computes the int8 dot product
// exactly: the probe's verdict, the dot kernels on full-range operands against the reference, and a quantised net
// whose plan takes the dot path on the relaxed build giving the SIMD build's (i16 path's) outputs bit for bit.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, hasChromium, pageResult } from './harness';

const root = join(__dirname, '../..');
const dir = join(root, 'out/int8-dot-test');
const run = hasChromium || process.env.CI ? describe : describe.skip;

run('relaxed int8 dot path in Chromium', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const { build } = await import('esbuild');
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: [join(__dirname, 'int8-dot-page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      external: ['node:*'],
      outfile: join(dir, 'page.js'),
      logLevel: 'error',
    });
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>',
    );
    server = await serve(dir);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('probes an exact arithmetic, matches the reference, and a quantised plan matches the i16 path', async () => {
    const { result, errors } = await pageResult(server.url);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    // x86 with AVX-VNNI or Arm: exact; a saturating engine would leave nothing to check here
    expect(['unsigned', 'signed']).toContain(result.arith);
    expect(result.checks.length).toBe(2 * 3 * 10);
    for (const c of result.checks) expect(c.mismatches, `${c.name} (${c.values} values)`).toBe(0);
    // pw (a GEMM), c5 and the dense layer; c1 (3 channels in, a stem) runs direct and the depthwise (12 channels,
    // under one block of 16) stays on i16
    expect(result.dotSteps).toBe(3);
    expect(result.relaxed.length).toBe(2 * 7);
    expect(result.relaxed).toEqual(result.simd);
  }, 120_000);
});
