// Object detection, both ways: a small YOLO learns the synthetic shapes of detect.datasets.shapes
// from scratch (grid, k-means anchors, 3 classes), and face-api's pretrained tiny face detector and
// 68-point landmark net, rebuilt in convkit, find the faces in its six real group photos.
// Run alone: node --import tsx examples/detect.ts [--quick] [--out DIR]
import { join } from 'node:path';
import { fileLog } from './log';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { init, detect, layers, ops, vision, io, optimizers, callbacks, Sequential, Tensor } from '../src';
import type { BackendName } from '../src';
import { DEMO_PHOTOS } from './data/face-api-detect';

/** Options of runDetect. */
export interface DetectJobOptions {
  out: string;
  log: (s: string) => void;
  /** Fewer images and epochs (a smoke run; mAP is lower). */
  quick?: boolean;
  seed?: number;
  epochs?: number;
  backend?: BackendName;
}

/** What runDetect returns: held-out mAP@0.5 of the YOLO, faces found in the photos, files and folders written. */
export interface DetectJobResult {
  map: number;
  perClass: number[];
  faces: number;
  files: string[];
}

const SIZE = 48,
  GRID = 6;
// detections drawn in the pictures (and in the demo page) score above this; NMS overlap threshold
const DRAW_SCORE = 0.4,
  IOU = 0.45;

/** Folder (inside `out`) of the saved YOLO; the demo server mounts out/yolo-shapes. */
export const YOLO_DIR = 'yolo-shapes';

/** What a reader of the saved YOLO needs beside model.json to decode its output (`yolo.json`). */
export interface YoloMeta {
  /** Anchor sizes { w, h } in grid cells, in the order of the head's anchor axis. */
  anchors: detect.Size[];
  grid: number;
  classes: number;
  classNames: string[];
  /** Input side in pixels (images are [size, size, 3], values in [0, 1]). */
  size: number;
  /** The decode options runDetect draws its pictures with. */
  scoreThreshold: number;
  iouThreshold: number;
}

/** The small YOLO: three conv + pool stages (48 → 6), a 3x3 conv and a 1x1 head of A·(5 + C) numbers per cell. */
export function yoloNet(anchors: number, classes: number, seed: number): Sequential {
  return new Sequential([
    layers.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      inputShape: [SIZE, SIZE, 3],
      seed,
    }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', seed: seed + 1 }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', seed: seed + 2 }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 48, kernelSize: 3, padding: 'same', activation: 'relu', seed: seed + 3 }),
    layers.conv2d({ filters: anchors * (5 + classes), kernelSize: 1, seed: seed + 9 }),
  ]);
}

/** Saves the YOLO (TF.js Layers files) and its yolo.json into `dir`; returns `dir`. */
export async function saveYolo(
  net: Sequential,
  dir: string,
  meta: Omit<YoloMeta, 'grid' | 'size' | 'scoreThreshold' | 'iouThreshold'>,
): Promise<string> {
  await io.save(net, dir);
  const full: YoloMeta = { ...meta, grid: GRID, size: SIZE, scoreThreshold: DRAW_SCORE, iouThreshold: IOU };
  writeFileSync(join(dir, 'yolo.json'), JSON.stringify(full, null, 2));
  return dir;
}

/**
 * Seeded shuffled batches for fit: half the images mirrored left-right (boxes follow: x → 1 − x),
 * which doubles the data for free (every class is symmetric about a vertical axis), with YOLO
 * targets encoded per batch, [n, S, S, A·(5 + C)] to match the conv head.
 */
function* flippedBatches(
  x: Tensor,
  objects: detect.ShapeObject[][],
  o: { batchSize: number; seed: number; anchors: detect.Size[]; classes: number },
): Generator<{ xs: Tensor; ys: Tensor }> {
  const n = x.shape[0],
    per = SIZE * SIZE * 3,
    cell = GRID * GRID * o.anchors.length * (5 + o.classes);
  const rng = ops.rng(o.seed);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let b = 0; b < n; b += o.batchSize) {
    const idx = order.slice(b, b + o.batchSize);
    const xs = new Float32Array(idx.length * per),
      ys = new Float32Array(idx.length * cell);
    idx.forEach((src, k) => {
      const img = x.data.subarray(src * per, (src + 1) * per);
      const flip = rng.next() < 0.5;
      if (!flip) xs.set(img, k * per);
      else
        for (let r = 0; r < SIZE; r++)
          for (let c = 0; c < SIZE; c++)
            for (let ch = 0; ch < 3; ch++)
              xs[k * per + (r * SIZE + c) * 3 + ch] = img[(r * SIZE + SIZE - 1 - c) * 3 + ch];
      const obs = flip ? objects[src].map((ob) => ({ ...ob, box: { ...ob.box, x: 1 - ob.box.x } })) : objects[src];
      ys.set(detect.yolo.encode(obs, { grid: GRID, anchors: o.anchors, classes: o.classes }).data, k * cell);
    });
    yield {
      xs: new Tensor(xs, [idx.length, SIZE, SIZE, 3]),
      ys: new Tensor(ys, [idx.length, GRID, GRID, cell / (GRID * GRID)]),
    };
  }
}

/** Trains the shapes YOLO, reports its mAP on held-out images, runs the face detector; writes PNGs. */
export async function runDetect(o: DetectJobOptions): Promise<DetectJobResult> {
  const seed = o.seed ?? 1;
  if (o.backend) await init({ backend: o.backend });
  else await init();
  mkdirSync(o.out, { recursive: true });
  const files: string[] = [];
  const nTrain = o.quick ? 300 : 1500,
    nTest = o.quick ? 100 : 200;
  const epochs = o.epochs ?? (o.quick ? 2 : 14);

  const data = detect.datasets.shapes({ seed, n: nTrain + nTest, size: SIZE });
  const C = data.classNames.length;
  const trainObjects = data.objects.slice(0, nTrain),
    testObjects = data.objects.slice(nTrain);
  // anchors: k-means (1 − IoU) over the training boxes, in grid cells as yolo.encode expects
  const { anchors, meanIou } = detect.kmeansAnchors(
    trainObjects.flat().map((ob) => ({ w: ob.box.w * GRID, h: ob.box.h * GRID })),
    2,
    { seed },
  );
  const A = anchors.length,
    D = 5 + C;
  o.log(`shapes: ${nTrain} training and ${nTest} held-out ${SIZE}x${SIZE} images of ${data.classNames.join(', ')}`);
  o.log(
    `anchors (k-means, cells): ${anchors.map((a) => `${a.w.toFixed(2)}x${a.h.toFixed(2)}`).join(', ')} (mean IoU ${meanIou.toFixed(2)}); grid ${GRID}x${GRID}, y ${GRID}x${GRID}x${A}x${D}`,
  );

  const images = data.images,
    per = SIZE * SIZE * 3;
  const xTrain = new Tensor(images.data.slice(0, nTrain * per), [nTrain, SIZE, SIZE, 3]);
  const xTest = new Tensor(images.data.slice(nTrain * per), [nTest, SIZE, SIZE, 3]);
  const batches = (epoch: number) =>
    flippedBatches(xTrain, trainObjects, { batchSize: 16, seed: seed * 1000 + epoch, anchors, classes: C });

  const net = yoloNet(A, C, seed);
  const volume = (t: Tensor) => ops.reshape(t, [t.shape[0], GRID, GRID, A, D]);
  const yoloLoss = (yTrue: Tensor, yPred: Tensor) =>
    detect.yolo.loss(volume(yTrue), volume(yPred), { anchors, classLoss: 'crossentropy' });
  net.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: yoloLoss });
  const t0 = performance.now();
  // AP integrates over the whole precision-recall curve, so low-scoring detections stay in (score > 0.05)
  const evaluate = () => {
    const found = detect.yolo.decode(volume(net.predict(xTest)), {
      anchors,
      scoreThreshold: 0.05,
      iouThreshold: IOU,
    }) as detect.YoloDetection[][];
    return { found, m: detect.meanAveragePrecision(found, testObjects, { iouThreshold: 0.5 }) };
  };
  // held-out mAP after every epoch: the progress that matters for a detector
  const onEpochEnd = (epoch: number) => {
    o.log(`  epoch ${epoch + 1}: held-out mAP@0.5 ${evaluate().m.map.toFixed(3)}`);
  };
  // small batches and a high rate learn fastest per second here; then the rate steps down (0.01,
  // 0.003, 0.001 over about 40%, 35% and 25% of the epochs) to settle the boxes
  const schedule = callbacks.learningRateScheduler((e) =>
    e < Math.round(epochs * 0.4) ? 0.01 : e < Math.round(epochs * 0.75) ? 0.003 : 0.001,
  );
  await net.fit(batches, { epochs, verbose: 1, callbacks: [schedule, { onEpochEnd }] });
  o.log(`trained ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const { found, m } = evaluate();
  o.log(
    `held-out mAP@0.5: ${m.map.toFixed(3)} (${m.perClass.map((c) => `${data.classNames[c.classId]} ${c.ap.toFixed(2)}`).join(', ')})`,
  );

  // predictions on the first 12 held-out images, enlarged 4x so labels are readable
  const tiles = Array.from({ length: 12 }, (_, i) => {
    const img = vision.resize(
      new Tensor(xTest.data.slice(i * per, (i + 1) * per), [SIZE, SIZE, 3]),
      SIZE * 4,
      SIZE * 4,
      { method: 'nearest' },
    );
    return vision.drawBoxes(
      ops.mul(img, 255),
      found[i].filter((d) => d.score > DRAW_SCORE),
      { classNames: data.classNames, lineWidth: 2, textScale: 1 },
    );
  });
  const shapesPng = join(o.out, 'detect-shapes.png');
  await io.writeImage(shapesPng, vision.montage(tiles, { cols: 4, pad: 4 }));
  files.push(shapesPng);
  // the trained net and its decode options, for the browser demo's detection tab
  files.push(await saveYolo(net, join(o.out, YOLO_DIR), { anchors, classes: C, classNames: [...data.classNames] }));

  // real faces: face-api's pretrained networks on its demo photos (the first one in quick mode);
  // found on the full-size photo, drawn on a copy 960 px wide
  o.log(`\nface-api's tiny face detector + 68 landmarks (pretrained weights, run by convkit):`);
  let faceCount = 0;
  for (const [k, file] of (o.quick ? DEMO_PHOTOS.slice(0, 1) : DEMO_PHOTOS).entries()) {
    const photo = await io.readImage(file, { channels: 3 });
    const [h, w] = photo.shape;
    const t1 = performance.now();
    const faces = await detect.detectFaces(photo);
    faceCount += faces.length;
    const where = faces
      .map((f) => `(${Math.round(f.box.x * w)}, ${Math.round(f.box.y * h)}) ${f.score.toFixed(2)}`)
      .join(', ');
    o.log(
      `  ${file.split(/[\\/]/).pop()} (${w}x${h}): ${faces.length} faces in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${where}`,
    );
    const small = vision.resize(photo, Math.round((h * 960) / w), 960);
    let drawn = vision.drawBoxes(
      small,
      faces.map((f) => ({ box: f.box, score: f.score, label: 'face' })),
    );
    for (const f of faces) drawn = vision.drawPoints(drawn, f.landmarks!, { radius: 2, color: [0, 255, 0] });
    const png = join(o.out, `detect-faces-${k + 1}.png`);
    await io.writeImage(png, drawn);
    files.push(png);
  }
  return { map: m.map, perClass: m.perClass.map((c) => c.ap), faces: faceCount, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'out' },
      quick: { type: 'boolean', default: false },
      epochs: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  runDetect({
    out: values.out!,
    quick: values.quick,
    epochs: values.epochs ? Number(values.epochs) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
    log: fileLog(join(values.out!, 'detect.log')),
  })
    .then((r) => console.log(`\nwrote ${r.files.join(', ')}`))
    .catch((e) => {
      console.error(`error: ${e?.message ?? e}`);
      process.exit(1);
    });
}
