// Face descriptors per second for 150x150 crops: face-api's FaceRecognitionNet rebuilt with convkit
// (js, wasm, wasm-simd) vs the package's own pipeline on TF.js `cpu` and `wasm` (same crops, batch 1,
// and convkit also in batches of 8); and triplet-training steps per second of the one-shot example's
// encoder (56 digits, semi-hard mining, Adam) vs the same network and step on TF.js `cpu`.
// Times are this process's CPU time (user + system) by default, since other jobs share the cores;
// --wall uses elapsed time. Run: node --import tsx bench/face.ts
//
// --pipeline: the whole per-photo pipeline on the package's six demo photos, wall clock: every face at
// input 416, its 68 landmarks and its 128-d descriptor. convkit (detect.detectFaces, then
// FaceRecognitionNet.faceDescriptors: the three networks through Model.predict's plan) on 1 and 2
// threads against face-api's detectAllFaces().withFaceLandmarks().withFaceDescriptors() on TF.js wasm,
// in interleaved rounds, after checking that both find the same faces (box IoU >= 0.95) with the same
// descriptors (distance < 0.05). Then each network stage alone, summed over the photos: convkit's detector,
// landmarks and faceDescriptors against face-api's nets given the face crops its pipeline cuts (its
// tf.slice of the photo, about a third of its pipeline's time here, is left out of that table).
// Run: node --import tsx bench/face.ts --pipeline [--rounds N]
import { pathToFileURL } from 'node:url';
import { init, backend, detect, face, io, ops, optimizers, valueAndGrads, Tensor } from '../src';
import { readDetections, FACE_API_PHOTOS, faceCrop, faceApiDescriptors, loadFaceApi } from '../examples/data/face-api';
import { median as mid } from './util';

/** One row: implementation, batch size, median ms per descriptor and descriptors per second. */
export interface FaceBenchRow {
  impl: string;
  batch: number;
  msPerDescriptor: number;
  descriptorsPerSecond: number;
}

const clock = (wall: boolean): number => {
  if (wall) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function median(f: () => unknown, runs: number, wall: boolean): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = clock(wall);
    await f();
    t.push(clock(wall) - t0);
  }
  return t.sort((a, b) => a - b)[runs >> 1];
}

/** Benchmarks descriptors of 8 real face crops (sample1..3 of face-api's demo photos). */
export async function benchFace(opts: { runs?: number; wall?: boolean } = {}): Promise<FaceBenchRow[]> {
  const { runs = 5, wall = false } = opts;
  await init();
  const det = readDetections();
  const crops: Tensor[] = [];
  for (const file of FACE_API_PHOTOS.slice(0, 4)) {
    const img = await io.readImage(file);
    for (const f of det[file.split(/[\\/]/).pop()!].faces) crops.push(faceCrop(img, f.box).reshape([1, 150, 150, 3]));
  }
  const batch8 = ops.concat(crops.slice(0, 8), 0),
    one = crops[0];
  const net = await face.loadFaceRecognitionNet();
  const rows: FaceBenchRow[] = [];
  const row = (impl: string, batch: number, ms: number) =>
    rows.push({ impl, batch, msPerDescriptor: ms / batch, descriptorsPerSecond: (1000 * batch) / ms });
  for (const b of ['js', 'wasm', 'wasm-simd'] as const) {
    backend.use(b);
    net.descriptors(one); // warm-up: WebAssembly tiers up, the arena grows once
    row(`convkit ${b}`, 1, await median(() => net.descriptors(one), b === 'js' ? 3 : runs, wall));
    if (b !== 'js') row(`convkit ${b}`, 8, await median(() => net.descriptors(batch8), runs, wall));
  }
  await init();
  for (const tb of ['cpu', 'wasm'] as const) {
    await loadFaceApi(tb);
    // TF.js's wasm backend needs seconds of warm-up before its times settle.
    for (let t0 = performance.now(), i = 0; i < 2 || performance.now() - t0 < 2000; i++)
      await faceApiDescriptors(one, tb);
    row(`face-api TF.js ${tb}`, 1, await median(() => faceApiDescriptors(one, tb), runs, wall));
  }
  return rows;
}

/** One row of the training benchmark: implementation, median ms per step, steps per second. */
export interface TripletBenchRow {
  impl: string;
  msPerStep: number;
  stepsPerSecond: number;
}

/** Triplet-training steps of a [16, 32, 64]-filter, 128-d encoder on 56 random 28x28 digits (7 labels). */
export async function benchTriplet(opts: { runs?: number; wall?: boolean } = {}): Promise<TripletBenchRow[]> {
  const { runs = 5, wall = false } = opts;
  await init();
  const x = ops.randomUniform([56, 28, 28, 1], { seed: 1 }),
    labels = Array.from({ length: 56 }, (_, i) => i % 7);
  const rows: TripletBenchRow[] = [];
  const row = (impl: string, ms: number) => rows.push({ impl, msPerStep: ms, stepsPerSecond: 1000 / ms });
  const enc = face.encoder({ inputShape: [28, 28, 1], embeddingSize: 128, filters: [16, 32, 64], seed: 1 });
  const opt = optimizers.adam({ learningRate: 1e-3 });
  const step = () => {
    const { grads } = valueAndGrads(() => {
      const e = enc.apply(x, { training: true });
      const t = face.mineTriplets(e, labels, 'semihard');
      return face.tripletLoss(ops.gather(e, t.anchors), ops.gather(e, t.positives), ops.gather(e, t.negatives));
    }, enc.trainableWeights);
    opt.applyGradients(enc.trainableWeights, grads);
  };
  for (const b of ['wasm', 'wasm-simd'] as const) {
    backend.use(b);
    step();
    row(`convkit ${b}`, await median(step, runs, wall));
  }
  await init();
  const { tf } = await loadFaceApi('cpu');
  const m = tf.sequential();
  [16, 32, 64].forEach((f, i) => {
    m.add(
      tf.layers.conv2d({
        filters: f,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128 }));
  const tx = tf.tensor4d(x.data, [56, 28, 28, 1]),
    tOpt = tf.train.adam(1e-3);
  const tfStep = () => {
    // mining reads the current encodings (as convkit's step does), then the loss is differentiated
    const e0 = tf.tidy(() => m.predict(tx));
    const t = face.mineTriplets(new Tensor(e0.dataSync(), [56, 128]), labels, 'semihard');
    e0.dispose();
    const [ia, ip, ineg] = [t.anchors, t.positives, t.negatives].map((v) => tf.tensor1d(v, 'int32'));
    tOpt.minimize(() => {
      const raw = m.apply(tx, { training: true });
      const e = tf.div(raw, tf.sqrt(tf.maximum(tf.sum(tf.square(raw), -1, true), 1e-12)));
      const d = (i: any, j: any) => tf.sum(tf.square(tf.sub(tf.gather(e, i), tf.gather(e, j))), -1);
      return tf.mean(tf.relu(tf.add(tf.sub(d(ia, ip), d(ia, ineg)), 0.2)));
    });
    [ia, ip, ineg].forEach((v) => v.dispose());
  };
  tfStep();
  row('TF.js cpu', await median(tfStep, Math.min(runs, 3), wall));
  tx.dispose();
  return rows;
}

/** Formats triplet-training rows as a markdown table. */
export function tripletTable(rows: TripletBenchRow[]): string {
  const head = '| implementation | ms per step | steps/s |\n|---|---:|---:|';
  return [head, ...rows.map((r) => `| ${r.impl} | ${r.msPerStep.toFixed(1)} | ${r.stepsPerSecond.toFixed(2)} |`)].join(
    '\n',
  );
}

/** Formats rows as a markdown table. */
export function faceTable(rows: FaceBenchRow[]): string {
  const head = '| implementation | batch | ms per descriptor | descriptors/s |\n|---|---:|---:|---:|';
  return [
    head,
    ...rows.map(
      (r) => `| ${r.impl} | ${r.batch} | ${r.msPerDescriptor.toFixed(1)} | ${r.descriptorsPerSecond.toFixed(2)} |`,
    ),
  ].join('\n');
}

/** One photo of the pipeline benchmark: faces found, median wall ms of each implementation, and the check. */
export interface PipelineRow {
  photo: string;
  faces: number;
  /** convkit on 1 and 2 threads, face-api on TF.js wasm: median wall ms per photo. */
  convkit1: number;
  convkit2: number;
  tfjs: number;
  /** Lowest box IoU over the matched faces and largest descriptor distance ‖a − b‖. */
  minIou: number;
  maxDistance: number;
}

type PixelBox = { x: number; y: number; width: number; height: number };
const iouOf = (a: PixelBox, b: PixelBox): number => {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
};

/** convkit's faces and descriptors of one photo: pixel boxes and one Float32Array per face. */
async function convkitPipeline(
  img: Tensor,
  net: face.FaceRecognitionNet,
): Promise<{ boxes: PixelBox[]; descriptors: Float32Array[] }> {
  const [h, w] = img.shape;
  const faces = await detect.detectFaces(img, { inputSize: 416, scoreThreshold: 0.5 });
  const d = net.faceDescriptors(img, faces).data;
  return {
    boxes: faces.map((f) => ({
      x: (f.box.x - f.box.w / 2) * w,
      y: (f.box.y - f.box.h / 2) * h,
      width: f.box.w * w,
      height: f.box.h * h,
    })),
    descriptors: faces.map((_, i) => d.subarray(128 * i, 128 * (i + 1))),
  };
}

/** The package's own pipeline on TF.js: detector boxes in pixels and descriptors. */
async function faceApiPipeline(faceapi: any, t: unknown): Promise<{ boxes: PixelBox[]; descriptors: Float32Array[] }> {
  const res: any[] = await faceapi
    .detectAllFaces(t, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))
    .withFaceLandmarks()
    .withFaceDescriptors();
  return {
    boxes: res.map((r) => {
      const b = r.detection.box;
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    }),
    descriptors: res.map((r) => r.descriptor as Float32Array),
  };
}

/** Benchmarks the per-photo pipeline on the six demo photos (see the file's comment); throws if the two disagree. */
export async function benchPipeline(
  opts: { rounds?: number; log?: (l: string) => void } = {},
): Promise<{ rows: PipelineRow[]; stages: StageRow[]; tfBackend: string }> {
  const { rounds = 7, log = (l: string) => console.error(l) } = opts;
  await init();
  backend.use('wasm-simd');
  const { tf, faceapi } = await loadFaceApi('wasm', ['detector', 'recognition']);
  const net = await face.loadFaceRecognitionNet();
  const photos = await Promise.all(FACE_API_PHOTOS.map((f) => io.readImage(f, { channels: 3 })));
  const tfPhotos = photos.map((p) => tf.tensor3d(Int32Array.from(p.data, Math.round), p.shape, 'int32'));
  const rows: PipelineRow[] = [];
  // the check, which also warms every path (plans built for each face count, V8 tiered up)
  for (const [i, img] of photos.entries()) {
    const photo = FACE_API_PHOTOS[i].split(/[\\/]/).pop()!;
    const ours = await convkitPipeline(img, net),
      theirs = await faceApiPipeline(faceapi, tfPhotos[i]);
    if (ours.boxes.length !== theirs.boxes.length)
      throw new Error(`${photo}: convkit found ${ours.boxes.length} faces, face-api ${theirs.boxes.length}`);
    let minIou = 1,
      maxDistance = 0;
    theirs.boxes.forEach((b, k) => {
      const ious = ours.boxes.map((o) => iouOf(o, b));
      const j = ious.indexOf(Math.max(...ious));
      const dist = Math.sqrt(face.distance(ours.descriptors[j], theirs.descriptors[k]).item());
      minIou = Math.min(minIou, ious[j]);
      maxDistance = Math.max(maxDistance, dist);
    });
    log(
      `${photo}: ${ours.boxes.length} faces, lowest box IoU ${minIou.toFixed(4)}, largest descriptor distance ${maxDistance.toExponential(2)}`,
    );
    if (minIou < 0.95 || maxDistance >= 0.05) throw new Error(`${photo}: convkit and face-api disagree`);
    rows.push({ photo, faces: ours.boxes.length, convkit1: 0, convkit2: 0, tfjs: 0, minIou, maxDistance });
  }
  // TF.js's wasm backend needs seconds before V8 tiers it up
  for (let t0 = performance.now(); performance.now() - t0 < 3000;) await faceApiPipeline(faceapi, tfPhotos[0]);
  const impls: [Impl, (i: number) => Promise<unknown>][] = [
    ['convkit1', (i) => (backend.setThreads(1), convkitPipeline(photos[i], net))],
    ['convkit2', (i) => (backend.setThreads(2), convkitPipeline(photos[i], net))],
    ['tfjs', (i) => faceApiPipeline(faceapi, tfPhotos[i])],
  ];
  backend.setThreads(2);
  await init(); // workers up before timing
  const times = await interleaved(impls, photos.length, rounds, log);
  rows.forEach((row, i) => impls.forEach(([key], k) => (row[key] = mid(times[i][k]))));

  // each network stage alone, face-api's crops cut beforehand (its tf.slice of the photo is not timed)
  const det = await detect.tinyFaceDetector(),
    lm = await detect.faceLandmarks68();
  const opt = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
  const ourFaces = await Promise.all(photos.map((p) => detect.detectFaces(p, { inputSize: 416 })));
  const lmCrops: any[][] = [],
    descCrops: any[][] = [];
  for (const t of tfPhotos) {
    const res = await faceapi.detectAllFaces(t, opt).withFaceLandmarks();
    lmCrops.push(
      await faceapi.extractFaceTensors(
        t,
        res.map((r: any) => r.detection),
      ),
    );
    descCrops.push(
      await faceapi.extractFaceTensors(
        t,
        res.map((r: any) => r.landmarks.align(null, { useDlibAlignment: true })),
      ),
    );
  }
  const ck = (n: number, f: (i: number) => unknown) => async (i: number) => (backend.setThreads(n), f(i));
  const stageImpls: Record<Stage, [Impl, (i: number) => Promise<unknown>][]> = {
    detector: [
      ['convkit1', ck(1, (i) => det.detect(photos[i], { inputSize: 416 }))],
      ['convkit2', ck(2, (i) => det.detect(photos[i], { inputSize: 416 }))],
      ['tfjs', (i) => faceapi.nets.tinyFaceDetector.locateFaces(tfPhotos[i], opt)],
    ],
    landmarks: [
      [
        'convkit1',
        ck(1, (i) =>
          lm.predict(
            photos[i],
            ourFaces[i].map((f) => f.box),
          ),
        ),
      ],
      [
        'convkit2',
        ck(2, (i) =>
          lm.predict(
            photos[i],
            ourFaces[i].map((f) => f.box),
          ),
        ),
      ],
      ['tfjs', (i) => Promise.all(lmCrops[i].map((c) => faceapi.nets.faceLandmark68Net.detectLandmarks(c)))],
    ],
    descriptors: [
      ['convkit1', ck(1, (i) => net.faceDescriptors(photos[i], ourFaces[i]))],
      ['convkit2', ck(2, (i) => net.faceDescriptors(photos[i], ourFaces[i]))],
      ['tfjs', (i) => Promise.all(descCrops[i].map((c) => faceapi.nets.faceRecognitionNet.computeFaceDescriptor(c)))],
    ],
  };
  const stages: StageRow[] = [];
  for (const [stage, si] of Object.entries(stageImpls) as [Stage, typeof impls][]) {
    const st = await interleaved(si, photos.length, rounds, (l) => log(`${stage}: ${l}`));
    // per round, the six photos' sum; then the median over rounds
    const total = (k: number) => mid(Array.from({ length: rounds }, (_, r) => st.reduce((a, p) => a + p[k][r], 0)));
    stages.push({ stage, convkit1: total(0), convkit2: total(1), tfjs: total(2) });
  }
  backend.setThreads(null);
  [...tfPhotos, ...lmCrops.flat(), ...descCrops.flat()].forEach((t: any) => t.dispose());
  return { rows, stages, tfBackend: tf.getBackend() };
}

type Impl = 'convkit1' | 'convkit2' | 'tfjs';
type Stage = 'detector' | 'landmarks' | 'descriptors';
/** One network stage over the six photos: median (over rounds) of the summed wall ms. */
export interface StageRow {
  stage: Stage;
  convkit1: number;
  convkit2: number;
  tfjs: number;
}

/** Wall ms of each implementation on each photo: one warm-up call each, then rounds interleaving them. */
async function interleaved(
  impls: [Impl, (i: number) => Promise<unknown>][],
  photos: number,
  rounds: number,
  log: (l: string) => void,
): Promise<number[][][]> {
  for (const [, f] of impls) for (let i = 0; i < photos; i++) await f(i);
  const times = Array.from({ length: photos }, () => impls.map(() => [] as number[]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < photos; i++)
      for (const [k, [, f]] of impls.entries()) {
        const t0 = performance.now();
        await f(i);
        times[i][k].push(performance.now() - t0);
      }
    log(`round ${r + 1}/${rounds}`);
  }
  return times;
}

/** Formats the stage rows as a markdown table. */
export function stageTable(rows: StageRow[]): string {
  const head =
    '| stage (six photos) | convkit 1 thread (ms) | convkit 2 threads (ms) | face-api TF.js wasm (ms) | TF.js / convkit 1 | TF.js / convkit 2 |\n|---|---:|---:|---:|---:|---:|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.stage} | ${r.convkit1.toFixed(0)} | ${r.convkit2.toFixed(0)} | ${r.tfjs.toFixed(0)} | ${(r.tfjs / r.convkit1).toFixed(2)}x | ${(r.tfjs / r.convkit2).toFixed(2)}x |`,
    ),
  ].join('\n');
}

/** Formats pipeline rows as a markdown table with each photo's ratios and a total row. */
export function pipelineTable(rows: PipelineRow[]): string {
  const head =
    '| photo | faces | convkit 1 thread (ms) | convkit 2 threads (ms) | face-api TF.js wasm (ms) | TF.js / convkit 1 | TF.js / convkit 2 | lowest box IoU | largest descriptor distance |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const line = (r: PipelineRow) =>
    `| ${r.photo} | ${r.faces} | ${r.convkit1.toFixed(0)} | ${r.convkit2.toFixed(0)} | ${r.tfjs.toFixed(0)} | ${(r.tfjs / r.convkit1).toFixed(2)}x | ${(r.tfjs / r.convkit2).toFixed(2)}x | ${r.minIou.toFixed(3)} | ${r.maxDistance.toExponential(1)} |`;
  const sum = (k: 'convkit1' | 'convkit2' | 'tfjs' | 'faces') => rows.reduce((a, r) => a + r[k], 0);
  const total: PipelineRow = {
    photo: 'all six',
    faces: sum('faces'),
    convkit1: sum('convkit1'),
    convkit2: sum('convkit2'),
    tfjs: sum('tfjs'),
    minIou: Math.min(...rows.map((r) => r.minIou)),
    maxDistance: Math.max(...rows.map((r) => r.maxDistance)),
  };
  return [head, ...rows.map(line), line(total)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wall = process.argv.includes('--wall');
  if (process.argv.includes('--pipeline')) {
    const i = process.argv.indexOf('--rounds');
    const rounds = i > 0 ? Number(process.argv[i + 1]) : 7;
    const { rows, stages, tfBackend } = await benchPipeline({ rounds });
    console.log(
      `face pipeline per photo (detector at 416 + 68 landmarks + 128-d descriptors), wall clock, median of ${rounds} interleaved rounds; TF.js backend '${tfBackend}'\n`,
    );
    console.log(pipelineTable(rows));
    console.log('\neach network stage alone (face-api given its face crops already cut)\n');
    console.log(stageTable(stages));
  } else {
    console.log(`face descriptors, 150x150 crops (${wall ? 'wall-clock' : 'CPU'} time, median)\n`);
    console.log(faceTable(await benchFace({ wall })));
    console.log(
      `\ntriplet-training steps, 56 digits 28x28, encoder [16, 32, 64] -> 128-d (${wall ? 'wall-clock' : 'CPU'} time, median)\n`,
    );
    console.log(tripletTable(await benchTriplet({ wall })));
  }
}
