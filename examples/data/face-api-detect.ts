// The reference for detect.detectFaces: `@vladmandic/face-api`'s own pipeline (tiny face detector,
// 68-point landmarks) on TensorFlow.js in Node, with its results in convkit's Face format (boxes
// and points normalised to the image, centre-form boxes). Its faces on the six demo photos are
// stored in face-api-detect.json because the pipeline needs 10-20 s per photo here. Regenerate with
//   node --import tsx examples/data/face-api-detect.ts
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Tensor } from '../../src/tensor';
import type { Face } from '../../src/detect';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const PACKAGE = dirname(require.resolve('@vladmandic/face-api/package.json'));

/** The package's six demo group photos. */
export const DEMO_PHOTOS = [1, 2, 3, 4, 5, 6].map((i) => join(PACKAGE, 'demo', `sample${i}.jpg`));
/** Where the reference faces are stored. */
export const REFERENCE_FILE = join(here, 'face-api-detect.json');
/** Stored reference: photo file name -> its size and faces (as face-api orders them, best first). */
export type ReferenceFile = Record<string, { width: number; height: number; faces: Face[] }>;

/** Reads the stored reference faces. */
export const readReference = (): ReferenceFile => JSON.parse(readFileSync(REFERENCE_FILE, 'utf8'));

let loaded: Promise<{ tf: any; faceapi: any }> | null = null;
/** TF.js and face-api with the tiny face detector and both landmark nets loaded, on the given backend. */
export async function loadFaceApi(backend: 'cpu' | 'wasm' = 'cpu'): Promise<{ tf: any; faceapi: any }> {
  loaded ??= (async () => {
    // one CommonJS graph, so face-api uses the TF.js instance configured here
    const tf = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-wasm').setWasmPaths(
      join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/',
    );
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    // a backend must be ready before weights load (they become tensors)
    await tf.setBackend(backend);
    await tf.ready();
    const models = join(PACKAGE, 'model');
    await faceapi.nets.tinyFaceDetector.loadFromDisk(models);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(models);
    await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(models);
    return { tf, faceapi };
  })();
  const r = await loaded;
  if (r.tf.getBackend() !== backend) {
    if (!(await r.tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialise`);
    await r.tf.ready();
  }
  return r;
}

/** An RGB image (0-255) [H, W, 3] as a TF.js int32 tensor (what face-api's Node demos pass). */
export function toTf(tf: any, img: Tensor): any {
  return tf.tensor3d(Int32Array.from(img.data, Math.round), img.shape, 'int32');
}

/** face-api's faces for an image, in convkit's Face format; landmarks from the full or tiny net, or none. */
export async function faceApiFaces(
  img: Tensor,
  opts: { backend?: 'cpu' | 'wasm'; inputSize?: number; landmarks?: 'full' | 'tiny' | false } = {},
): Promise<Face[]> {
  const { tf, faceapi } = await loadFaceApi(opts.backend ?? 'cpu');
  const [h, w] = img.shape;
  const t = toTf(tf, img);
  try {
    const task = faceapi.detectAllFaces(
      t,
      new faceapi.TinyFaceDetectorOptions({ inputSize: opts.inputSize ?? 416, scoreThreshold: 0.5 }),
    );
    const lm = opts.landmarks ?? 'full';
    const res: any[] =
      lm === false ? (await task).map((d: any) => ({ detection: d })) : await task.withFaceLandmarks(lm === 'tiny');
    return res.map((r) => {
      const b = r.detection.box;
      const face: Face = {
        box: { x: (b.x + b.width / 2) / w, y: (b.y + b.height / 2) / h, w: b.width / w, h: b.height / h },
        score: r.detection.score,
      };
      if (r.landmarks) face.landmarks = r.landmarks.positions.map((p: any) => ({ x: p.x / w, y: p.y / h }));
      return face;
    });
  } finally {
    t.dispose();
  }
}

/** Runs face-api on the demo photos (TF.js cpu) and writes face-api-detect.json. */
async function regenerate(): Promise<void> {
  const { readImage } = await import('../../src/io');
  const out: ReferenceFile = {};
  const r5 = (v: number) => Math.round(v * 1e6) / 1e6;
  for (const file of DEMO_PHOTOS) {
    const img = await readImage(file, { channels: 3 });
    const faces = await faceApiFaces(img);
    const name = file.split(/[\\/]/).pop()!;
    out[name] = {
      width: img.shape[1],
      height: img.shape[0],
      faces: faces.map((f) => ({
        box: { x: r5(f.box.x), y: r5(f.box.y), w: r5(f.box.w), h: r5(f.box.h) },
        score: r5(f.score),
        landmarks: f.landmarks!.map((p) => ({ x: r5(p.x), y: r5(p.y) })),
      })),
    };
    console.log(`${name}: ${faces.length} faces`);
  }
  writeFileSync(REFERENCE_FILE, JSON.stringify(out) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  regenerate().catch((e) => {
    console.error(e);
    process.exit(1);
  });
