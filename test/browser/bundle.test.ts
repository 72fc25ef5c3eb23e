// The browser bundle loads from a plain <script type="module"> in real Chromium, picks a SIMD build,
// and its kernels agree with the TypeScript reference on every backend.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, hasChromium, buildTestPage, pageResult } from './harness';

const root = join(__dirname, '../..');
const dir = join(root, 'out/browser-test');
const run = hasChromium || process.env.CI ? describe : describe.skip;

run('browser bundle in Chromium', () => {
  let server: Awaited<ReturnType<typeof serve>>, isolated: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    await buildTestPage(dir);
    copyFileSync(join(__dirname, 'page.js'), join(dir, 'page.js'));
    server = await serve(dir);
    isolated = await serve(dir, { isolated: true });
  });
  afterAll(async () => {
    await server?.close();
    await isolated?.close();
  });

  it('loads, reports the backend, and matches the reference on every build', async () => {
    const { result, errors } = await pageResult(server.url);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    // Headless Chromium validates SIMD and relaxed SIMD (NOTES), so init() must pick a SIMD build.
    expect(result.info.simd).toBe(true);
    expect(result.info.kernel).toMatch(/^wasm-(relaxed-)?simd$/);
    expect(result.info.threads).toBe(1);
    expect(result.checks.length).toBeGreaterThan(0);
    for (const c of result.checks) expect(c.maxRelErr, `${c.backend} ${c.kernel}`).toBeLessThan(1e-4);
    expect(new Set(result.checks.map((c: any) => c.backend))).toEqual(
      new Set(['wasm', 'wasm-simd', 'wasm-relaxed-simd']),
    );
    expect(result.isolated).toBe(false);
    expect(result.threaded).toBeNull();
  });

  it('a cross-origin isolated page runs the kernels on a worker pool, one thread per core, and they still match', async () => {
    const { result, errors } = await pageResult(isolated.url);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.isolated).toBe(true);
    expect(result.info.threads).toBe(result.cores);
    if (result.cores > 1) {
      expect(result.info.threadsReason).toMatch(/threads share one WebAssembly.Memory/);
      console.log(
        `browser bundle: ${result.threaded.ready} workers ready ${result.threaded.startMs.toFixed(0)} ms after the first threaded call`,
      );
      expect(result.threaded.ready).toBe(result.cores - 1);
      expect(result.threaded.checks.map((c: any) => c.kernel)).toEqual([
        'matmul',
        'conv',
        'convBackpropInput',
        'convBackpropFilter',
      ]);
      for (const c of result.threaded.checks) expect(c.maxRelErr, c.kernel).toBeLessThan(1e-4);
    }
    for (const c of result.checks) expect(c.maxRelErr, `${c.backend} ${c.kernel}`).toBeLessThan(1e-4);
  });
});
