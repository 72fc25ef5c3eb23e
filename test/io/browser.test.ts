// io in a real browser: the browser bundle decodes PNG/JPEG bytes with the platform's decoders,
// reads ImageData and canvases, and encodes through OffscreenCanvas; results match Node's codecs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, hasChromium, buildTestPage, pageResult } from '../browser/harness';
import { Tensor } from '../../src/tensor';
import { encodeImage } from '../../src/io';

const root = join(__dirname, '../..');
const dir = join(root, 'out/io-browser-test');
const run = hasChromium || process.env.CI ? describe : describe.skip;

// A 5x7 RGB picture with distinct values everywhere.
const h = 5,
  w = 7;
const pixels = Float32Array.from({ length: h * w * 3 }, (_, i) => (i * 37 + 11) % 256);

const PAGE = `
import * as ck from './convkit.browser.js';
async function main() {
  const out = {};
  const png = new Uint8Array(await (await fetch('img.png')).arrayBuffer());
  const fromPng = await ck.io.readImage(png);
  out.png = { shape: fromPng.shape, data: Array.from(fromPng.data) };
  const jpg = new Uint8Array(await (await fetch('img.jpg')).arrayBuffer());
  const fromJpg = await ck.io.readImage(jpg);
  out.jpg = { shape: fromJpg.shape, data: Array.from(fromJpg.data) };
  // ImageData and a canvas as sources.
  const id = new ImageData(${w}, ${h});
  for (let i = 0; i < id.data.length; i++) id.data[i] = (i * 13) % 256;
  for (let i = 3; i < id.data.length; i += 4) id.data[i] = 255;
  out.imageData = Array.from((await ck.io.readImage(id, { channels: 4 })).data);
  out.imageDataBytes = Array.from(id.data);
  const canvas = document.createElement('canvas'); canvas.width = ${w}; canvas.height = ${h};
  canvas.getContext('2d').putImageData(id, 0, 0);
  out.canvas = Array.from((await ck.io.readImage(canvas, { channels: 4 })).data);
  // Encode in the browser, decode again.
  const encoded = await ck.io.encodeImage(fromPng, 'png');
  out.reencoded = Array.from((await ck.io.decodeImage(encoded)).data);
  out.magic = Array.from(encoded.slice(0, 4));
  try { await ck.io.readImage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])); } catch (e) { out.badName = e.name; }
  try { await ck.io.writeImage('x.png', fromPng); } catch (e) { out.writeName = e.name; }
  return out;
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e && e.stack || e) }; });
`;

run('io in Chromium', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    await buildTestPage(dir);
    const img = new Tensor(pixels, [h, w, 3]);
    writeFileSync(join(dir, 'img.png'), await encodeImage(img, 'png'));
    writeFileSync(join(dir, 'img.jpg'), await encodeImage(img, 'jpeg', { quality: 100 }));
    writeFileSync(join(dir, 'page.js'), PAGE);
    server = await serve(dir);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('decodes, reads canvases and encodes like Node', async () => {
    const { result: r, errors } = await pageResult(server.url);
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    // Browser sources default to 3 channels; PNG pixels come back exactly.
    expect(r.png.shape).toEqual([h, w, 3]);
    expect(r.png.data).toEqual(Array.from(pixels));
    expect(r.jpg.shape).toEqual([h, w, 3]);
    const jpgErr =
      r.jpg.data.reduce((s: number, v: number, i: number) => s + Math.abs(v - pixels[i]), 0) / pixels.length;
    expect(jpgErr).toBeLessThan(3); // quality 100: lossy, but within a few levels
    expect(r.imageData).toEqual(r.imageDataBytes);
    expect(r.canvas).toEqual(r.imageDataBytes);
    expect(r.magic).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(r.reencoded).toEqual(Array.from(pixels));
    expect(r.badName).toBe('ImageError');
    expect(r.writeName).toBe('ImageError');
  });
});
