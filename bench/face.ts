// Face descriptors per second for 150x150 crops: face-api's FaceRecognitionNet rebuilt with convkit
// (js, wasm, wasm-simd) vs the package's own pipeline on TF.js `cpu` and `wasm` (same crops, batch 1,
// and convkit also in batches of 8). Times are this process's CPU time (user + system) by default,
// since other jobs share the cores; --wall uses elapsed time. Run: node --import tsx bench/face.ts
import { pathToFileURL } from 'node:url';
import { init, backend, face, io, ops, Tensor } from '../src';
import { readDetections, FACE_API_PHOTOS, faceCrop, faceApiDescriptors, loadFaceApi } from '../examples/data/face-api';

/** One row: implementation, batch size, median ms per descriptor and descriptors per second. */
export interface FaceBenchRow { impl: string; batch: number; msPerDescriptor: number; descriptorsPerSecond: number }

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
  const batch8 = ops.concat(crops.slice(0, 8), 0), one = crops[0];
  const net = await face.loadFaceRecognitionNet();
  const rows: FaceBenchRow[] = [];
  const row = (impl: string, batch: number, ms: number) => rows.push({ impl, batch, msPerDescriptor: ms / batch, descriptorsPerSecond: (1000 * batch) / ms });
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
    for (let t0 = performance.now(), i = 0; i < 2 || performance.now() - t0 < 2000; i++) await faceApiDescriptors(one, tb);
    row(`face-api TF.js ${tb}`, 1, await median(() => faceApiDescriptors(one, tb), runs, wall));
  }
  return rows;
}

/** Formats rows as a markdown table. */
export function faceTable(rows: FaceBenchRow[]): string {
  const head = '| implementation | batch | ms per descriptor | descriptors/s |\n|---|---:|---:|---:|';
  return [head, ...rows.map((r) => `| ${r.impl} | ${r.batch} | ${r.msPerDescriptor.toFixed(1)} | ${r.descriptorsPerSecond.toFixed(2)} |`)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wall = process.argv.includes('--wall');
  console.log(`face descriptors, 150x150 crops (${wall ? 'wall-clock' : 'CPU'} time, median)\n`);
  console.log(faceTable(await benchFace({ wall })));
}
