// The reference pipeline of `@vladmandic/face-api` (TF.js) in Node: its tiny face detector and 68
// landmarks find faces, its FaceRecognitionNet computes 128-d descriptors. convkit's own encoder is
// checked against it on the same crops. Run directly to regenerate face-detections.json:
//   node --import tsx examples/data/face-api.ts
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { Tensor } from '../../src/tensor';
import { cropFace } from '../../src/face';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** Folder of the package's weight manifests. */
export const FACE_API_MODELS = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
/** The package's six demo group photos. */
export const FACE_API_PHOTOS = [1, 2, 3, 4, 5, 6].map((i) => join(dirname(FACE_API_MODELS), 'demo', `sample${i}.jpg`));
/** Detections of the package's pipeline on the demo photos, stored so examples and tests need not rerun it. */
export const DETECTIONS_FILE = join(here, 'face-detections.json');

/** One face found by the package: its landmark-aligned box in pixels and detector score. */
export interface FaceDetection {
  box: { x: number; y: number; width: number; height: number };
  score: number;
}
/** The stored detections: photo file name -> faces. */
export type DetectionsFile = Record<string, { width: number; height: number; faces: FaceDetection[] }>;

/** Reads the stored detections of the demo photos. */
export const readDetections = (): DetectionsFile => JSON.parse(readFileSync(DETECTIONS_FILE, 'utf8'));

// Both come from the same CommonJS graph, so face-api sees the TF.js instance we configure.
let loaded: Promise<{ tf: any; faceapi: any }> | null = null;
/** Loads TF.js and face-api once, on the given TF.js backend, with the asked networks' weights (each loaded once). */
export function loadFaceApi(
  backend: 'cpu' | 'wasm' = 'cpu',
  nets: ('detector' | 'recognition')[] = ['recognition'],
): Promise<{ tf: any; faceapi: any }> {
  loaded ??= (async () => {
    const tf = require('@tensorflow/tfjs');
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    return { tf, faceapi };
  })();
  return loaded.then(async (r) => {
    // a backend must be ready before weights load (they become tensors)
    if (r.tf.getBackend() !== backend) {
      await r.tf.setBackend(backend);
      await r.tf.ready();
    }
    const want = nets.flatMap((n) =>
      n === 'detector'
        ? [r.faceapi.nets.tinyFaceDetector, r.faceapi.nets.faceLandmark68Net]
        : [r.faceapi.nets.faceRecognitionNet],
    );
    for (const net of want) if (!net.isLoaded) await net.loadFromDisk(FACE_API_MODELS);
    return r;
  });
}

/** The package's descriptors for 150x150 RGB crops (0..255) [N,150,150,3], one Float32Array each. */
export async function faceApiDescriptors(crops: Tensor, backend: 'cpu' | 'wasm' = 'cpu'): Promise<Float32Array[]> {
  const { tf, faceapi } = await loadFaceApi(backend);
  const out: Float32Array[] = [];
  const size = crops.shape[1] * crops.shape[2] * 3;
  for (let i = 0; i < crops.shape[0]; i++) {
    const t = tf.tensor3d(crops.data.subarray(i * size, (i + 1) * size), crops.shape.slice(1));
    out.push(await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t));
    t.dispose();
  }
  return out;
}

/** A square crop of a face about its box's centre, resized to size x size (face.cropFace). */
export const faceCrop = (image: Tensor, box: FaceDetection['box'], size = 150): Tensor => cropFace(image, box, size);

/** Runs the package's detector and landmarks on the demo photos and writes face-detections.json. */
async function regenerate(): Promise<void> {
  const { tf, faceapi } = await loadFaceApi('cpu', ['detector', 'recognition']);
  const jpeg = require('jpeg-js');
  const out: DetectionsFile = {};
  for (const file of FACE_API_PHOTOS) {
    const img = jpeg.decode(readFileSync(file), { useTArray: true });
    const rgb = new Int32Array(img.width * img.height * 3);
    for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = img.data[i * 4 + c];
    const t = tf.tensor3d(rgb, [img.height, img.width, 3], 'int32');
    const res = await faceapi
      .detectAllFaces(t, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))
      .withFaceLandmarks();
    t.dispose();
    const name = file.split(/[\\/]/).pop()!;
    out[name] = {
      width: img.width,
      height: img.height,
      faces: res
        .map((r: any) => {
          const b = r.alignedRect.box;
          return {
            box: { x: +b.x.toFixed(2), y: +b.y.toFixed(2), width: +b.width.toFixed(2), height: +b.height.toFixed(2) },
            score: +r.detection.score.toFixed(4),
          };
        })
        .sort((a: FaceDetection, b: FaceDetection) => a.box.x - b.box.x),
    };
    console.log(`${name}: ${out[name].faces.length} faces`);
  }
  writeFileSync(DETECTIONS_FILE, JSON.stringify(out, null, 1) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  regenerate().catch((e) => {
    console.error(e);
    process.exit(1);
  });
