// Image geometry and colour: resize, crop, normalize, toGrayscale, and edges (the notes' filters). Images are [H, W, C]
// float32
// tensors (C = 1, 3 or 4, values 0-255 as io.readImage gives them); a batch [N, H, W, C] is accepted
// wherever it makes sense and keeps its rank.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../errors';
import { conv2d } from '../ops/conv';
import type { Padding } from '../ops/geometry';
import { filters } from './filters';

/** Height, width, channels and batch of an image tensor ([H,W], [H,W,C] or [N,H,W,C]). */
export interface ImageDims {
  n: number;
  h: number;
  w: number;
  c: number;
  batched: boolean;
}

/** Reads the dimensions of an image or batch of images, with a ShapeError naming `where` otherwise. */
export function imageDims(t: Tensor, where: string): ImageDims {
  if (!(t instanceof Tensor)) throw new ShapeError(`${where}: expected an image Tensor [H,W,C], got ${typeof t}`);
  const s = t.shape;
  if (s.length === 2) return { n: 1, h: s[0], w: s[1], c: 1, batched: false };
  if (s.length === 3) return { n: 1, h: s[0], w: s[1], c: s[2], batched: false };
  if (s.length === 4) return { n: s[0], h: s[1], w: s[2], c: s[3], batched: true };
  throw new ShapeError(`${where}: expected an image [H,W,C] or a batch [N,H,W,C], got ${fmtShape(s)}`);
}

const outShape = (d: ImageDims, h: number, w: number, c: number): number[] => (d.batched ? [d.n, h, w, c] : [h, w, c]);

/** Options of {@link resize}. */
export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest'. */
  method?: 'bilinear' | 'nearest';
  /**
   * false (default): half-pixel centres, as TF 2's tf.image.resize and PIL: output pixel i samples
   * the input at (i + 0.5) * in / out - 0.5, clamped to the edge. true: the corner pixels of input
   * and output line up exactly, i * (in - 1) / (out - 1) (TF 1's align_corners=True).
   */
  alignCorners?: boolean;
}

/** Source coordinate and weights of each output index along one axis. */
function axisMap(inSize: number, outSize: number, align: boolean, nearest: boolean) {
  const i0 = new Int32Array(outSize),
    i1 = new Int32Array(outSize),
    f = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let src = align ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : ((o + 0.5) * inSize) / outSize - 0.5;
    src = Math.min(Math.max(src, 0), inSize - 1);
    if (nearest) {
      // Round half up at pixel centres (TF's half_pixel_centers nearest picks floor(src + 0.5)).
      i0[o] = i1[o] = Math.min(inSize - 1, Math.floor(src + 0.5));
      continue;
    }
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    f[o] = src - lo;
  }
  return { i0, i1, f };
}

/** Resizes an image [H,W,C] or batch [N,H,W,C] to `height` x `width` (bilinear by default). */
export function resize(img: Tensor, height: number, width: number, opts: ResizeOptions = {}): Tensor {
  const d = imageDims(img, 'resize');
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new ValueError(`resize: size must be positive integers, got ${height}x${width}`);
  }
  if (d.h < 1 || d.w < 1) throw new ShapeError(`resize: cannot resize an empty image ${fmtShape(img.shape)}`);
  const method = opts.method ?? 'bilinear';
  if (method !== 'bilinear' && method !== 'nearest') throw new ValueError(`resize: unknown method '${method}'`);
  const nearest = method === 'nearest';
  const ys = axisMap(d.h, height, !!opts.alignCorners, nearest);
  const xs = axisMap(d.w, width, !!opts.alignCorners, nearest);
  const { c } = d;
  const src = img.data;
  const out = new Float32Array(d.n * height * width * c);
  for (let b = 0; b < d.n; b++) {
    const base = b * d.h * d.w * c;
    for (let y = 0; y < height; y++) {
      const r0 = base + ys.i0[y] * d.w * c,
        r1 = base + ys.i1[y] * d.w * c,
        fy = ys.f[y];
      for (let x = 0; x < width; x++) {
        const c0 = xs.i0[x] * c,
          c1 = xs.i1[x] * c,
          fx = xs.f[x];
        const o = ((b * height + y) * width + x) * c;
        for (let k = 0; k < c; k++) {
          const top = src[r0 + c0 + k] + (src[r0 + c1 + k] - src[r0 + c0 + k]) * fx;
          const bot = src[r1 + c0 + k] + (src[r1 + c1 + k] - src[r1 + c0 + k]) * fx;
          out[o + k] = top + (bot - top) * fy;
        }
      }
    }
  }
  return new Tensor(out, outShape(d, height, width, c));
}

/** A rectangle in pixels: top-left corner (x, y), width and height. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Cuts the pixel rectangle `r` out of an image or batch; it must lie inside the image. */
export function crop(img: Tensor, r: Rect): Tensor {
  const d = imageDims(img, 'crop');
  const { x, y, width, height } = r;
  for (const [k, v] of Object.entries({ x, y, width, height })) {
    if (!Number.isInteger(v)) throw new ValueError(`crop: ${k} must be an integer, got ${fmtValue(v)}`);
  }
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > d.w || y + height > d.h) {
    throw new ValueError(
      `crop: rectangle x=${x} y=${y} ${width}x${height} does not fit in image ${fmtShape(img.shape)}`,
    );
  }
  const { c } = d;
  const out = new Float32Array(d.n * height * width * c);
  for (let b = 0; b < d.n; b++) {
    for (let row = 0; row < height; row++) {
      const from = ((b * d.h + y + row) * d.w + x) * c;
      out.set(img.data.subarray(from, from + width * c), (b * height + row) * width * c);
    }
  }
  return new Tensor(out, outShape(d, height, width, c));
}

/** Options of {@link normalize}: per-channel mean and standard deviation (a number means every channel). */
export interface NormalizeOptions {
  mean?: number | number[];
  std?: number | number[];
}

/**
 * (x - mean[c]) / std[c] per channel. Without `mean`/`std` the image's own per-channel mean and
 * standard deviation are used (over every pixel of the batch), so each channel ends with mean 0, std 1.
 */
export function normalize(img: Tensor, opts: NormalizeOptions = {}): Tensor {
  const d = imageDims(img, 'normalize');
  const { c } = d;
  const x = img.data;
  const pixels = x.length / c;
  const perChannel = (v: number | number[] | undefined, name: string, compute: (k: number) => number): number[] => {
    if (v === undefined) return Array.from({ length: c }, (_, k) => compute(k));
    const a = typeof v === 'number' ? new Array(c).fill(v) : v;
    if (a.length !== c) throw new ValueError(`normalize: ${name} needs ${c} values (one per channel), got ${a.length}`);
    return a;
  };
  const mean = perChannel(opts.mean, 'mean', (k) => {
    let s = 0;
    for (let i = k; i < x.length; i += c) s += x[i];
    return s / pixels;
  });
  const std = perChannel(opts.std, 'std', (k) => {
    let s = 0;
    for (let i = k; i < x.length; i += c) s += (x[i] - mean[k]) ** 2;
    return Math.sqrt(s / pixels) || 1; // a flat channel stays 0 rather than NaN
  });
  if (std.some((s) => !(s > 0))) throw new ValueError(`normalize: std must be positive, got [${std.join(', ')}]`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean[i % c]) / std[i % c];
  return new Tensor(out, img.shape);
}

/**
 * Converts RGB(A) to one channel with the ITU-R BT.601 weights 0.299 R + 0.587 G + 0.114 B (as TF); alpha is ignored.
 */
export function toGrayscale(img: Tensor): Tensor {
  const d = imageDims(img, 'toGrayscale');
  if (d.c !== 1 && d.c !== 3 && d.c !== 4)
    throw new ShapeError(`toGrayscale: expected 1, 3 or 4 channels, got ${fmtShape(img.shape)}`);
  const px = d.n * d.h * d.w;
  const out = new Float32Array(px);
  const x = img.data;
  for (let i = 0; i < px; i++) {
    const o = i * d.c;
    out[i] = d.c === 1 ? x[o] : 0.299 * x[o] + 0.587 * x[o + 1] + 0.114 * x[o + 2];
  }
  return new Tensor(out, outShape(d, d.h, d.w, 1));
}

/** Options of {@link edges}. */
export interface EdgesOptions {
  /** 'sobel' (default), 'scharr', or 'simple' (the notes' [[1,0,-1],[1,0,-1],[1,0,-1]] pair). */
  filter?: 'sobel' | 'scharr' | 'simple';
  /**
   * As ops.conv2d: 'valid' (default, the notes' 6x6 -> 4x4) or 'same' (zeros around the image, so its
   * border reads as an edge); 'reflect' keeps the size by mirroring the border pixels, as
   * tf.image.sobel_edges does, so a flat image gives no response anywhere.
   */
  padding?: Padding | 'reflect';
}

/** Edge maps of one image or a batch: vertical and horizontal filter responses (signed) and their magnitude. */
export interface Edges {
  vertical: Tensor;
  horizontal: Tensor;
  magnitude: Tensor;
}

/**
 * Runs the notes' vertical and horizontal edge filters over the image (colour images are converted to
 * gray first) with ops.conv2d, i.e. cross-correlation as in the notes: a vertical response is positive
 * where the left side is brighter. Each result has one channel and the input's rank;
 * magnitude = sqrt(vertical² + horizontal²).
 */
export function edges(img: Tensor, opts: EdgesOptions = {}): Edges {
  const d = imageDims(img, 'edges');
  const kind = opts.filter ?? 'sobel';
  const pair =
    kind === 'sobel'
      ? [filters.sobelVertical, filters.sobelHorizontal]
      : kind === 'scharr'
        ? [filters.scharrVertical, filters.scharrHorizontal]
        : kind === 'simple'
          ? [filters.vertical, filters.horizontal]
          : null;
  if (!pair) throw new ValueError(`edges: filter must be 'sobel', 'scharr' or 'simple', got '${kind}'`);
  const gray = d.c === 1 ? img : toGrayscale(img);
  const reflect = opts.padding === 'reflect';
  const x = reflect ? reflectPad1(gray.data, d) : new Tensor(gray.data, [d.n, d.h, d.w, 1]);
  const [v, h] = pair.map((k) => conv2d(x, k, { padding: reflect ? 'valid' : ((opts.padding as Padding) ?? 'valid') }));
  const mag = new Float32Array(v.size);
  for (let i = 0; i < mag.length; i++) mag[i] = Math.hypot(v.data[i], h.data[i]);
  const shape = d.batched ? v.shape : v.shape.slice(1);
  return {
    vertical: new Tensor(v.data, shape),
    horizontal: new Tensor(h.data, shape),
    magnitude: new Tensor(mag, shape),
  };
}

/** One-channel images [N,H,W] padded by one pixel on each side, mirroring (d c b | a b c d | c b a). */
function reflectPad1(src: Float32Array, d: ImageDims): Tensor {
  if (d.h < 2 || d.w < 2)
    throw new ShapeError(`edges: 'reflect' padding needs an image of at least 2x2, got ${d.h}x${d.w}`);
  const H = d.h + 2,
    W = d.w + 2;
  const out = new Float32Array(d.n * H * W);
  const at = (i: number, n: number) => (i < 0 ? 1 : i >= n ? n - 2 : i);
  for (let b = 0; b < d.n; b++) {
    for (let y = 0; y < H; y++) {
      const row = (b * d.h + at(y - 1, d.h)) * d.w;
      for (let x = 0; x < W; x++) out[(b * H + y) * W + x] = src[row + at(x - 1, d.w)];
    }
  }
  return new Tensor(out, [d.n, H, W, 1]);
}
