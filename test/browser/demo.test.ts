// End-to-end tests of the demo page (examples/web, built and served by scripts/serve.mjs) in Debian's
// Chromium: draw digits with the mouse after in-page training, load a saved model, edge detection,
// detection and NMS, face detection, style transfer and the benchmark tab. Screenshots go to out/screenshots/.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, hasChromium } from './harness';
// @ts-expect-error plain ESM script without type declarations
import { prepare, startServer, demoMounts } from '../../scripts/serve.mjs';
import { init, io, zoo } from '../../src';

const root = join(__dirname, '../..');
const shots = join(root, 'out/screenshots');
const run = hasChromium || process.env.CI ? describe : describe.skip;

type Server = { url: string; close: () => Promise<void> };

/** Waits until a status line of the page says 'ready' (or fails with its text on 'error'). */
async function ready(page: Page, id: string, timeout = 60_000): Promise<string> {
  await page.waitForFunction((id) => ['ready', 'error'].includes(document.getElementById(id)!.dataset.state!), id, { timeout })
    .catch(async (e) => { throw new Error(`${id} not ready: '${await page.textContent(`#${id}`)}', backend: '${await page.textContent('#backend-info')}' (${e.message})`); });
  const text = (await page.textContent(`#${id}`)) ?? '';
  expect(await page.getAttribute(`#${id}`, 'data-state'), text).toBe('ready');
  return text;
}

/** Standard deviation of a canvas's RGB values: 0 for a blank (uniform) canvas. */
function spread(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = 0, s2 = 0, n = 0;
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) { s += d[i + k]; s2 += d[i + k] ** 2; n++; }
    return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
  });
}

const circle = (cx: number, cy: number, rx: number, ry: number, n = 24): [number, number][] =>
  Array.from({ length: n + 1 }, (_, i) => [cx + rx * Math.sin((2 * Math.PI * i) / n), cy - ry * Math.cos((2 * Math.PI * i) / n)]);
/** Strokes in the 280x280 pad's pixels, drawn as a person would. */
const DIGITS: Record<number, [number, number][][]> = {
  0: [circle(140, 140, 60, 95)],
  1: [[[150, 40], [145, 140], [140, 240]]],
  3: [[[80, 60], [140, 40], [200, 70], [190, 120], [130, 140], [200, 170], [200, 220], [140, 245], [80, 225]]],
  7: [[[70, 50], [210, 50], [170, 130], [130, 240]]],
};

/** Draws a digit on the pad with mouse events and returns the page's prediction and probabilities. */
async function draw(page: Page, strokes: [number, number][][]): Promise<{ pred: number; p: number[] }> {
  await page.click('#clear');
  const box = (await page.locator('#pad').boundingBox())!;
  for (const s of strokes) {
    await page.mouse.move(box.x + s[0][0], box.y + s[0][1]);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    await page.mouse.up();
  }
  const p = await page.$$eval('#bars .bar', (els) => els.map((e) => Number((e as HTMLElement).dataset.p)));
  return { pred: Number(await page.textContent('#digit-pred')), p };
}

run('demo page in Chromium', () => {
  let server: Server, browser: Browser, modelDir: string, webDir: string;
  const errors: string[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // A seeded, untrained LeNet-5 saved here stands in for `npm start`'s model in the saved-model test.
    await init();
    modelDir = mkdtempSync(join(tmpdir(), 'convkit-demo-model-'));
    await io.save(zoo.lenet5({ seed: 5 }), modelDir);
    // a private build folder, so concurrent runs (and `npm run serve`'s out/web) never collide
    webDir = mkdtempSync(join(tmpdir(), 'convkit-demo-web-'));
    const built = await prepare({ out: webDir });
    server = await startServer({ dir: built.out, mounts: { ...demoMounts(built.faceModels), 'model/': modelDir } });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const d of [modelDir, webDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(server.url + query);
    return page;
  }

  it('trains LeNet-5 in the page, then reads digits drawn with the mouse', async () => {
    const page = await open('?train&epochs=3');
    const text = await ready(page, 'digit-status', 100_000);
    const acc = Number(/([\d.]+)% on \d+ held-out/.exec(text)?.[1]);
    expect(acc, text).toBeGreaterThan(85);
    // The page is cross-origin isolated (the server sends COOP/COEP) yet reports one thread, and why.
    const info = (await page.textContent('#backend-info')) ?? '';
    expect(await page.getAttribute('#backend-info', 'data-kernel')).toBe('wasm-relaxed-simd');
    expect(info).toContain('threads: 1');
    expect(info).toContain('crossOriginIsolated: true');
    expect(info).toContain('this page is cross-origin isolated');
    for (const [digit, strokes] of Object.entries(DIGITS)) {
      const { pred, p } = await draw(page, strokes);
      await page.screenshot({ path: join(shots, `demo-digit-${digit}.png`) });
      expect(p).toHaveLength(10);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(pred, `drew ${digit}, probabilities ${p.map((v) => v.toFixed(2)).join(' ')}`).toBe(Number(digit));
    }
    expect(await spread(page, '#loss-curve')).toBeGreaterThan(1);
    expect(errors).toEqual([]);
  });

  it('loads a saved model (the TF.js Layers files of `npm start`) and predicts with it', async () => {
    const page = await open('');
    expect(await ready(page, 'digit-status')).toContain('loaded from model/model.json');
    const { p } = await draw(page, DIGITS[7]);
    expect(p).toHaveLength(10);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(errors).toEqual([]);
  });

  it('edges, detection, faces, style transfer and the benchmark tab', async () => {
    const page = await open('');
    await ready(page, 'digit-status');

    await page.click('#tabs button[data-tab=edges]');
    await ready(page, 'edges-status');
    const filters = await page.$$eval('#edges canvas', (cs) => cs.map((c) => (c as HTMLCanvasElement).dataset.filter));
    expect(filters).toHaveLength(5);
    for (const f of filters) expect(await spread(page, `#edges canvas[data-filter="${f}"]`), f).toBeGreaterThan(5);
    await page.screenshot({ path: join(shots, 'demo-edges.png'), fullPage: true });

    await page.click('#tabs button[data-tab=detect]');
    const kept = Number(await page.getAttribute('#shapes', 'data-kept'));
    expect(kept).toBeGreaterThan(0);
    // Each object's jittered candidates overlap (IoU ≥ 0.5), so NMS keeps one box per object.
    expect(kept).toBe(Number(await page.getAttribute('#shapes', 'data-objects')));
    await page.click('#faces');
    await page.waitForFunction(() => document.getElementById('detect-status')!.dataset.state === 'busy');
    await ready(page, 'detect-status');
    expect(Number(await page.getAttribute('#faces-canvas', 'data-faces'))).toBe(3); // face-api's sample1.jpg shows three people
    await page.screenshot({ path: join(shots, 'demo-detect.png'), fullPage: true });

    await page.click('#tabs button[data-tab=style]');
    await page.click('#run-style');
    await page.waitForFunction(() => document.getElementById('style-status')!.dataset.state === 'busy');
    await ready(page, 'style-status');
    expect(Number(await page.getAttribute('#style-g', 'data-style-drop'))).toBeGreaterThan(0.5);
    expect(await spread(page, '#style-g')).toBeGreaterThan(5);
    await page.screenshot({ path: join(shots, 'demo-style.png'), fullPage: true });

    await page.click('#tabs button[data-tab=bench]');
    await page.click('#run-bench');
    await page.waitForFunction(() => document.getElementById('bench-status')!.dataset.state === 'busy');
    await ready(page, 'bench-status');
    const rows = await page.$$eval('#bench-table tr[data-op]', (trs) => trs.map((t) => ({ ...(t as HTMLElement).dataset })));
    expect(new Set(rows.map((r) => r.backend))).toEqual(new Set(['js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd']));
    expect(rows).toHaveLength(12);
    for (const r of rows) expect(Number(r.gflops), `${r.op} ${r.backend}`).toBeGreaterThan(0);
    for (const r of rows) expect(Number.isFinite(Number(r.gflops))).toBe(true);
    expect(await spread(page, '#bench-chart')).toBeGreaterThan(5);
    await page.screenshot({ path: join(shots, 'demo-bench.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
