// io.readImage / writeImage / encodeImage: exact PNG round trips, approximate JPEG round trips, and a
// typed ImageError for every kind of bad file.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor';
import { ImageError, ShapeError } from '../../src/errors';
import { readImage, decodeImage, writeImage, encodeImage, fromImageData, toImageData, sniffFormat } from '../../src/io';

/** A seeded pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomImage = (h: number, w: number, c: number, seed: number): Tensor => {
  const r = rng(seed);
  return new Tensor(
    Float32Array.from({ length: h * w * c }, () => Math.floor(r() * 256)),
    [h, w, c],
  );
};
/** A smooth picture (gradients and a disc), the kind of content JPEG is made for. */
const smoothImage = (h: number, w: number): Tensor => {
  const d = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3,
        inDisc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2;
      d[o] = (255 * x) / w;
      d[o + 1] = (255 * y) / h;
      d[o + 2] = inDisc ? 220 : 40;
    }
  return new Tensor(d, [h, w, 3]);
};
const tmp = mkdtempSync(join(tmpdir(), 'convkit-io-'));

describe('PNG', () => {
  for (const [h, w, c] of [
    [7, 5, 1],
    [13, 17, 3],
    [4, 9, 4],
    [1, 1, 3],
  ]) {
    it(`round-trips 8-bit data exactly for [${h},${w},${c}]`, async () => {
      const img = randomImage(h, w, c, h * 100 + w * 10 + c);
      const path = join(tmp, `rt-${h}-${w}-${c}.png`);
      const bytes = await writeImage(path, img);
      expect(sniffFormat(bytes)).toBe('png');
      expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
      const back = await readImage(path);
      expect(back.shape).toEqual([h, w, c]);
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    });
  }

  it('accepts [1,H,W,C] and [H,W], rounds and clamps by default', async () => {
    const t = new Tensor(Float32Array.from([-20, 0.4, 0.6, 254.6, 300, NaN]), [1, 2, 3, 1]);
    const back = await decodeImage(await encodeImage(t, 'png'));
    expect(back.shape).toEqual([2, 3, 1]);
    expect(Array.from(back.data)).toEqual([0, 0, 1, 255, 255, 0]);
    const flat = await decodeImage(await encodeImage(new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]), 'png'));
    expect(Array.from(flat.data)).toEqual([1, 2, 3, 4]);
  });

  it("scale 'auto' stretches any range to 0..255; [lo, hi] maps a given range", async () => {
    const t = new Tensor(Float32Array.from([-1, 0, 1, 3]), [1, 4, 1]);
    expect(Array.from((await decodeImage(await encodeImage(t, 'png', { scale: 'auto' }))).data)).toEqual([
      0, 64, 128, 255,
    ]);
    expect(Array.from((await decodeImage(await encodeImage(t, 'png', { scale: [0, 1] }))).data)).toEqual([
      0, 0, 255, 255,
    ]);
  });

  it('converts channels on request', async () => {
    const rgb = new Tensor(Float32Array.from([255, 0, 0, 0, 0, 255]), [1, 2, 3]);
    const bytes = await encodeImage(rgb, 'png');
    const gray = await decodeImage(bytes, { channels: 1 });
    expect(gray.shape).toEqual([1, 2, 1]);
    expect(gray.data[0]).toBeCloseTo(0.299 * 255, 3);
    expect(gray.data[1]).toBeCloseTo(0.114 * 255, 3);
    const rgba = await decodeImage(bytes, { channels: 4 });
    expect(Array.from(rgba.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
  });
});

describe('JPEG', () => {
  it('round-trips a smooth picture within a few levels, by extension .jpg', async () => {
    const img = smoothImage(48, 64);
    const path = join(tmp, 'smooth.jpg');
    const bytes = await writeImage(path, img, { quality: 95 });
    expect(sniffFormat(bytes)).toBe('jpeg');
    const back = await readImage(path);
    expect(back.shape).toEqual([48, 64, 3]);
    let err = 0;
    for (let i = 0; i < img.size; i++) err += Math.abs(back.data[i] - img.data[i]);
    expect(err / img.size).toBeLessThan(3);
    expect(err).toBeGreaterThan(0); // it really went through a lossy codec
  });

  it('lower quality gives fewer bytes', async () => {
    const img = smoothImage(64, 64);
    const hi = await encodeImage(img, 'jpeg', { quality: 95 });
    const lo = await encodeImage(img, 'jpeg', { quality: 20 });
    expect(lo.length).toBeLessThan(hi.length);
  });
});

describe('bad input', () => {
  it('garbage, empty and other formats give ImageError', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(/not a PNG or JPEG/);
    await expect(decodeImage(new Uint8Array(0))).rejects.toThrow(ImageError);
    await expect(decodeImage(new TextEncoder().encode('GIF89a.......'))).rejects.toThrow(/GIF is not supported/);
    await expect(readImage(join(tmp, 'missing.png'))).rejects.toThrow(/cannot read/);
  });

  it('truncated and corrupted PNG and JPEG give ImageError', async () => {
    const png = await encodeImage(randomImage(32, 32, 3, 1), 'png');
    const jpg = await encodeImage(smoothImage(32, 32), 'jpeg');
    for (const cut of [20, 40, Math.floor(png.length / 2), png.length - 5]) {
      await expect(decodeImage(png.slice(0, cut)), `png cut at ${cut}`).rejects.toThrow(ImageError);
    }
    for (const cut of [3, 50, Math.floor(jpg.length / 2)]) {
      await expect(decodeImage(jpg.slice(0, cut)), `jpeg cut at ${cut}`).rejects.toThrow(ImageError);
    }
    const flipped = png.slice();
    for (let i = 60; i < flipped.length - 20; i += 7) flipped[i] ^= 0x5a;
    await expect(decodeImage(flipped)).rejects.toThrow(/corrupt or truncated PNG/);
  });

  it('huge dimensions are refused before decoding', async () => {
    const png = await encodeImage(randomImage(4, 4, 3, 2), 'png');
    const big = png.slice();
    new DataView(big.buffer).setUint32(16, 100000);
    new DataView(big.buffer).setUint32(20, 100000);
    await expect(decodeImage(big)).rejects.toThrow(/megapixels, over the limit/);
    await expect(decodeImage(png, { maxPixels: 10 })).rejects.toThrow(ImageError);
    // A JPEG whose frame header claims 60000x60000.
    const jpg = (await encodeImage(smoothImage(16, 16), 'jpeg')).slice();
    const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
    expect(sof).toBeGreaterThan(0);
    new DataView(jpg.buffer).setUint16(sof + 5, 60000);
    new DataView(jpg.buffer).setUint16(sof + 7, 60000);
    await expect(decodeImage(jpg)).rejects.toThrow(/JPEG is too large/);
  });

  it('bad tensors and names give typed errors', async () => {
    await expect(encodeImage(new Tensor(new Float32Array(8), [2, 2, 2]), 'png')).rejects.toThrow(ShapeError);
    await expect(encodeImage(new Tensor(new Float32Array(24), [2, 2, 2, 3]), 'png')).rejects.toThrow(/\[2,2,2,3\]/);
    await expect(writeImage(join(tmp, 'x.gif'), randomImage(2, 2, 3, 3))).rejects.toThrow(/cannot tell the format/);
  });
});

describe('ImageData', () => {
  it('converts both ways', () => {
    const data = new Uint8ClampedArray([10, 20, 30, 255, 40, 50, 60, 128]);
    const t = fromImageData({ width: 2, height: 1, data });
    expect(t.shape).toEqual([1, 2, 3]);
    expect(Array.from(t.data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(Array.from(fromImageData({ width: 2, height: 1, data }, { channels: 4 }).data)).toEqual(Array.from(data));
    expect(Array.from(toImageData(t).data)).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(() => fromImageData({ width: 3, height: 1, data })).toThrow(ImageError);
  });
});
