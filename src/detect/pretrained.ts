// Real pretrained face detection: the networks of @vladmandic/face-api (a maintained fork of
// face-api.js) rebuilt with convkit layers and loaded from the package's uint8-quantised TF.js
// weight manifests (`model/*-weights_manifest.json`; value = min + scale · q). face-api ships the
// weights only; the architectures below follow its source:
//
// Tiny face detector (Tiny-YOLOv2 with depthwise separable convs), 13x13 grid at input 416:
//   conv 3x3 16 valid + leaky(0.1), maxpool 2/2 same,
//   5 x [depthwise 3x3 same, pointwise 1x1 + bias, leaky(0.1)] with 32..512 filters, each followed by
//   maxpool 2/2 same (the last one 2/1), then conv 1x1 → 5 anchors x [t_x, t_y, t_w, t_h, t_o].
//   Its last conv's columns are reordered to the notes' [p_c, b_x, b_y, b_h, b_w], so yolo.decode
//   (sigmoid / exp parameterisation, then NMS) reads the output directly.
// 68-point landmarks: dense blocks of depthwise separable convs (4 blocks of 4 convs, 32..256
//   channels; the tiny net 3 blocks of 3, 32..128), average pooling, a dense layer of 136 = 68 (x, y)
//   in [0, 1] of the face crop padded to a square.
//
// Inputs follow face-api's pipeline: the photo is zero-padded to a square at the bottom/right
// (faces) or on both sides (crops), resized bilinearly with TF's legacy sampling (source = i · in /
// out, as tf.image.resizeBilinear without half-pixel centres), mean-subtracted and divided by 255.
import { Tensor } from '../tensor';
import { ModelFormatError, ShapeError, ValueError, fmtShape } from '../errors';
import { isUrl, nodeImport, packageDir } from '../platform';
import * as layers from '../layers';
import { Layer, SymbolicTensor } from '../layers';
import { Model, model } from '../models';
import { artifactsFromManifest, decodeWeights } from '../io/model';
import type { WeightsManifestEntry } from '../io/model';
import { toCorners } from './box';
import type { Box, CenterBox, Size } from './box';
import { decode } from './yolo';
import type { YoloDetection } from './yolo';

/**
 * Where to load face-api weights from: a folder path (Node) or URL holding the manifests; default: the installed
 * package's model/ folder.
 */
export interface PretrainedSource {
  from?: string;
}

/** The tiny face detector's anchors { w, h } in grid cells (face-api's BOX_ANCHORS). */
export const FACE_ANCHORS: readonly Size[] = [
  { w: 1.603231, h: 2.094468 },
  { w: 6.041143, h: 7.080126 },
  { w: 2.882459, h: 3.518061 },
  { w: 4.266906, h: 5.178857 },
  { w: 9.041765, h: 10.66308 },
];
const DETECTOR_MEAN = [117.001, 114.697, 97.404];
const LANDMARK_MEAN = [122.782, 117.001, 104.298];
const LANDMARK_SIZE = 112;
// face-api's leaky ReLU slope, the float32 nearest to 0.1
const LEAKY = 0.10000000149011612;

/** The installed @vladmandic/face-api model/ folder (Node). */
async function packageModelDir(where: string): Promise<string> {
  const { join } = await nodeImport('node:path');
  const dir = await packageDir('@vladmandic/face-api');
  if (dir === undefined) {
    throw new ValueError(
      `${where}: the '@vladmandic/face-api' package is not installed (npm install @vladmandic/face-api@1.7); or pass { from: folder or URL }`,
    );
  }
  return join(dir, 'model');
}

/** Reads `<name>-weights_manifest.json` and its shards, and dequantises every tensor by name. */
async function loadWeightMap(name: string, src: PretrainedSource, where: string): Promise<Map<string, Tensor>> {
  const base = src.from ?? (await packageModelDir(where));
  const file = `${name}-weights_manifest.json`;
  let read: (p: string) => Promise<Uint8Array>;
  if (isUrl(base)) {
    read = async (p) => {
      const u = new URL(p, base.endsWith('/') ? base : `${base}/`).href;
      const r = await fetch(u);
      if (!r.ok) throw new ModelFormatError(`${where}: GET ${u} failed with HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    };
  } else {
    const { readFile } = await nodeImport('node:fs/promises');
    const { join } = await nodeImport('node:path');
    read = async (p) => {
      try {
        return new Uint8Array(await readFile(join(base, p)));
      } catch {
        throw new ModelFormatError(`${where}: cannot read ${join(base, p)}`);
      }
    };
  }
  let manifest: WeightsManifestEntry[];
  try {
    manifest = JSON.parse(new TextDecoder().decode(await read(file)));
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where}: ${file} is not valid JSON`);
  }
  if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
    throw new ModelFormatError(`${where}: ${file} is not a weights manifest (a list of { paths, weights })`);
  }
  const groups = await Promise.all(manifest.map((g) => Promise.all(g.paths.map(read))));
  return decodeWeights(artifactsFromManifest({}, manifest, groups), where);
}

/** Builds layers on symbolic tensors and remembers which manifest tensors fill each layer's weights. */
class Builder {
  private readonly fills: [Layer, string[]][] = [];
  constructor(private readonly where: string) {}

  /** Applies a layer whose weights (in layer.weights order) come from the named tensors. */
  use(layer: Layer, x: SymbolicTensor | SymbolicTensor[], weights: string[] = []): SymbolicTensor {
    const y = layer.apply(x) as SymbolicTensor;
    if (weights.length) this.fills.push([layer, weights]);
    return y;
  }

  /** Depthwise 3x3 (no bias) then pointwise 1x1 + bias: TF's separableConv2d as face-api calls it. */
  separable(x: SymbolicTensor, prefix: string, filters: number, strides: number): SymbolicTensor {
    const d = this.use(layers.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false }), x, [
      `${prefix}/depthwise_filter`,
    ]);
    return this.use(layers.conv2d({ filters, kernelSize: 1 }), d, [`${prefix}/pointwise_filter`, `${prefix}/bias`]);
  }

  /** Assigns every weight; a missing or misshaped tensor throws ModelFormatError naming it. */
  assign(named: Map<string, Tensor>, transform: (name: string, t: Tensor) => Tensor = (_, t) => t): void {
    for (const [layer, names] of this.fills) {
      names.forEach((n, i) => {
        const t = named.get(n);
        const v = layer.weights[i];
        if (!t) throw new ModelFormatError(`${this.where}: the manifest has no tensor '${n}'`);
        if (t.shape.length !== v.shape.length || t.shape.some((d, k) => d !== v.shape[k])) {
          throw new ModelFormatError(
            `${this.where}: tensor '${n}' is ${fmtShape(t.shape)}, the network expects ${fmtShape(v.shape)}`,
          );
        }
        v.assign(transform(n, t));
      });
    }
  }
}

/**
 * The detector's last conv with columns per anchor reordered from face-api's [t_x, t_y, t_w, t_h, t_o] to [t_o, t_x,
 * t_y, t_h, t_w].
 */
function reorderHead(t: Tensor, anchors: number): Tensor {
  const SRC = [4, 0, 1, 3, 2];
  const cols = t.shape[t.rank - 1],
    rows = t.size / cols;
  const out = new Float32Array(t.size);
  for (let r = 0; r < rows; r++)
    for (let a = 0; a < anchors; a++)
      for (let j = 0; j < 5; j++) {
        out[r * cols + a * 5 + j] = t.data[r * cols + a * 5 + SRC[j]];
      }
  return new Tensor(out, [...t.shape]);
}

/** Pixels of an [H, W, 3] or [1, H, W, 3] image tensor, checked. */
export function imageOf(img: Tensor, where: string): { h: number; w: number; data: Float32Array } {
  if (!(img instanceof Tensor))
    throw new ValueError(`${where}: expected an image Tensor [H, W, 3] of RGB values 0-255`);
  const s = img.rank === 4 && img.shape[0] === 1 ? img.shape.slice(1) : img.shape;
  if (s.length !== 3 || s[2] !== 3 || s[0] < 1 || s[1] < 1)
    throw new ShapeError(`${where}: expected an RGB image [H, W, 3], got ${fmtShape(img.shape)}`);
  return { h: s[0], w: s[1], data: img.data };
}

/** A pixel rectangle of the image: top-left (x, y), width, height (integers). */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Writes one network input: the rectangle r of the image, zero-padded to a square of side
 * max(w, h) (offset padX/padY inside it), resized to size x size with TF's legacy bilinear
 * sampling, minus the mean, / 255, at out[offset...].
 */
function squareInput(
  im: { w: number; data: Float32Array },
  r: PixelRect,
  padX: number,
  padY: number,
  size: number,
  mean: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const L = Math.max(r.w, r.h),
    scale = L / size;
  const axis = (inside: number, pad: number) => {
    const lo = new Int32Array(size),
      hi = new Int32Array(size),
      f = new Float64Array(size);
    const ok0 = new Uint8Array(size),
      ok1 = new Uint8Array(size);
    for (let o = 0; o < size; o++) {
      const s = o * scale,
        l = Math.floor(s),
        h = Math.min(l + 1, L - 1);
      lo[o] = l - pad;
      hi[o] = h - pad;
      f[o] = s - l;
      ok0[o] = +(lo[o] >= 0 && lo[o] < inside);
      ok1[o] = +(hi[o] >= 0 && hi[o] < inside);
    }
    return { lo, hi, f, ok0, ok1 };
  };
  const ys = axis(r.h, padY),
    xs = axis(r.w, padX);
  const px = (y: number, x: number, c: number) => im.data[((r.y + y) * im.w + r.x + x) * 3 + c];
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const o = offset + (oy * size + ox) * 3;
      for (let c = 0; c < 3; c++) {
        const tl = ys.ok0[oy] && xs.ok0[ox] ? px(ys.lo[oy], xs.lo[ox], c) : 0;
        const tr = ys.ok0[oy] && xs.ok1[ox] ? px(ys.lo[oy], xs.hi[ox], c) : 0;
        const bl = ys.ok1[oy] && xs.ok0[ox] ? px(ys.hi[oy], xs.lo[ox], c) : 0;
        const br = ys.ok1[oy] && xs.ok1[ox] ? px(ys.hi[oy], xs.hi[ox], c) : 0;
        const top = tl + (tr - tl) * xs.f[ox],
          bot = bl + (br - bl) * xs.f[ox];
        out[o + c] = (top + (bot - top) * ys.f[oy] - mean[c]) / 255;
      }
    }
  }
}

/** squareInput of a face crop padded on both sides, as face-api's padToSquare(x, true): the odd pixel goes after. */
export function centredSquareInput(
  im: { w: number; data: Float32Array },
  r: PixelRect,
  size: number,
  mean: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const diff = Math.abs(r.w - r.h),
    before = diff - Math.round(diff / 2);
  squareInput(im, r, r.w < r.h ? before : 0, r.h < r.w ? before : 0, size, mean, out, offset);
}

/** Options of TinyFaceDetector.detect. */
export interface FaceDetectOptions {
  /** Side of the network input, a multiple of 32 (default 416: a 13x13 grid). */
  inputSize?: number;
  /** Faces with score ≤ this are dropped (default 0.5, as face-api). */
  scoreThreshold?: number;
  /** NMS threshold (default 0.4, as face-api). */
  iouThreshold?: number;
}

/** A detected face: box normalised to the image (centre form, as detect's boxes), score, and landmarks if asked. */
export interface Face {
  box: CenterBox;
  score: number;
  /** 68 points normalised to the image (iBUG 300-W order: jaw 0-16, brows, nose, eyes, mouth 48-67). */
  landmarks?: { x: number; y: number }[];
}

/** face-api's tiny face detector as a convkit model, with preprocessing and YOLO decoding. */
export class TinyFaceDetector {
  /** The network: [N, s, s, 3] normalised pixels → [N, s/32, s/32, 5 · 5] in the notes' order per anchor. */
  readonly model: Model;
  readonly anchors = FACE_ANCHORS;

  constructor(named: Map<string, Tensor>, where = 'detect.tinyFaceDetector') {
    const b = new Builder(where);
    const inp = layers.input({ shape: [null, null, 3] as unknown as number[] });
    const pool = (x: SymbolicTensor, strides: number) =>
      b.use(layers.maxPooling2d({ poolSize: 2, strides, padding: 'same' }), x);
    const leaky = (x: SymbolicTensor) => b.use(layers.leakyReLU({ alpha: LEAKY }), x);
    let x = pool(leaky(b.use(layers.conv2d({ filters: 16, kernelSize: 3 }), inp, ['conv0/filters', 'conv0/bias'])), 2);
    [32, 64, 128, 256, 512].forEach((f, i) => {
      x = pool(leaky(b.separable(x, `conv${i + 1}`, f, 1)), i < 4 ? 2 : 1);
    });
    const out = b.use(layers.conv2d({ filters: 5 * FACE_ANCHORS.length, kernelSize: 1 }), x, [
      'conv8/filters',
      'conv8/bias',
    ]);
    this.model = model({ inputs: inp, outputs: out, name: 'tiny_face_detector' });
    b.assign(named, (n, t) => (n.startsWith('conv8/') ? reorderHead(t, FACE_ANCHORS.length) : t));
  }

  /** The network input for an RGB image (0-255) [H, W, 3]: [1, s, s, 3], the photo padded at the bottom/right. */
  preprocess(img: Tensor, inputSize = 416): Tensor {
    const im = imageOf(img, 'TinyFaceDetector.preprocess');
    checkInputSize(inputSize, 'TinyFaceDetector.preprocess');
    const out = new Float32Array(inputSize * inputSize * 3);
    squareInput(im, { x: 0, y: 0, w: im.w, h: im.h }, 0, 0, inputSize, DETECTOR_MEAN, out, 0);
    return new Tensor(out, [1, inputSize, inputSize, 3]);
  }

  /** The raw output reshaped for yolo.decode: [S, S, 5 anchors, 5]. */
  forward(img: Tensor, inputSize = 416): Tensor {
    const y = this.model.predict(this.preprocess(img, inputSize));
    const S = y.shape[1];
    return new Tensor(y.data, [S, S, FACE_ANCHORS.length, 5]);
  }

  /** Faces in an RGB image (0-255) [H, W, 3], best first; boxes are normalised to the image. */
  detect(img: Tensor, opts: FaceDetectOptions = {}): Face[] {
    const where = 'TinyFaceDetector.detect';
    const { h, w } = imageOf(img, where);
    const scoreThreshold = opts.scoreThreshold ?? 0.5,
      iouThreshold = opts.iouThreshold ?? 0.4;
    if (!(scoreThreshold >= 0 && scoreThreshold < 1))
      throw new ValueError(`${where}: scoreThreshold must be in [0, 1), got ${opts.scoreThreshold}`);
    if (!(iouThreshold > 0 && iouThreshold <= 1))
      throw new ValueError(`${where}: iouThreshold must be in (0, 1], got ${opts.iouThreshold}`);
    const size = opts.inputSize ?? 416;
    const found = decode(this.forward(img, size), {
      anchors: FACE_ANCHORS,
      classes: 0,
      scoreThreshold,
      iouThreshold,
    }) as YoloDetection[];
    // decode's boxes are relative to the padded square; the image fills W·s x H·s of it
    // (s = size / max(H, W)), rounded to whole input pixels as face-api does
    const s = size / Math.max(h, w),
      fx = size / Math.round(w * s),
      fy = size / Math.round(h * s);
    return found.map((d) => ({
      box: { x: d.box.x * fx, y: d.box.y * fy, w: d.box.w * fx, h: d.box.h * fy },
      score: d.score,
    }));
  }
}

function checkInputSize(s: number, where: string): void {
  if (!Number.isInteger(s) || s < 32 || s % 32 !== 0)
    throw new ValueError(`${where}: inputSize must be a positive multiple of 32, got ${s}`);
}

/** Options of faceLandmarks68. */
export interface LandmarkNetOptions extends PretrainedSource {
  /** The tiny net (face_landmark_68_tiny: 3 blocks of 3 convs, 80 kB) instead of the full one (350 kB). */
  tiny?: boolean;
}

/** The pixels face-api crops for a face box (normalised to the image) to find its landmarks: clipped, then floored. */
export function landmarkCrop(bx: Box, im: { w: number; h: number }, what: string): PixelRect {
  const c = toCorners(bx);
  if (![c.x1, c.y1, c.x2, c.y2].every(Number.isFinite))
    throw new ValueError(`${what} is not finite: ${JSON.stringify(bx)}`);
  return clipFloor(c.x1 * im.w, c.y1 * im.h, c.x2 * im.w, c.y2 * im.h, im);
}

/** face-api's Box.clipAtImageBorders: corners (x1, y1)-(x2, y2) in pixels clipped to the image, every field floored. */
export function clipFloor(x1: number, y1: number, x2: number, y2: number, im: { w: number; h: number }): PixelRect {
  const x = Math.max(x1, 0),
    y = Math.max(y1, 0);
  const w = Math.min(x2 - x, im.w - x),
    h = Math.min(y2 - y, im.h - y);
  return { x: Math.floor(x), y: Math.floor(y), w: Math.floor(w), h: Math.floor(h) };
}

/** face-api's 68-point face landmark net as a convkit model, with crop preparation. */
export class FaceLandmarks68 {
  /** The network: [N, 112, 112, 3] normalised crops → [N, 136] = 68 (x, y) in [0, 1] of the padded crop. */
  readonly model: Model;

  constructor(
    named: Map<string, Tensor>,
    readonly tiny = false,
    where = 'detect.faceLandmarks68',
  ) {
    const b = new Builder(where);
    const inp = layers.input({ shape: [LANDMARK_SIZE, LANDMARK_SIZE, 3] });
    const relu = (x: SymbolicTensor) => b.use(layers.reLU(), x);
    const sum = (xs: SymbolicTensor[]) => (xs.length === 1 ? xs[0] : b.use(layers.add(), [...xs]));
    // face-api's dense block: out_k = sepconv(relu(out_1 + ... + out_{k-1})), result relu(Σ out_k)
    const block = (x: SymbolicTensor, prefix: string, filters: number, convs: number, first: boolean) => {
      const out1 = relu(
        first
          ? b.use(layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same' }), x, [
              `${prefix}/conv0/filters`,
              `${prefix}/conv0/bias`,
            ])
          : b.separable(x, `${prefix}/conv0`, filters, 2),
      );
      const outs = [out1];
      for (let k = 1; k < convs; k++)
        outs.push(b.separable(k === 1 ? out1 : relu(sum(outs)), `${prefix}/conv${k}`, filters, 1));
      return relu(sum(outs));
    };
    const widths = tiny ? [32, 64, 128] : [32, 64, 128, 256];
    let x = inp;
    widths.forEach((f, i) => {
      x = block(x, `dense${i}`, f, tiny ? 3 : 4, i === 0);
    });
    const pool = tiny ? 14 : 7;
    x = b.use(layers.flatten(), b.use(layers.averagePooling2d({ poolSize: pool, strides: 2 }), x));
    const out = b.use(layers.dense({ units: 136 }), x, ['fc/weights', 'fc/bias']);
    this.model = model({ inputs: inp, outputs: out, name: tiny ? 'face_landmark_68_tiny' : 'face_landmark_68' });
    b.assign(named);
  }

  /**
   * 68 landmarks for each face box (normalised to the image, as detect returns them) in an RGB image
   * (0-255) [H, W, 3]: each box is clipped to the image and cropped, as face-api does; points come
   * back normalised to the image. Boxes with no area inside the image get an empty list.
   */
  predict(img: Tensor, boxes: readonly Box[]): { x: number; y: number }[][] {
    const where = 'FaceLandmarks68.predict';
    const im = imageOf(img, where);
    if (!Array.isArray(boxes)) throw new ValueError(`${where}: expected a list of boxes`);
    const rects = boxes.map((bx, i) => landmarkCrop(bx, im, `${where}: box ${i}`));
    const ok = rects.map((r) => r.w > 0 && r.h > 0);
    const used = rects.filter((_, i) => ok[i]);
    const S = LANDMARK_SIZE,
      per = S * S * 3;
    const batch = new Float32Array(used.length * per);
    used.forEach((r, i) => centredSquareInput(im, r, S, LANDMARK_MEAN, batch, i * per));
    const y = used.length ? this.model.predict(new Tensor(batch, [used.length, S, S, 3])).data : new Float32Array(0);
    let k = 0;
    return rects.map((r, i) => {
      if (!ok[i]) return [];
      const L = Math.max(r.w, r.h),
        px = (L - r.w) / 2,
        py = (L - r.h) / 2;
      const o = 136 * k++;
      return Array.from({ length: 68 }, (_, p) => ({
        x: (r.x + y[o + 2 * p] * L - px) / im.w,
        y: (r.y + y[o + 2 * p + 1] * L - py) / im.h,
      }));
    });
  }
}

/** Loads face-api's tiny face detector (Node: from the installed package; or { from: folder or URL }). */
export async function tinyFaceDetector(src: PretrainedSource = {}): Promise<TinyFaceDetector> {
  const where = 'detect.tinyFaceDetector';
  return new TinyFaceDetector(await loadWeightMap('tiny_face_detector_model', src, where), where);
}

/** Loads face-api's 68-point landmark net ({ tiny: true } for the small one). */
export async function faceLandmarks68(opts: LandmarkNetOptions = {}): Promise<FaceLandmarks68> {
  const where = 'detect.faceLandmarks68';
  const tiny = !!opts.tiny;
  return new FaceLandmarks68(
    await loadWeightMap(tiny ? 'face_landmark_68_tiny_model' : 'face_landmark_68_model', opts, where),
    tiny,
    where,
  );
}

/** Options of detectFaces. */
export interface DetectFacesOptions extends FaceDetectOptions, LandmarkNetOptions {
  /** Also find 68 landmarks per face (default true). */
  landmarks?: boolean;
}

const loaded = new Map<string, Promise<TinyFaceDetector | FaceLandmarks68>>();

/** Detects faces (and their 68 landmarks) in an RGB image (0-255) [H, W, 3]; the networks load once and are reused. */
export async function detectFaces(img: Tensor, opts: DetectFacesOptions = {}): Promise<Face[]> {
  const key = (k: string) => `${k}|${opts.from ?? ''}`;
  const get = <T>(k: string, make: () => Promise<T>): Promise<T> => {
    // a failed load is forgotten, so a later call can retry
    if (!loaded.has(key(k)))
      loaded.set(
        key(k),
        make().catch((e) => {
          loaded.delete(key(k));
          throw e;
        }) as Promise<never>,
      );
    return loaded.get(key(k)) as Promise<T>;
  };
  const det = await get('detector', () => tinyFaceDetector(opts));
  const faces = det.detect(img, opts);
  if (opts.landmarks === false || faces.length === 0) return faces;
  const lm = await get(opts.tiny ? 'tiny' : 'full', () => faceLandmarks68(opts));
  const pts = lm.predict(
    img,
    faces.map((f) => f.box),
  );
  return faces.map((f, i) => ({ ...f, landmarks: pts[i] }));
}
