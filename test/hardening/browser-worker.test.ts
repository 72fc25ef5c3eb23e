// A browser page loads convkit in its main thread and in a module worker at the same time; both
// pick a SIMD build and compute the same conv2d as the TypeScript reference.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, hasChromium, buildTestPage, pageResult } from '../browser/harness';

const root = join(__dirname, '../..');
const dir = join(root, 'out/hardening-browser');
const run = hasChromium || process.env.CI ? describe : describe.skip;

// Runs in both contexts: init, a seeded conv2d on the chosen build and on 'js', the largest difference.
const probe = `
import { init, ops, backend } from './convkit.browser.js';
export async function probe() {
  const info = await init();
  const x = ops.randomUniform([2, 9, 7, 3], { seed: 1 }), w = ops.randomUniform([3, 3, 3, 5], { seed: 2 });
  const y = ops.conv2d(x, w, { strides: 2, padding: 'same' });
  const ref = backend.with('js', () => ops.conv2d(x, w, { strides: 2, padding: 'same' }));
  let err = 0;
  for (let i = 0; i < ref.data.length; i++) err = Math.max(err, Math.abs(y.data[i] - ref.data[i]));
  return { kernel: info.kernel, err, sum: Array.from(y.data).reduce((a, b) => a + b, 0) };
}`;
const worker = `import { probe } from './probe.js';
probe().then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));`;
const page = `import { probe } from './probe.js';
const w = new Worker('./worker.js', { type: 'module' });
const fromWorker = new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.onerror = (e) => resolve({ error: String(e.message) }); });
Promise.all([probe(), fromWorker]).then(([main, worker]) => { window.__result = { main, worker }; }, (e) => { window.__result = { error: String(e) }; });`;

run('convkit in a browser page and a worker', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    await buildTestPage(dir);
    writeFileSync(join(dir, 'probe.js'), probe);
    writeFileSync(join(dir, 'worker.js'), worker);
    writeFileSync(join(dir, 'page.js'), page);
    server = await serve(dir);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('main thread and worker both load a SIMD build and agree with the reference', async () => {
    const { result: r, errors } = await pageResult(server.url);
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    for (const side of [r.main, r.worker]) {
      expect(side.error).toBeUndefined();
      expect(side.kernel).toMatch(/^wasm-(relaxed-)?simd$/);
      expect(side.err).toBeLessThan(1e-4);
    }
    expect(Math.abs(r.main.sum - r.worker.sum)).toBeLessThan(1e-3);
  });
});
