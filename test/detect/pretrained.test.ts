// face-api's pretrained tiny face detector and 68-point landmark nets rebuilt in convkit, checked
// against the package's own pipeline on TF.js (cpu): raw network outputs live on the same inputs,
// and the faces of all six demo photos against the stored run of the whole pipeline
// (examples/data/face-api-detect.json: same count, box IoU ≥ 0.9, landmarks within 1% of the crop).
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { init, detect, io, vision, Tensor, ShapeError, ValueError, ModelFormatError } from '../../src';
import { DEMO_PHOTOS, readReference, loadFaceApi, toTf } from '../../examples/data/face-api-detect';

let det: detect.TinyFaceDetector;
let lm: detect.FaceLandmarks68;
const photos: Tensor[] = [];

beforeAll(async () => {
  await init();
  det = await detect.tinyFaceDetector();
  lm = await detect.faceLandmarks68();
  for (const f of DEMO_PHOTOS) photos.push(await io.readImage(f, { channels: 3 }));
}, 60_000);

const cropOf = (img: Tensor, r: { x: number; y: number; width: number; height: number }) => vision.crop(img, r);

describe('detect.tinyFaceDetector / faceLandmarks68 against face-api on TF.js (live)', () => {
  it("the detector network gives the raw outputs of face-api's, columns in the notes' order", async () => {
    const { tf, faceapi } = await loadFaceApi('cpu');
    const img = photos[1];
    for (const size of [160]) {
      const t = toTf(tf, img);
      const ref = await faceapi.nets.tinyFaceDetector.forward(t, size);
      const want = ref.dataSync() as Float32Array;
      t.dispose();
      ref.dispose();
      const got = det.forward(img, size); // [S, S, 5, 5]: [t_o, t_x, t_y, t_h, t_w] per anchor
      const S = size / 32;
      expect(got.shape).toEqual([S, S, 5, 5]);
      const FROM = [4, 0, 1, 3, 2];
      let worst = 0,
        scale = 0;
      for (let i = 0; i < S * S * 5; i++)
        for (let j = 0; j < 5; j++) {
          worst = Math.max(worst, Math.abs(got.data[i * 5 + j] - want[i * 5 + FROM[j]]));
          scale = Math.max(scale, Math.abs(want[i * 5 + FROM[j]]));
        }
      expect(scale).toBeGreaterThan(1);
      expect(worst).toBeLessThan(1e-3 * scale);
    }
  }, 60_000);

  it("both landmark nets give face-api's points on face crops (odd and even sizes)", async () => {
    const { tf, faceapi } = await loadFaceApi('cpu');
    const tiny = await detect.faceLandmarks68({ tiny: true });
    const img = photos[0];
    const rects = [
      { x: 776, y: 445, width: 313, height: 256 },
      { x: 1421, y: 215, width: 300, height: 307 },
    ];
    for (const [net, ref] of [
      [lm, faceapi.nets.faceLandmark68Net],
      [tiny, faceapi.nets.faceLandmark68TinyNet],
    ] as const) {
      for (const r of rects) {
        const c = cropOf(img, r);
        const t = toTf(tf, c);
        const want = (await ref.detectLandmarks(t)).positions as { x: number; y: number }[];
        t.dispose();
        const got = net.predict(c, [{ x1: 0, y1: 0, x2: 1, y2: 1 }])[0];
        expect(got).toHaveLength(68);
        const err = Math.max(...got.map((p, i) => Math.hypot(p.x * r.width - want[i].x, p.y * r.height - want[i].y)));
        expect(err).toBeLessThan(0.5);
      }
    }
  }, 60_000);
});

describe("detect.detectFaces on the six demo photos against face-api's pipeline (stored)", () => {
  const ref = readReference();

  it('the same faces: count, box IoU ≥ 0.9, scores, landmarks within 1% of the crop', async () => {
    let faces = 0,
      minIou = 1,
      maxLm = 0;
    for (let k = 0; k < photos.length; k++) {
      const img = photos[k];
      const want = ref[DEMO_PHOTOS[k].split(/[\\/]/).pop()!];
      expect([img.shape[1], img.shape[0]]).toEqual([want.width, want.height]);
      const got = await detect.detectFaces(img);
      expect(got.length).toBe(want.faces.length);
      expect(got.length).toBeGreaterThan(0);
      // pair each reference face with the detection overlapping it most
      const used = new Set<number>();
      for (const w of want.faces) {
        let best = -1,
          bestIou = 0;
        got.forEach((g, i) => {
          const v = detect.iou(g.box, w.box);
          if (!used.has(i) && v > bestIou) {
            best = i;
            bestIou = v;
          }
        });
        expect(best).toBeGreaterThanOrEqual(0);
        used.add(best);
        const g = got[best];
        minIou = Math.min(minIou, bestIou);
        expect(bestIou).toBeGreaterThanOrEqual(0.9);
        expect(Math.abs(g.score - w.score)).toBeLessThan(0.01);
        const side = Math.max(w.box.w * want.width, w.box.h * want.height);
        const err = Math.max(
          ...g.landmarks!.map((p, i) =>
            Math.hypot((p.x - w.landmarks![i].x) * want.width, (p.y - w.landmarks![i].y) * want.height),
          ),
        );
        maxLm = Math.max(maxLm, err / side);
        expect(err).toBeLessThan(0.01 * side);
        faces++;
      }
      for (let i = 1; i < got.length; i++) expect(got[i].score).toBeLessThanOrEqual(got[i - 1].score);
    }
    expect(faces).toBe(Object.values(ref).reduce((a, r) => a + r.faces.length, 0));
    expect(minIou).toBeGreaterThan(0.9);
    expect(maxLm).toBeLessThan(0.01);
  }, 120_000);

  it('thresholds change what is found; landmarks can be left out', async () => {
    const img = photos[0];
    const all = await detect.detectFaces(img, { landmarks: false, scoreThreshold: 0.05 });
    const strict = await detect.detectFaces(img, { landmarks: false });
    expect(all.length).toBeGreaterThan(strict.length);
    expect(strict.every((f) => f.landmarks === undefined && f.score > 0.5)).toBe(true);
    // a smaller input finds faces too, at other scores
    const small = await detect.detectFaces(img, { landmarks: false, inputSize: 320, scoreThreshold: 0.3 });
    expect(small.length).toBeGreaterThan(0);
  }, 60_000);

  it('an image without faces gives an empty list; boxes outside the image give no landmarks', async () => {
    const grey = new Tensor(new Float32Array(200 * 300 * 3).fill(128), [200, 300, 3]);
    expect(await detect.detectFaces(grey)).toEqual([]);
    const pts = lm.predict(photos[0], [
      { x1: 1.2, y1: 0.1, x2: 1.5, y2: 0.3 },
      { x: 0.5, y: 0.5, w: 0.1, h: 0.1 },
    ]);
    expect(pts[0]).toEqual([]);
    expect(pts[1]).toHaveLength(68);
  });
});

describe('bad input', () => {
  it('images and options', () => {
    expect(() => det.detect(new Tensor(new Float32Array(16), [4, 4]))).toThrow(ShapeError);
    expect(() => det.detect(new Tensor(new Float32Array(64), [4, 4, 4]))).toThrow(
      /TinyFaceDetector.detect: expected an RGB image \[H, W, 3\], got \[4,4,4\]|TinyFaceDetector.detect: expected an RGB image/,
    );
    expect(() => det.detect(photos[1], { inputSize: 100 })).toThrow(ValueError);
    expect(() => det.detect(photos[1], { scoreThreshold: 1.5 })).toThrow(/scoreThreshold/);
    expect(() => det.detect(photos[1], { iouThreshold: 0 })).toThrow(/iouThreshold/);
    expect(() => lm.predict(photos[1], [{ x: NaN, y: 0, w: 1, h: 1 }])).toThrow(ValueError);
  });

  it('missing or corrupt weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-faces-'));
    try {
      await expect(detect.tinyFaceDetector({ from: dir })).rejects.toThrow(ModelFormatError);
      writeFileSync(join(dir, 'tiny_face_detector_model-weights_manifest.json'), '{ not json');
      await expect(detect.tinyFaceDetector({ from: dir })).rejects.toThrow(/not valid JSON/);
      // the real manifest with a truncated shard
      const src = join(dirname(DEMO_PHOTOS[0]), '..', 'model');
      writeFileSync(
        join(dir, 'tiny_face_detector_model-weights_manifest.json'),
        readFileSync(join(src, 'tiny_face_detector_model-weights_manifest.json')),
      );
      writeFileSync(
        join(dir, 'tiny_face_detector_model.bin'),
        readFileSync(join(src, 'tiny_face_detector_model.bin')).subarray(0, 1000),
      );
      await expect(detect.tinyFaceDetector({ from: dir })).rejects.toThrow(/truncated/);
      // another network's weights: the first missing tensor is named
      writeFileSync(
        join(dir, 'tiny_face_detector_model-weights_manifest.json'),
        readFileSync(join(src, 'face_landmark_68_tiny_model-weights_manifest.json')),
      );
      writeFileSync(
        join(dir, 'face_landmark_68_tiny_model.bin'),
        readFileSync(join(src, 'face_landmark_68_tiny_model.bin')),
      );
      await expect(detect.tinyFaceDetector({ from: dir })).rejects.toThrow(/no tensor 'conv0\/filters'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
