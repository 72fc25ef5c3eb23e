// Face descriptors per second for 150x150 crops: face-api's FaceRecognitionNet rebuilt with convkit
// (js, wasm, wasm-simd) vs the package's own pipeline on TF.js `cpu` and `wasm` (same crops, batch 1,
// and convkit also in batches of 8); and triplet-training steps per second of the one-shot example's
// encoder (56 digits, semi-hard mining, Adam) vs the same network and step on TF.js `cpu`.
// Times are this process's CPU time (user + system) by default, since other jobs share the cores;
// --wall uses elapsed time. Run: node --import tsx bench/face.ts
import { pathToFileURL } from 'node:url';
import { init, backend, face, io, ops, optimizers, valueAndGrads, Tensor } from '../src';
import { readDetections, FACE_API_PHOTOS, faceCrop, faceApiDescriptors, loadFaceApi } from '../examples/data/face-api';

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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wall = process.argv.includes('--wall');
  console.log(`face descriptors, 150x150 crops (${wall ? 'wall-clock' : 'CPU'} time, median)\n`);
  console.log(faceTable(await benchFace({ wall })));
  console.log(
    `\ntriplet-training steps, 56 digits 28x28, encoder [16, 32, 64] -> 128-d (${wall ? 'wall-clock' : 'CPU'} time, median)\n`,
  );
  console.log(tripletTable(await benchTriplet({ wall })));
}
