// face-api's FaceRecognitionNet rebuilt with convkit layers against the package's own TF.js (cpu)
// descriptors for the same 150x150 crops of a demo photo (faces found by the package's detector).
// faceDescriptors against its whole pipeline (detector, landmarks, descriptors) on TF.js wasm.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init,
  backend,
  detect,
  face,
  io,
  ops,
  Tensor,
  ModelFormatError,
  ShapeError,
  ValueError,
} from '../../src/index';
import {
  readDetections,
  FACE_API_PHOTOS,
  faceCrop,
  faceApiDescriptors,
  loadFaceApi,
} from '../../examples/data/face-api';

let net: face.FaceRecognitionNet;
let crops: Tensor;
beforeAll(async () => {
  await init();
  net = await face.loadFaceRecognitionNet();
  const img = await io.readImage(FACE_API_PHOTOS[0]);
  crops = ops.concat(
    readDetections()['sample1.jpg'].faces.map((f) => faceCrop(img, f.box).reshape([1, 150, 150, 3])),
    0,
  );
}, 30_000);

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return d / Math.sqrt(na * nb);
};

describe('face.loadFaceRecognitionNet', () => {
  it("has face-api's shapes and parameter count", () => {
    expect(net.model.outputs[0].shape).toEqual([null, 128]);
    // every weight of the manifest, with bias and scale folded into one bias per conv
    const convs = net.model.layers.filter((l) => l.className === 'Conv2D');
    expect(convs.length).toBe(1 + 2 * 14);
    expect(net.model.countParams()).toBe(
      7 * 7 * 3 * 32 + 32 + convs.slice(1).reduce((a, l) => a + l.countParams(), 0) + 256 * 128,
    );
  });

  it("matches the package's descriptors on TF.js cpu for the same crops (each value within 1e-3)", async () => {
    // two faces keep TF.js's cpu backend under 10 s
    const two = ops.slice(crops, [0, 0, 0, 0], [2, 150, 150, 3]);
    const ours = net.descriptors(two);
    const theirs = await faceApiDescriptors(two, 'cpu');
    expect(ours.shape).toEqual([2, 128]);
    theirs.forEach((t, i) => {
      const o = ours.data.subarray(i * 128, (i + 1) * 128);
      for (let k = 0; k < 128; k++) expect(Math.abs(o[k] - t[k])).toBeLessThan(1e-3);
      expect(cosine(o, t)).toBeGreaterThan(0.9999);
    });
    // different people are far apart (face-api's own rule: ‖·‖ < 0.6 means the same person)
    expect(Math.sqrt(face.distance(ours.data.subarray(0, 128), ours.data.subarray(128, 256)).item())).toBeGreaterThan(
      0.6,
    );
  }, 30_000);

  it('gives the same descriptor on every backend and resizes other crop sizes', () => {
    const one = ops.slice(crops, [0, 0, 0, 0], [1, 150, 150, 3]);
    const [js, wasm, simd] = (['js', 'wasm', 'wasm-simd'] as const).map((b) =>
      backend.with(b, () => net.descriptors(one)),
    );
    for (const other of [wasm, simd])
      for (let k = 0; k < 128; k++) expect(Math.abs(other.data[k] - js.data[k])).toBeLessThan(1e-4);
    const big = net.descriptors(ops.slice(crops, [0, 0, 0, 0], [1, 149, 149, 3]));
    expect(cosine(big.data, simd.data)).toBeGreaterThan(0.98);
    expect(() => net.descriptors(ops.slice(crops, [0, 0, 0, 0], [1, 150, 150, 1]))).toThrow(ShapeError);
  }, 30_000);

  it("rejects a folder whose weights are not face-api's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facenet-'));
    await expect(face.loadFaceRecognitionNet(dir)).rejects.toThrow(ModelFormatError);
    writeFileSync(
      join(dir, 'face_recognition_model-weights_manifest.json'),
      JSON.stringify([{ paths: ['w.bin'], weights: [{ name: 'fc', shape: [2, 2], dtype: 'float32' }] }]),
    );
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(16));
    await expect(face.loadFaceRecognitionNet(dir)).rejects.toThrow(/conv32_down\/conv\/filters' is missing/);
  });
});

describe('FaceRecognitionNet.faceDescriptors', () => {
  it("gives face-api's withFaceDescriptors() crops and descriptors for the faces detectFaces finds", async () => {
    const { tf, faceapi } = await loadFaceApi('wasm', ['detector', 'recognition']);
    const img = await io.readImage(FACE_API_PHOTOS[2], { channels: 3 });
    const [h, w] = img.shape;
    const t = tf.tensor3d(Int32Array.from(img.data, Math.round), img.shape, 'int32');
    const theirs: any[] = await faceapi
      .detectAllFaces(t, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))
      .withFaceLandmarks()
      .withFaceDescriptors();
    t.dispose();
    const faces = await detect.detectFaces(img, { inputSize: 416 });
    const ours = net.faceDescriptors(img, faces);
    expect(ours.shape).toEqual([faces.length, 128]);
    expect(theirs.length).toBe(faces.length);
    expect(faces.length).toBeGreaterThan(1);
    for (const r of theirs) {
      const b = r.detection.box;
      const i = faces.findIndex((f) => Math.abs((f.box.x - f.box.w / 2) * w - b.x) < 1);
      expect(i).toBeGreaterThanOrEqual(0);
      // the dlib-aligned square, clipped: the pixels face-api encodes
      const want = r.landmarks.align(null, { useDlibAlignment: true }).clipAtImageBorders(w, h);
      expect(face.faceDescriptorRect(faces[i], { w, h })).toEqual({
        x: want.x,
        y: want.y,
        width: want.width,
        height: want.height,
      });
      const d = ours.data.subarray(128 * i, 128 * (i + 1));
      for (let k = 0; k < 128; k++) expect(Math.abs(d[k] - r.descriptor[k])).toBeLessThan(1e-3);
    }
  }, 60_000);

  it('gives zeros for a face with no pixels, an empty list for no faces, and rejects faces without landmarks', async () => {
    const img = await io.readImage(FACE_API_PHOTOS[1], { channels: 3 });
    const [f] = await detect.detectFaces(img);
    // all points on one spot: a square of side 0
    const flat = { ...f, landmarks: f.landmarks!.map(() => f.landmarks![0]) };
    const d = net.faceDescriptors(img, [flat, f]);
    expect(d.shape).toEqual([2, 128]);
    expect(Array.from(d.data.subarray(0, 128)).every((v) => v === 0)).toBe(true);
    expect(Array.from(d.data.subarray(128)).some((v) => v !== 0)).toBe(true);
    expect(net.faceDescriptors(img, []).shape).toEqual([0, 128]);
    expect(() => net.faceDescriptors(img, [{ box: f.box, score: f.score }])).toThrow(ValueError);
    expect(() => net.faceDescriptors(img, [{ box: f.box, score: f.score }])).toThrow(
      /FaceRecognitionNet.faceDescriptors: face 0: expected 68 landmarks/,
    );
    expect(() => net.faceDescriptors(new Tensor(new Float32Array(16), [4, 4]), [f])).toThrow(ShapeError);
  }, 30_000);
});
