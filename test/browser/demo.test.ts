// End-to-end tests of the demo page (examples/web, built and served by scripts/serve.mjs) in Debian's
// Chromium: draw digits with the mouse after in-page training, load a saved model, edge detection,
// detection and NMS, the saved shapes YOLO, face detection, style transfer and the benchmark tab (ops and
// whole networks). Screenshots go to out/screenshots/.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, hasChromium } from './harness';
// @ts-expect-error plain ESM script without type declarations
import { prepare, startServer, demoMounts } from '../../scripts/serve.mjs';
import { init, io, zoo, detect, ops, Tensor } from '../../src';
import { expectClose } from '../helpers/close';
import { yoloNet, saveYolo } from '../../examples/detect';

const root = join(__dirname, '../..');
const shots = join(root, 'out/screenshots');
const run = hasChromium || process.env.CI ? describe : describe.skip;

type Server = { url: string; close: () => Promise<void> };

/** Waits until a status line of the page says 'ready' (or fails with its text on 'error'). */
async function ready(page: Page, id: string, timeout = 60_000): Promise<string> {
  await page
    .waitForFunction((id) => ['ready', 'error'].includes(document.getElementById(id)!.dataset.state!), id, { timeout })
    .catch(async (e) => {
      throw new Error(
        `${id} not ready: '${await page.textContent(`#${id}`)}', backend: '${await page.textContent('#backend-info')}' (${e.message})`,
      );
    });
  const text = (await page.textContent(`#${id}`)) ?? '';
  expect(await page.getAttribute(`#${id}`, 'data-state'), text).toBe('ready');
  return text;
}

/** Standard deviation of a canvas's RGB values: 0 for a blank (uniform) canvas. */
function spread(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = 0,
      s2 = 0,
      n = 0;
    for (let i = 0; i < d.length; i += 4)
      for (let k = 0; k < 3; k++) {
        s += d[i + k];
        s2 += d[i + k] ** 2;
        n++;
      }
    return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
  });
}

const circle = (cx: number, cy: number, rx: number, ry: number, n = 24): [number, number][] =>
  Array.from({ length: n + 1 }, (_, i) => [
    cx + rx * Math.sin((2 * Math.PI * i) / n),
    cy - ry * Math.cos((2 * Math.PI * i) / n),
  ]);
/** Strokes in the 280x280 pad's pixels, drawn as a person would. */
const DIGITS: Record<number, [number, number][][]> = {
  0: [circle(140, 140, 60, 95)],
  1: [
    [
      [150, 40],
      [145, 140],
      [140, 240],
    ],
  ],
  3: [
    [
      [80, 60],
      [140, 40],
      [200, 70],
      [190, 120],
      [130, 140],
      [200, 170],
      [200, 220],
      [140, 245],
      [80, 225],
    ],
  ],
  7: [
    [
      [70, 50],
      [210, 50],
      [170, 130],
      [130, 240],
    ],
  ],
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
  let server: Server,
    browser: Browser,
    modelDir: string,
    webDir: string,
    yoloDir: string,
    mounts: Record<string, string | null>;
  const errors: string[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // A seeded, untrained LeNet-5 saved here stands in for `npm start`'s model in the saved-model test.
    await init();
    modelDir = mkdtempSync(join(tmpdir(), 'convkit-demo-model-'));
    await io.save(zoo.lenet5({ seed: 5 }), modelDir);
    // The shapes YOLO's architecture, untrained (training one to a useful mAP takes a minute), its
    // head's class biases raised so anchor 0 says 'rectangle' and anchor 1 'ellipse': scores near
    // the 0.4 threshold and large overlapping anchors, so how many boxes survive the threshold and
    // NMS differs per image and depends on every decode option, for an exact check of the page.
    yoloDir = mkdtempSync(join(tmpdir(), 'convkit-demo-yolo-'));
    const net = yoloNet(2, 3, 11),
      w = net.getWeights(),
      bias = w[w.length - 1];
    for (const [anchor, cls] of [
      [0, 0],
      [1, 1],
    ])
      bias.data[anchor * 8 + 5 + cls] += 3;
    net.setWeights(w);
    await saveYolo(net, yoloDir, {
      anchors: [
        { w: 3, h: 3 },
        { w: 3.5, h: 2.5 },
      ],
      classes: 3,
      classNames: [...detect.datasets.SHAPE_CLASSES],
    });
    // a private build folder, so concurrent runs (and `npm run serve`'s out/web) never collide
    webDir = mkdtempSync(join(tmpdir(), 'convkit-demo-web-'));
    const built = await prepare({ out: webDir });
    mounts = { ...demoMounts(built.faceModels), 'model/': modelDir, 'yolo-shapes/': yoloDir };
    server = await startServer({ dir: built.out, mounts });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const d of [modelDir, webDir, yoloDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(server.url + query);
    return page;
  }

  it('trains LeNet-5 in the page, then reads digits drawn with the mouse', async () => {
    const page = await open('?train&epochs=3');
    // a generous wait, not a speed check (the time is reported): a loaded 2-core machine can take minutes
    const t0 = performance.now();
    const text = await ready(page, 'digit-status', 400_000);
    console.log(`in-page training: ready after ${((performance.now() - t0) / 1000).toFixed(1)} s wall clock: ${text}`);
    const acc = Number(/([\d.]+)% on \d+ held-out/.exec(text)?.[1]);
    expect(acc, text).toBeGreaterThan(85);
    // The page is cross-origin isolated (the server sends COOP/COEP), so the kernels run on every core.
    const info = (await page.textContent('#backend-info')) ?? '';
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.getAttribute('#backend-info', 'data-kernel')).toBe('wasm-relaxed-simd');
    expect(info).toContain(`threads: ${cores}`);
    expect(info).toContain('crossOriginIsolated: true');
    if (cores > 1) expect(info).toContain(`${cores} threads share one WebAssembly.Memory`);
    for (const [digit, strokes] of Object.entries(DIGITS)) {
      const { pred, p } = await draw(page, strokes);
      await page.screenshot({ path: join(shots, `demo-digit-${digit}.png`) });
      expect(p).toHaveLength(10);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(pred, `drew ${digit}, probabilities ${p.map((v) => v.toFixed(2)).join(' ')}`).toBe(Number(digit));
    }
    expect(await spread(page, '#loss-curve')).toBeGreaterThan(1);
    expect(errors).toEqual([]);
  }, 450_000);

  it('loads a saved model (the TF.js Layers files of `npm start`) and predicts with it what Node predicts', async () => {
    const page = await open('');
    expect(await ready(page, 'digit-status')).toContain('loaded from model/model.json');
    const { pred, p } = await draw(page, DIGITS[7]);
    // the 28x28 input the page gave the model, read back from its preview (whole 8-bit steps, so exact)
    const x = await page.$eval('#digit-input', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      return Array.from({ length: 784 }, (_, i) => d[i * 4] / 255);
    });
    expect(x.some((v) => v > 0)).toBe(true);
    // the same saved model in Node (wasm-simd here, relaxed SIMD in the page): the same probabilities
    const node = (await io.load(join(modelDir, 'model.json'))).predict(
      new Tensor(Float32Array.from(x), [1, 28, 28, 1]),
    ).data;
    expectClose(p, node, 1e-6, 1e-4, { what: 'page vs Node probabilities' });
    expect(pred).toBe(node.indexOf(Math.max(...node)));
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
    const rows = await page.$$eval('#bench-table tr[data-op]', (trs) =>
      trs.map((t) => ({ ...(t as HTMLElement).dataset })),
    );
    expect(new Set(rows.map((r) => r.backend))).toEqual(new Set(['js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd']));
    // the isolated page also times the best build on every core
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(rows).toHaveLength(cores > 1 ? 15 : 12);
    if (cores > 1)
      expect(rows.filter((r) => r.threads === String(cores)).map((r) => r.backend)).toEqual(
        Array(3).fill('wasm-relaxed-simd'),
      );
    for (const r of rows) expect(Number(r.gflops), `${r.op} ${r.backend}`).toBeGreaterThan(0);
    for (const r of rows) expect(Number.isFinite(Number(r.gflops))).toBe(true);
    expect(await spread(page, '#bench-chart')).toBeGreaterThan(5);
    await page.screenshot({ path: join(shots, 'demo-bench.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('the benchmark tab times whole networks through Model.predict beside TF.js wasm (?netsize: small stand-ins, fast)', async () => {
    const page = await open('?netsize=32');
    // the tabs answer clicks once the app has started (as the other tests wait for it)
    await ready(page, 'digit-status', 240_000);
    await page.click('#tabs button[data-tab=bench]');
    await page.click('#run-networks');
    await ready(page, 'networks-status', 120_000);
    const rows = await page.$$eval('#networks-table tr[data-model]', (trs) =>
      trs.map((t) => ({ ...(t as HTMLElement).dataset })),
    );
    // the isolated page times convkit on one thread and two, then TF.js wasm (served from node_modules; its
    // threaded build reports 1 thread in this Chromium whatever is asked)
    const threads = (await page.evaluate(() => navigator.hardwareConcurrency)) > 1 ? ['1', '2'] : ['1'];
    expect(rows.map((r) => `${r.model} / ${r.engine} / ${r.engine === 'convkit' ? r.threads : 'n'}`)).toEqual(
      ['LeNet-5', 'ResNet-18 at 32x32'].flatMap((m) => [
        ...threads.map((t) => `${m} / convkit / ${t}`),
        `${m} / TF.js wasm / n`,
      ]),
    );
    for (const r of rows.filter((r) => r.engine === 'TF.js wasm')) expect(Number(r.threads)).toBeGreaterThanOrEqual(1);
    for (const r of rows) {
      const what = `${r.model} ${r.engine} on ${r.threads}`;
      expect(Number(r.ms), what).toBeGreaterThan(0);
      expect(Number.isFinite(Number(r.ms)), what).toBe(true);
      expect(Number(r.min), what).toBeGreaterThan(0);
      expect(Number(r.min), what).toBeLessThanOrEqual(Number(r.ms));
    }
    // ?nets= picks networks
    await page.goto(server.url + '?netsize=32&nets=lenet5');
    await ready(page, 'digit-status', 240_000);
    await page.click('#tabs button[data-tab=bench]');
    await page.click('#run-networks');
    await ready(page, 'networks-status', 120_000);
    expect(
      await page.$$eval('#networks-table tr[data-model]', (trs) => trs.map((t) => (t as HTMLElement).dataset.model)),
    ).toEqual(Array(threads.length + 1).fill('LeNet-5'));
    await page.screenshot({ path: join(shots, 'demo-networks.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 420_000);

  it('the detection tab decodes the served shapes YOLO on seeded images, or says how to get one', async () => {
    const page = await open('');
    await ready(page, 'digit-status');
    await page.click('#tabs button[data-tab=detect]');
    const text = await ready(page, 'yolo-status');
    expect(text).toContain('YOLO loaded from yolo-shapes/model.json: decoded 6 images');
    // The same model decoded here, with its yolo.json, on the page's seeded images: same detections per image.
    const meta = JSON.parse(readFileSync(join(yoloDir, 'yolo.json'), 'utf8'));
    const net = await io.load(join(yoloDir, 'model.json'));
    const set = detect.datasets.shapes({
      n: 6,
      size: meta.size,
      seed: Number(await page.getAttribute('#yolo', 'data-seed')),
    });
    const opts = {
      anchors: meta.anchors,
      grid: meta.grid,
      classes: meta.classes,
      scoreThreshold: meta.scoreThreshold,
      iouThreshold: meta.iouThreshold,
    };
    const found = detect.yolo.decode(
      ops.reshape(net.predict(set.images), [6, 6, 6, 2, 8]),
      opts,
    ) as detect.YoloDetection[][];
    const drawn = await page.$$eval('#yolo canvas', (cs) => cs.map((c) => ({ ...(c as HTMLCanvasElement).dataset })));
    expect(drawn.map((d) => Number(d.detections))).toEqual(found.map((f) => f.length));
    expect(drawn.map((d) => Number(d.objects))).toEqual(set.objects.map((o) => o.length));
    expect(found.flat().length).toBeGreaterThan(6);
    expect(text).toContain(`${found.flat().length} detections`);
    for (let i = 1; i <= 6; i++) expect(await spread(page, `#yolo canvas:nth-child(${i})`)).toBeGreaterThan(5);
    // the best detection's label tag is filled with its class colour (rectangle red, ellipse blue)
    const colour = found[0][0].classId === 0 ? [0xe5, 0x3e, 0x3e] : [0x31, 0x82, 0xce];
    const filled = await page.$eval(
      '#yolo canvas',
      (c, rgb) => {
        const d = (c as HTMLCanvasElement)
          .getContext('2d')!
          .getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) n++;
        return n;
      },
      colour,
    );
    expect(filled).toBeGreaterThan(100);
    await page.screenshot({ path: join(shots, 'demo-detect-yolo.png'), fullPage: true });
    expect(errors).toEqual([]);

    // Served without a YOLO (a second server on the same build), the tab says so and keeps the rest.
    const bare = await startServer({ dir: webDir, mounts: { ...mounts, 'yolo-shapes/': null } });
    try {
      // its 404s are expected: no error listener
      const other = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await other.goto(bare.url);
      await other.click('#tabs button[data-tab=detect]');
      await other.waitForFunction(() => /npm start/.test(document.getElementById('yolo-status')!.textContent ?? ''));
      expect(await other.textContent('#yolo-status')).toContain('run npm start first to train the YOLO');
      expect(await other.$$('#yolo canvas')).toHaveLength(0);
      expect(Number(await other.getAttribute('#shapes', 'data-kept'))).toBeGreaterThan(0);
    } finally {
      await bare.close();
    }
  });
});
