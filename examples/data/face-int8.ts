// face-api's three nets quantised (quantize(): int8 weights per channel, uint8 activations calibrated on the first
// photos) against their float selves on the six demo photos: the tiny face detector (same faces, box IoU), the
// 68-point landmarks (point error over the face's side, on the float boxes), the 128-d recogniser (descriptor
// distance, on the float pipeline's aligned crops), and the whole int8 pipeline against the whole float one.
// Shared by test/quantize/face.test.ts (which asserts the targets) and bench/face-int8.ts (which also times the nets).
import { detect, face, io, quantize, Tensor } from '../../src';
import type { Model, QuantizedModel, QuantizeOptions } from '../../src';
import { DEMO_PHOTOS } from './face-api-detect';

/** The three nets of the face pipeline. */
export interface FaceNets {
  det: detect.TinyFaceDetector;
  lm: detect.FaceLandmarks68;
  rec: face.FaceRecognitionNet;
}

/** What one photo gives: faces (boxes normalised to the image, landmarks) and one descriptor per face. */
export interface PipelineResult {
  faces: detect.Face[];
  descriptors: Float32Array[];
}

/** The six demo photos, RGB 0-255. */
export const readPhotos = (): Promise<Tensor[]> =>
  Promise.all(DEMO_PHOTOS.map((f) => io.readImage(f, { channels: 3 })));

/** The float nets (full landmark net). */
export async function floatFaceNets(): Promise<FaceNets> {
  return {
    det: await detect.tinyFaceDetector(),
    lm: await detect.faceLandmarks68(),
    rec: await face.loadFaceRecognitionNet(),
  };
}

/** o with its network swapped (the wrappers' preprocessing and decoding kept). */
export const withModel = <T extends { model: Model }>(o: T, m: Model): T =>
  Object.assign(Object.create(Object.getPrototypeOf(o)), o, { model: m });

/** The tensors a wrapper feeds its network while f runs (its own preprocessing: crops, padding, normalisation). */
function fedTo<T extends { model: Model }>(o: T, f: (o: T) => unknown): Tensor {
  const seen: Tensor[] = [];
  const spy = { predict: (x: Tensor) => (seen.push(x), o.model.predict(x)) } as unknown as Model;
  f(withModel(o, spy));
  const per = seen[0].size / seen[0].shape[0];
  const data = new Float32Array(seen.reduce((a, t) => a + t.size, 0));
  seen.reduce((off, t) => (data.set(t.data, off), off + t.size), 0);
  return new Tensor(data, [data.length / per, ...seen[0].shape.slice(1)]);
}

/** Face crops for the recogniser: the landmarks' aligned box (face-api's), square, 150x150. */
function alignedCrops(img: Tensor, faces: detect.Face[]): Tensor[] {
  const [h, w] = img.shape;
  return faces.map((f) => face.cropFace(img, face.alignedBox(f.landmarks!.map((p) => ({ x: p.x * w, y: p.y * h })))));
}

const stack = (ts: Tensor[]): Tensor => {
  const data = new Float32Array(ts.reduce((a, t) => a + t.size, 0));
  ts.reduce((off, t) => (data.set(t.data, off), off + t.size), 0);
  return new Tensor(data, [ts.length, ...ts[0].shape]);
};

/** Detector, then landmarks on its boxes, then descriptors of the aligned crops (face-api's pipeline, 416 input). */
export function runPipeline(nets: FaceNets, img: Tensor): PipelineResult {
  const found = nets.det.detect(img, { inputSize: 416, scoreThreshold: 0.5 });
  const pts = nets.lm.predict(
    img,
    found.map((f) => f.box),
  );
  const faces = found.map((f, i) => ({ ...f, landmarks: pts[i] }));
  if (!faces.length) return { faces, descriptors: [] };
  const d = nets.rec.descriptors(stack(alignedCrops(img, faces)));
  return { faces, descriptors: faces.map((_, i) => d.data.slice(i * 128, (i + 1) * 128)) };
}

/** What each net is fed on these photos by the float pipeline: detector inputs, landmark crops, recogniser crops. */
export function networkInputs(nets: FaceNets, photos: Tensor[]): Record<keyof FaceNets, Tensor> {
  const det = stack(photos.map((img) => nets.det.preprocess(img, 416)).map((t) => t.reshape(t.shape.slice(1))));
  const results = photos.map((img) => runPipeline(nets, img));
  const lm = fedTo(nets.lm, (wrapped) =>
    photos.forEach((img, k) =>
      wrapped.predict(
        img,
        results[k].faces.map((f) => f.box),
      ),
    ),
  );
  const rec = nets.rec.preprocess(stack(photos.flatMap((img, k) => alignedCrops(img, results[k].faces))));
  return { det, lm, rec };
}

/** The names of a net's residual Add layers (for quantize's skip: those adds stay float). */
export const addLayers = (m: Model): string[] => m.layers.filter((l) => l.className === 'Add').map((l) => l.name);

/**
 * The three nets quantised, each calibrated on what its float self is fed on the calibration photos; skip and
 * options (quantize's other options) per net.
 */
export function quantizeFaceNets(
  nets: FaceNets,
  calibration: Tensor[],
  skip: Partial<Record<keyof FaceNets, string[]>> = {},
  options: Partial<Record<keyof FaceNets, Omit<QuantizeOptions, 'calibration' | 'skip'>>> = {},
): { int8: FaceNets; models: Record<keyof FaceNets, QuantizedModel> } {
  const cal = networkInputs(nets, calibration);
  const models = {
    det: quantize(nets.det.model, { calibration: cal.det, skip: skip.det, ...options.det }),
    lm: quantize(nets.lm.model, { calibration: cal.lm, skip: skip.lm, ...options.lm }),
    rec: quantize(nets.rec.model, { calibration: cal.rec, skip: skip.rec, ...options.rec }),
  };
  const int8: FaceNets = {
    det: withModel(nets.det, models.det),
    lm: withModel(nets.lm, models.lm),
    rec: new face.FaceRecognitionNet(models.rec),
  };
  return { int8, models };
}

/** Euclidean distance (face-api's descriptor distance; it matches faces below 0.6). */
export const euclid = (a: Float32Array, b: Float32Array): number => Math.hypot(...a.map((v, i) => v - b[i]));

/** The int8 nets against the float ones on the photos: worst cases over all faces. */
export interface FaceInt8Report {
  /** Faces the float pipeline finds, over all photos. */
  faces: number;
  /** Photos where the int8 detector finds another number of faces, or a face with no int8 box overlapping by 0.5. */
  mismatched: string[];
  /** Smallest IoU of a float box with its int8 box (the detector's; the landmarks do not move boxes). */
  minIou: number;
  /** Largest landmark error of the int8 landmark net on the float boxes, over the face's side. */
  maxLandmark: number;
  /** Largest descriptor distance, int8 recogniser against float on the same crops. */
  maxDescriptor: number;
  /** Largest descriptor distance, whole int8 pipeline against whole float pipeline (matched faces). */
  maxPipelineDescriptor: number;
}

/** Compares float and int8 nets face by face on the photos. */
export function compareFaceNets(float: FaceNets, int8: FaceNets, photos: Tensor[]): FaceInt8Report {
  const r: FaceInt8Report = {
    faces: 0,
    mismatched: [],
    minIou: 1,
    maxLandmark: 0,
    maxDescriptor: 0,
    maxPipelineDescriptor: 0,
  };
  photos.forEach((img, k) => {
    const name = DEMO_PHOTOS[k].split(/[\\/]/).pop()!;
    const [h, w] = img.shape;
    const f = runPipeline(float, img),
      all = runPipeline(int8, img);
    r.faces += f.faces.length;
    // best-overlapping int8 box of each float box, each used once
    const pair = (got: detect.Face[]) => {
      const used = new Set<number>();
      return f.faces.map((want) => {
        let best = -1,
          bestIou = 0;
        got.forEach((g, i) => {
          const v = detect.iou(g.box, want.box);
          if (!used.has(i) && v > bestIou) [best, bestIou] = [i, v];
        });
        used.add(best);
        return { best, iou: bestIou };
      });
    };
    // the int8 pipeline's faces are the int8 detector's
    const pp = pair(all.faces);
    if (all.faces.length !== f.faces.length || pp.some((p) => p.iou < 0.5)) r.mismatched.push(name);
    pp.forEach((p, i) => {
      r.minIou = Math.min(r.minIou, p.iou);
      if (p.best >= 0)
        r.maxPipelineDescriptor = Math.max(r.maxPipelineDescriptor, euclid(all.descriptors[p.best], f.descriptors[i]));
    });
    if (!f.faces.length) return;
    const pts = int8.lm.predict(
      img,
      f.faces.map((x) => x.box),
    );
    f.faces.forEach((x, i) => {
      const side = Math.max(x.box.w * w, x.box.h * h);
      for (let p = 0; p < 68; p++) {
        const e = Math.hypot((pts[i][p].x - x.landmarks![p].x) * w, (pts[i][p].y - x.landmarks![p].y) * h);
        r.maxLandmark = Math.max(r.maxLandmark, e / side);
      }
    });
    const d = int8.rec.descriptors(stack(alignedCrops(img, f.faces)));
    f.descriptors.forEach((want, i) => {
      r.maxDescriptor = Math.max(r.maxDescriptor, euclid(d.data.slice(i * 128, (i + 1) * 128), want));
    });
  });
  return r;
}
