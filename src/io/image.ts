// Image files in and out. In Node, PNG goes through pngjs and JPEG through jpeg-js (both pure JS, no
// native build, already the de-facto small codecs); in browsers the platform's own decoders are used
// through ImageData, ImageBitmap and canvases. Images are Tensors [H, W, C], C = 1 (gray), 3 (RGB) or
// 4 (RGBA), float32 values 0-255.
import { Tensor } from '../tensor';
import { ImageError, ShapeError, ValueError, fmtShape, fmtValue } from '../errors';
import { isNode, nodeImport } from '../platform';

/** Encodings convkit reads and writes. */
export type ImageFormat = 'png' | 'jpeg';

/** Options of {@link readImage} / {@link decodeImage}. */
export interface ReadImageOptions {
  /**
   * Channels of the result. Default: as stored (PNG gray → 1, RGB → 3, with alpha → 4; JPEG → 3;
   * ImageData and other browser sources → 3). 1 converts with BT.601 luma, 3 drops alpha, 4 adds opaque alpha.
   */
  channels?: 1 | 3 | 4;
  /** Refuse images with more pixels than this before decoding them (default 40 million). */
  maxPixels?: number;
}

/** Options of {@link encodeImage} / {@link writeImage}. */
export interface WriteImageOptions {
  /**
   * How values become bytes. 'clamp' (default): round and clamp to 0..255. 'auto': stretch the tensor's
   * own min..max to 0..255 (feature maps, filters, gradients). [lo, hi]: map lo..hi to 0..255, then clamp.
   */
  scale?: 'clamp' | 'auto' | readonly [number, number];
  /** JPEG quality 1-100 (default 90). */
  quality?: number;
}

/** An ImageData-like object: width, height and RGBA bytes (what a canvas's getImageData returns). */
export interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

const DEFAULT_MAX_PIXELS = 40_000_000;
const cjs = (m: any): any => m.default ?? m;

/** Recognises PNG and JPEG by their first bytes; names a few other formats to say they are unsupported. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | 'gif' | 'bmp' | 'webp' | 'unknown' {
  const b = bytes;
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  const ascii = String.fromCharCode(...b.subarray(0, 12));
  if (ascii.startsWith('GIF8')) return 'gif';
  if (ascii.startsWith('BM')) return 'bmp';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  return 'unknown';
}

function checkPixels(w: number, h: number, max: number, what: string): void {
  if (!(w > 0 && h > 0)) throw new ImageError(`readImage: ${what} has an empty size ${w}x${h}`);
  if (w * h > max)
    throw new ImageError(
      `readImage: ${what} is ${w}x${h} = ${((w * h) / 1e6).toFixed(1)} megapixels, over the limit of ${(max / 1e6).toFixed(1)} (raise maxPixels to allow it)`,
    );
}

/**
 * PNG: the declared pixels must fit in what the IDAT bytes present can inflate to (deflate expands at
 * most 1032:1), so a small file cannot make the decoder allocate and inflate a huge image.
 */
function checkPngBytes(bytes: Uint8Array, view: DataView, w: number, h: number): void {
  let idat = 0;
  for (let off = 8; off + 8 <= bytes.length;) {
    const len = view.getUint32(off);
    if (view.getUint32(off + 4) === 0x49444154) idat += Math.min(len, bytes.length - off - 8);
    off += 12 + len;
  }
  // the smallest possible raw size: one filter byte per row and at least one bit per pixel
  const raw = h * (1 + Math.ceil(w / 8));
  if (raw > idat * 1032)
    throw new ImageError(
      `readImage: PNG declares ${w}x${h} pixels but holds only ${idat} bytes of image data (truncated or corrupt)`,
    );
}

/**
 * JPEG: every 8x8 luma block codes its DC coefficient with at least one bit in baseline and progressive
 * Huffman JPEG, so ceil(w/8)·ceil(h/8) blocks need that many bits of the file. Checked before decoding.
 */
function checkJpegBytes(bytes: Uint8Array, maxPixels: number): void {
  for (let off = 2; off + 9 < bytes.length;) {
    if (bytes[off] !== 0xff) return; // not a marker: leave the diagnosis to the decoder
    const marker = bytes[off + 1];
    if (marker === 0xff) {
      off++;
      continue;
    }
    const len = (bytes[off + 2] << 8) | bytes[off + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const h = (bytes[off + 5] << 8) | bytes[off + 6],
        w = (bytes[off + 7] << 8) | bytes[off + 8];
      // over maxPixels: the decoder's own limit reports it
      if (w * h <= maxPixels && Math.ceil(w / 8) * Math.ceil(h / 8) > 8 * bytes.length) {
        throw new ImageError(
          `readImage: JPEG declares ${w}x${h} pixels but is only ${bytes.length} bytes (truncated or corrupt)`,
        );
      }
      return;
    }
    if (marker === 0xda) return;
    off += 2 + len;
  }
}

/** Interleaved bytes with `from` channels per pixel → Tensor with `to` channels. */
function bytesToTensor(src: ArrayLike<number>, w: number, h: number, from: number, to: number): Tensor {
  const out = new Float32Array(w * h * to);
  for (let i = 0, s = 0, o = 0; i < w * h; i++, s += from, o += to) {
    const gray = from < 3;
    const r = src[s],
      g = gray ? r : src[s + 1],
      b = gray ? r : src[s + 2];
    const a = from === 4 ? src[s + 3] : from === 2 ? src[s + 1] : 255;
    if (to === 1) out[o] = gray ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (to === 4) out[o + 3] = a;
    }
  }
  return new Tensor(out, [h, w, to]);
}

async function decodePng(bytes: Uint8Array, opts: ReadImageOptions): Promise<Tensor> {
  if (bytes.length < 33)
    throw new ImageError(`readImage: PNG is truncated (${bytes.length} bytes, the header alone needs 33)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR is always the first chunk: width and height at bytes 16 and 20. Check them before inflating.
  checkPixels(view.getUint32(16), view.getUint32(20), opts.maxPixels ?? DEFAULT_MAX_PIXELS, 'PNG');
  checkPngBytes(bytes, view, view.getUint32(16), view.getUint32(20));
  const { PNG } = cjs(await nodeImport('pngjs'));
  let png: { width: number; height: number; data: Uint8Array; colorType: number; alpha: boolean };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageError(`readImage: corrupt or truncated PNG (${(e as Error).message})`);
  }
  // pngjs always hands back RGBA; the stored colour type says how many channels are meaningful.
  const stored = png.colorType === 0 ? 1 : png.alpha || png.colorType === 4 || png.colorType === 6 ? 4 : 3;
  return bytesToTensor(png.data, png.width, png.height, 4, opts.channels ?? stored);
}

async function decodeJpeg(bytes: Uint8Array, opts: ReadImageOptions): Promise<Tensor> {
  checkJpegBytes(bytes, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  const jpeg = cjs(await nodeImport('jpeg-js'));
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: (opts.maxPixels ?? DEFAULT_MAX_PIXELS) / 1e6,
      maxMemoryUsageInMB: 2048,
    });
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/maxResolutionInMP|maxMemoryUsage/.test(msg))
      throw new ImageError(`readImage: JPEG is too large (${msg}; raise maxPixels to allow it)`);
    throw new ImageError(`readImage: corrupt or truncated JPEG (${msg})`);
  }
  if (!img || !(img.width > 0) || !(img.height > 0)) throw new ImageError('readImage: JPEG has no image data');
  return bytesToTensor(img.data, img.width, img.height, 3, opts.channels ?? 3);
}

/** Decodes PNG or JPEG bytes (format sniffed from the magic bytes) into a Tensor [H, W, C] of 0-255 values. */
export async function decodeImage(bytes: Uint8Array | ArrayBuffer, opts: ReadImageOptions = {}): Promise<Tensor> {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (opts.channels !== undefined && ![1, 3, 4].includes(opts.channels))
    throw new ValueError(`readImage: channels must be 1, 3 or 4, got ${opts.channels}`);
  const fmt = sniffFormat(b);
  if (fmt === 'unknown')
    throw new ImageError(
      `readImage: not a PNG or JPEG file (${b.length} bytes, starting ${[...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ') || 'with nothing'})`,
    );
  if (fmt !== 'png' && fmt !== 'jpeg')
    throw new ImageError(`readImage: ${fmt.toUpperCase()} is not supported (convkit reads PNG and JPEG)`);
  if (!isNode) return fromBrowserSource(await createImageBitmap(new Blob([b as Uint8Array<ArrayBuffer>])), opts);
  return fmt === 'png' ? decodePng(b, opts) : decodeJpeg(b, opts);
}

/** Converts ImageData (RGBA bytes) into a Tensor [H, W, C] (3 channels unless `channels` says otherwise). */
export function fromImageData(img: ImageDataLike, opts: ReadImageOptions = {}): Tensor {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || data?.length !== w * h * 4) {
    throw new ImageError(`readImage: ImageData of ${w}x${h} needs ${w * h * 4} RGBA bytes, got ${data?.length}`);
  }
  checkPixels(w, h, opts.maxPixels ?? DEFAULT_MAX_PIXELS, 'ImageData');
  return bytesToTensor(data, w, h, 4, opts.channels ?? 3);
}

/** Draws a browser image source onto a canvas to read its pixels. */
function fromBrowserSource(src: CanvasImageSource, opts: ReadImageOptions): Tensor {
  const s = src as { width: number; height: number; naturalWidth?: number; naturalHeight?: number };
  const w = s.naturalWidth || s.width,
    h = s.naturalHeight || s.height;
  checkPixels(w, h, opts.maxPixels ?? DEFAULT_MAX_PIXELS, 'image');
  const canvas =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(w, h)
      : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | null;
  if (!ctx) throw new ImageError('readImage: no 2D canvas context available to read the image');
  ctx.drawImage(src, 0, 0);
  return fromImageData(ctx.getImageData(0, 0, w, h), opts);
}

/** A source readImage accepts: a file path (Node), encoded bytes, ImageData, or a browser image/bitmap/canvas. */
export type ImageSource = string | Uint8Array | ArrayBuffer | ImageDataLike | CanvasImageSource;

/** Reads an image into a Tensor [H, W, C] of 0-255 values (see ReadImageOptions for channels). */
export async function readImage(src: ImageSource, opts: ReadImageOptions = {}): Promise<Tensor> {
  if (typeof src === 'string') {
    if (!isNode)
      throw new ImageError(
        `readImage: reading a path needs Node; in a browser pass bytes, ImageData or an image element ('${src}')`,
      );
    const { readFile } = await nodeImport('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(src);
    } catch (e) {
      throw new ImageError(`readImage: cannot read '${src}': ${(e as Error).message}`);
    }
    try {
      return await decodeImage(bytes, opts);
    } catch (e) {
      if (e instanceof ImageError) throw new ImageError(`${e.message} [${src}]`);
      throw e;
    }
  }
  if (src instanceof Uint8Array || src instanceof ArrayBuffer) return decodeImage(src, opts);
  if (src && typeof src === 'object' && 'data' in src && 'width' in src)
    return fromImageData(src as ImageDataLike, opts);
  if (!isNode && src && typeof src === 'object') return fromBrowserSource(src as CanvasImageSource, opts);
  throw new ImageError(
    `readImage: expected a path, bytes, ImageData or an image element, got ${src === null ? 'null' : typeof src}`,
  );
}

/** Checks an image tensor ([H,W], [H,W,C] or [1,H,W,C], C = 1, 3 or 4) and returns its size. */
function imageSize(t: Tensor, where: string): { h: number; w: number; c: number } {
  if (!(t instanceof Tensor)) throw new ShapeError(`${where}: expected an image Tensor [H,W,C], got ${typeof t}`);
  const s = t.shape;
  const dims = s.length === 2 ? [s[0], s[1], 1] : s.length === 3 ? s : s.length === 4 && s[0] === 1 ? s.slice(1) : null;
  if (!dims || ![1, 3, 4].includes(dims[2]))
    throw new ShapeError(`${where}: expected an image [H,W,C] or [1,H,W,C] with C = 1, 3 or 4, got ${fmtShape(s)}`);
  if (dims[0] < 1 || dims[1] < 1) throw new ShapeError(`${where}: cannot encode an empty image ${fmtShape(s)}`);
  return { h: dims[0], w: dims[1], c: dims[2] };
}

/** The tensor as 8-bit bytes (same layout), scaled as `scale` says. */
export function toBytes(t: Tensor, scale: WriteImageOptions['scale'] = 'clamp'): Uint8Array {
  let lo = 0,
    hi = 255;
  if (scale === 'auto') {
    lo = Infinity;
    hi = -Infinity;
    for (const v of t.data)
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  } else if (Array.isArray(scale)) {
    [lo, hi] = scale;
  } else if (scale !== 'clamp') {
    throw new ValueError(`writeImage: scale must be 'clamp', 'auto' or [lo, hi], got ${fmtValue(scale)}`);
  }
  const k = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(t.size);
  // NaN becomes 0; a constant tensor under 'auto' becomes 0 as well (nothing to stretch).
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round((t.data[i] - lo) * k))) || 0;
  return out;
}

/** An image Tensor as ImageData-like RGBA bytes (for putImageData in a browser). */
export function toImageData(
  t: Tensor,
  opts: Pick<WriteImageOptions, 'scale'> = {},
): { width: number; height: number; data: Uint8ClampedArray } {
  const { h, w, c } = imageSize(t, 'toImageData');
  const b = toBytes(t, opts.scale);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = b[i * c + (c === 1 ? 0 : k)];
    data[i * 4 + 3] = c === 4 ? b[i * 4 + 3] : 255;
  }
  return { width: w, height: h, data };
}

/** Encodes an image Tensor as PNG (lossless, keeps 1/3/4 channels) or JPEG (drops alpha). */
export async function encodeImage(
  t: Tensor,
  format: ImageFormat = 'png',
  opts: WriteImageOptions = {},
): Promise<Uint8Array> {
  const { h, w, c } = imageSize(t, 'encodeImage');
  if (format !== 'png' && format !== 'jpeg')
    throw new ImageError(`encodeImage: unsupported format '${format}' (use 'png' or 'jpeg')`);
  const quality = opts.quality ?? 90;
  if (!(quality >= 1 && quality <= 100)) throw new ValueError(`encodeImage: quality must be 1-100, got ${quality}`);
  if (!isNode) {
    const { data } = toImageData(t, opts);
    const canvas = new OffscreenCanvas(w, h);
    (canvas.getContext('2d') as unknown as CanvasRenderingContext2D).putImageData(
      new ImageData(data as Uint8ClampedArray<ArrayBuffer>, w, h),
      0,
      0,
    );
    const blob = await canvas.convertToBlob({ type: `image/${format}`, quality: quality / 100 });
    return new Uint8Array(await blob.arrayBuffer());
  }
  const bytes = toBytes(t, opts.scale);
  if (format === 'png') {
    const { PNG } = cjs(await nodeImport('pngjs'));
    const colorType = c === 1 ? 0 : c === 3 ? 2 : 6;
    const buf: Uint8Array = PNG.sync.write(
      { width: w, height: h, data: Buffer.from(bytes.buffer) },
      { colorType, inputColorType: colorType, inputHasAlpha: c === 4 },
    );
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const jpeg = cjs(await nodeImport('jpeg-js'));
  const { data } = toImageData(t, opts); // jpeg-js reads RGBA and ignores the alpha
  const out = jpeg.encode({ width: w, height: h, data }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

/** The format a file name asks for by its extension (.png, .jpg, .jpeg), or an ImageError. */
export function formatFromPath(path: string): ImageFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  throw new ImageError(`writeImage: cannot tell the format of '${path}' (use a .png, .jpg or .jpeg name)`);
}

/** Writes an image Tensor to a .png/.jpg file (Node), creating the folder; returns the encoded bytes. */
export async function writeImage(path: string, t: Tensor, opts: WriteImageOptions = {}): Promise<Uint8Array> {
  if (!isNode)
    throw new ImageError('writeImage: writing files needs Node; in a browser use encodeImage or toImageData');
  const bytes = await encodeImage(t, formatFromPath(path), opts);
  const { writeFile, mkdir } = await nodeImport('node:fs/promises');
  const { dirname } = await nodeImport('node:path');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return bytes;
}
