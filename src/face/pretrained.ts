// face-api's FaceRecognitionNet (dlib's ResNet-34-like face encoder, 128-d descriptors) rebuilt
// with convkit layers. The package ships weights only, a uint8-quantised TF.js weight manifest;
// the topology below follows face-api's code: conv 7x7/2 + max-pool 3/2, residual blocks of
// 32, 64, 128, 256 filters (each conv followed by a per-channel scale), global mean, a 256x128
// matrix. Each conv's bias and scale fold into one conv bias: s·(W∗x + b) + c = (s·W)∗x + (s·b + c).
import { Tensor, tensor } from '../tensor';
import { ModelFormatError, ShapeError, ValueError, fmtShape } from '../errors';
import { nodeImport, packageDir } from '../platform';
import { noGrad } from '../autograd';
import { SymbolicTensor, ZeroChannels } from '../layers';
import * as layers from '../layers';
import { Model, model } from '../models';
import * as ops from '../ops';
import { resize, crop } from '../vision';
import { decodeWeights } from '../io';
import type { WeightsManifestEntry } from '../io';
import { centredSquareInput, clipFloor, imageOf, landmarkCrop } from '../detect/pretrained';
import type { Face } from '../detect/pretrained';
import { toCorners } from '../detect/box';

/** Input side of the network: face crops are resized to 150x150. */
export const FACE_RECOGNITION_SIZE = 150;
/** The per-channel RGB mean face-api subtracts before dividing by 255. */
export const FACE_RECOGNITION_MEAN = [122.782, 117.001, 104.298] as const;

/** face-api's FaceRecognitionNet weights by name. */
export type Weights = Map<string, Tensor>;

function take(w: Weights, name: string, shape: number[]): Tensor {
  const t = w.get(name);
  if (!t) throw new ModelFormatError(`face.loadFaceRecognitionNet: weight '${name}' is missing from the manifest`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ModelFormatError(
      `face.loadFaceRecognitionNet: weight '${name}' is ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`,
    );
  }
  return t;
}

/** The conv of `prefix` with bias and scale folded in: kernel [k,k,in,out], bias [out]. */
function folded(w: Weights, prefix: string, k: number, cin: number, cout: number): [Tensor, Tensor] {
  const f = take(w, `${prefix}/conv/filters`, [k, k, cin, cout]),
    b = take(w, `${prefix}/conv/bias`, [cout]);
  const s = take(w, `${prefix}/scale/weights`, [cout]),
    c = take(w, `${prefix}/scale/biases`, [cout]);
  const kernel = new Float32Array(f.data);
  for (let i = 0; i < kernel.length; i++) kernel[i] *= s.data[i % cout];
  const bias = Float32Array.from(b.data, (v, o) => v * s.data[o] + c.data[o]);
  return [new Tensor(kernel, f.shape), new Tensor(bias, [cout])];
}

/** Builds the network from named weights (face-api's names); input [N,150,150,3] normalised, output [N,128]. */
export function faceRecognitionModel(w: Weights): Model {
  const conv = (
    x: SymbolicTensor,
    prefix: string,
    k: number,
    cin: number,
    cout: number,
    stride: number,
    relu: boolean,
  ): SymbolicTensor => {
    const l = layers.conv2d({
      filters: cout,
      kernelSize: k,
      strides: stride,
      padding: stride === 1 ? 'same' : 'valid',
      activation: relu ? 'relu' : 'linear',
      name: prefix.replace(/\//g, '_'),
      kernelInitializer: 'zeros',
    });
    const y = l.apply(x);
    l.setWeights(folded(w, prefix, k, cin, cout));
    return y;
  };
  const relu = (x: SymbolicTensor, name: string) => layers.activation({ activation: 'relu', name }).apply(x);
  const residual = (x: SymbolicTensor, name: string, c: number): SymbolicTensor => {
    const h = conv(conv(x, `${name}/conv1`, 3, c, c, 1, true), `${name}/conv2`, 3, c, c, 1, false);
    return relu(layers.add({ name: `${name}_add` }).apply([h, x]), `${name}_relu`);
  };
  // face-api's residualDown: 3x3/2 'valid' convs; the shortcut is a 2x2 average pool, zero-padded
  // in channels, and the conv branch gets a zero row and column when the sizes differ.
  const residualDown = (x: SymbolicTensor, name: string, cin: number, cout: number): SymbolicTensor => {
    let h = conv(conv(x, `${name}/conv1`, 3, cin, cout, 2, true), `${name}/conv2`, 3, cout, cout, 1, false);
    let s = layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(x);
    if (h.shape[1] !== s.shape[1] || h.shape[2] !== s.shape[2])
      h = layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
          name: `${name}_pad`,
        })
        .apply(h);
    if (cout !== cin) s = new ZeroChannels({ channels: cout - cin, name: `${name}_zeros` }).apply(s);
    return relu(layers.add({ name: `${name}_add` }).apply([s, h]), `${name}_relu`);
  };
  const input = layers.input({ shape: [FACE_RECOGNITION_SIZE, FACE_RECOGNITION_SIZE, 3], name: 'face' });
  let h = conv(input, 'conv32_down', 7, 3, 32, 2, true);
  h = layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool' }).apply(h);
  for (const n of ['conv32_1', 'conv32_2', 'conv32_3']) h = residual(h, n, 32);
  h = residualDown(h, 'conv64_down', 32, 64);
  for (const n of ['conv64_1', 'conv64_2', 'conv64_3']) h = residual(h, n, 64);
  h = residualDown(h, 'conv128_down', 64, 128);
  for (const n of ['conv128_1', 'conv128_2']) h = residual(h, n, 128);
  h = residualDown(h, 'conv256_down', 128, 256);
  for (const n of ['conv256_1', 'conv256_2']) h = residual(h, n, 256);
  h = residualDown(h, 'conv256_down_out', 256, 256);
  h = layers.globalAveragePooling2d({ name: 'mean' }).apply(h);
  const fc = layers.dense({ units: 128, useBias: false, name: 'fc', kernelInitializer: 'zeros' });
  const out = fc.apply(h);
  fc.setWeights([take(w, 'fc', [256, 128])]);
  const m = model({ inputs: input, outputs: out, name: 'face_recognition_net' });
  m.trainable = false;
  return m;
}

/** The pretrained 128-d face encoder: the network plus face-api's preprocessing. */
export class FaceRecognitionNet {
  constructor(readonly model: Model) {}

  /** RGB images (0..255) [H,W,3] or [N,H,W,3] -> network input: resized to 150x150, mean removed, / 255. */
  preprocess(images: Tensor): Tensor {
    const x = images.rank === 3 ? images.reshape([1, ...images.shape]) : images;
    if (x.rank !== 4 || x.shape[3] !== 3)
      throw new ShapeError(
        `face.FaceRecognitionNet: expected RGB images [H,W,3] or [N,H,W,3], got ${fmtShape(images.shape)}`,
      );
    const sized =
      x.shape[1] === FACE_RECOGNITION_SIZE && x.shape[2] === FACE_RECOGNITION_SIZE
        ? x
        : resize(x, FACE_RECOGNITION_SIZE, FACE_RECOGNITION_SIZE);
    return ops.div(ops.sub(sized, tensor([...FACE_RECOGNITION_MEAN])), 255);
  }

  /** 128-d descriptors [N, 128] of face crops (RGB 0..255); face-api matches faces at distance ‖·‖ < 0.6. */
  descriptors(images: Tensor, batchSize = 8): Tensor {
    return noGrad(() => this.model.predict(this.preprocess(images), { batchSize }));
  }

  /**
   * face-api's descriptors [N, 128] for the faces detect.detectFaces found (with landmarks) in an RGB photo (0-255)
   * [H, W, 3], cropped as its withFaceDescriptors() crops them: the dlib-aligned square of faceDescriptorRect, padded
   * to a square about its centre and resized with TF's legacy bilinear sampling. A crop with no pixels gives zeros.
   */
  faceDescriptors(image: Tensor, faces: readonly Face[], batchSize = 8): Tensor {
    const where = 'FaceRecognitionNet.faceDescriptors';
    const im = imageOf(image, where);
    if (!Array.isArray(faces)) throw new ValueError(`${where}: expected a list of faces (detect.detectFaces)`);
    const S = FACE_RECOGNITION_SIZE,
      per = S * S * 3;
    const rects = faces.map((f, i) => faceDescriptorRect(f, im, `${where}: face ${i}`));
    const used = rects.filter((r) => r.width > 0 && r.height > 0);
    const x = new Float32Array(used.length * per);
    used.forEach((r, i) =>
      centredSquareInput(im, { x: r.x, y: r.y, w: r.width, h: r.height }, S, FACE_RECOGNITION_MEAN, x, i * per),
    );
    const d = used.length
      ? noGrad(() => this.model.predict(new Tensor(x, [used.length, S, S, 3]), { batchSize })).data
      : new Float32Array(0);
    const out = new Float32Array(faces.length * 128);
    let k = 0;
    rects.forEach((r, i) => {
      if (r.width > 0 && r.height > 0) out.set(d.subarray(128 * k, 128 * ++k), 128 * i);
    });
    return new Tensor(out, [faces.length, 128]);
  }

  /** As descriptors(): lets the net be a FaceDatabase encoder. */
  readonly encode = (images: Tensor): Tensor => this.descriptors(images);
}

/** A face's pixel rectangle: top-left corner, width and height. */
export interface FaceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** face-api's aligned face box: the smallest box around the landmarks (pixels), grown by 20% of its size. */
export function alignedBox(landmarks: readonly { x: number; y: number }[]): FaceRect {
  if (!Array.isArray(landmarks) || landmarks.length === 0)
    throw new ValueError('face.alignedBox: expected a non-empty list of landmark points');
  const xs = landmarks.map((p) => p.x),
    ys = landmarks.map((p) => p.y);
  const x0 = Math.min(...xs),
    y0 = Math.min(...ys),
    w = Math.max(...xs) - x0,
    h = Math.max(...ys) - y0;
  return { x: x0 - 0.1 * w, y: y0 - 0.1 * h, width: 1.2 * w, height: 1.2 * h };
}

/**
 * The pixels face-api's withFaceDescriptors() encodes for a face with 68 landmarks (detect.Face, normalised to an
 * image of w x h): dlib's alignment (a square of side ⌊eye-to-mouth distance / 0.45⌋ placed at 0.5 and 0.43 of its
 * side from the mean of the eye and mouth centres), clipped to the image, floored.
 */
export function faceDescriptorRect(
  face: Face,
  im: { w: number; h: number },
  what = 'face.faceDescriptorRect',
): FaceRect {
  const lm = face?.landmarks;
  if (!Array.isArray(lm) || lm.length !== 68)
    throw new ValueError(
      `${what}: expected 68 landmarks (detect.detectFaces with landmarks), got ${lm?.length ?? 'none'}`,
    );
  // face-api places its landmarks by the detection box's corner, not by the floored corner of the crop they were
  // found in: up to a pixel off, which moves the descriptor by up to 0.1, so do as it does
  const lc = landmarkCrop(face.box, im, what),
    c = toCorners(face.box);
  const dx = c.x1 * im.w - lc.x,
    dy = c.y1 * im.h - lc.y;
  const px = lm.map((p) => ({ x: p.x * im.w + dx, y: p.y * im.h + dy }));
  const centre = (a: number, b: number) => {
    const pts = px.slice(a, b);
    return { x: pts.reduce((s, p) => s + p.x, 0) / pts.length, y: pts.reduce((s, p) => s + p.y, 0) / pts.length };
  };
  const eyeL = centre(36, 42),
    eyeR = centre(42, 48),
    mouth = centre(48, 68);
  const toMouth = (p: { x: number; y: number }) => Math.hypot(mouth.x - p.x, mouth.y - p.y);
  const side = Math.floor((toMouth(eyeL) + toMouth(eyeR)) / 2 / 0.45);
  const ref = { x: (eyeL.x + eyeR.x + mouth.x) / 3, y: (eyeL.y + eyeR.y + mouth.y) / 3 };
  const x = Math.floor(Math.max(0, ref.x - 0.5 * side)),
    y = Math.floor(Math.max(0, ref.y - 0.43 * side));
  // face-api bounds the side by the landmark crop's size plus the corner (its landmarks keep that crop as their image)
  const r = clipFloor(x, y, x + Math.min(side, lc.w + x), y + Math.min(side, lc.h + y), im);
  return { x: r.x, y: r.y, width: r.w, height: r.h };
}

/**
 * A square crop about the face's centre (side: the rect's longer side, kept inside the image), resized to size x size.
 */
export function cropFace(image: Tensor, rect: FaceRect, size = FACE_RECOGNITION_SIZE): Tensor {
  if (!(image instanceof Tensor) || image.rank !== 3)
    throw new ShapeError(
      `face.cropFace: expected an image [H,W,C], got ${image instanceof Tensor ? fmtShape(image.shape) : typeof image}`,
    );
  const [h, w] = image.shape;
  if (![rect?.x, rect?.y, rect?.width, rect?.height].every(Number.isFinite) || rect.width <= 0 || rect.height <= 0) {
    throw new ValueError(`face.cropFace: bad face rectangle ${JSON.stringify(rect)}`);
  }
  const side = Math.max(1, Math.min(Math.round(Math.max(rect.width, rect.height)), h, w));
  const x = Math.min(Math.max(0, Math.round(rect.x + rect.width / 2 - side / 2)), w - side);
  const y = Math.min(Math.max(0, Math.round(rect.y + rect.height / 2 - side / 2)), h - side);
  return resize(crop(image, { x, y, width: side, height: side }), size, size);
}

/**
 * Loads face-api's face_recognition weights: by default from the installed `@vladmandic/face-api`
 * package (Node), or from a folder holding face_recognition_model-weights_manifest.json and its .bin,
 * or from the manifest and bytes themselves.
 */
export async function loadFaceRecognitionNet(
  src?: string | { manifest: WeightsManifestEntry[]; data: Uint8Array | ArrayBuffer },
): Promise<FaceRecognitionNet> {
  const where = 'face.loadFaceRecognitionNet';
  let manifest: WeightsManifestEntry[], data: Uint8Array;
  if (src === undefined || typeof src === 'string') {
    const { readFile } = await nodeImport('node:fs/promises');
    const { join } = await nodeImport('node:path');
    let dir = src;
    if (dir === undefined) {
      const pkg = await packageDir('@vladmandic/face-api');
      if (pkg === undefined) {
        throw new ValueError(
          `${where}: the '@vladmandic/face-api' package is not installed (npm install @vladmandic/face-api), or pass the folder of its weights`,
        );
      }
      dir = join(pkg, 'model');
    }
    try {
      manifest = JSON.parse(await readFile(join(dir!, 'face_recognition_model-weights_manifest.json'), 'utf8'));
    } catch {
      throw new ModelFormatError(`${where}: cannot read face_recognition_model-weights_manifest.json in ${dir}`);
    }
    if (!Array.isArray(manifest)) throw new ModelFormatError(`${where}: the manifest is not a list of weight groups`);
    const parts: Uint8Array[] = [];
    for (const p of manifest.flatMap((g) => g.paths ?? [])) {
      try {
        parts.push(new Uint8Array(await readFile(join(dir!, p))));
      } catch {
        throw new ModelFormatError(`${where}: weight file ${p} is missing in ${dir}`);
      }
    }
    data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((off, p) => {
      data.set(p, off);
      return off + p.length;
    }, 0);
  } else {
    manifest = src.manifest;
    data = src.data instanceof Uint8Array ? src.data : new Uint8Array(src.data);
  }
  const weights = decodeWeights(
    {
      modelTopology: {},
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    },
    where,
  );
  return new FaceRecognitionNet(faceRecognitionModel(weights));
}
