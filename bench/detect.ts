// Face detection on a 640-px photo (face-api's demo sample1.jpg shrunk to 640x427): convkit's
// detect.detectFaces (face-api's tiny face detector rebuilt in convkit, input 416) against the
// package's own pipeline on TensorFlow.js 4.22 `cpu` and `wasm`, boxes only and with 68 landmarks.
// Median over runs after a warm-up (TF.js's wasm backend needs seconds before V8 tiers it up);
// CPU time of the process (steady on a shared machine) beside wall time. All single-threaded.
// Run: node --import tsx bench/detect.ts [--runs N]
import { pathToFileURL } from 'node:url';
import { init, backend, detect, io, vision } from '../src';
import type { Tensor } from '../src';
import { DEMO_PHOTOS, faceApiFaces } from '../examples/data/face-api-detect';

/** One row: who ran, on which kernels, with or without landmarks, median CPU / wall ms per photo, faces found. */
export interface DetectRow {
  impl: string;
  backend: string;
  landmarks: boolean;
  cpuMs: number;
  wallMs: number;
  faces: number;
}

async function timed(
  f: () => Promise<number>,
  warmupMs: number,
  runs: number,
): Promise<{ cpu: number; wall: number; faces: number }> {
  let faces = 0;
  const start = performance.now();
  do faces = await f();
  while (performance.now() - start < warmupMs);
  const cpu: number[] = [],
    wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage(),
      t0 = performance.now();
    faces = await f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
  return { cpu: med(cpu), wall: med(wall), faces };
}

/** The 640-px benchmark photo. */
export async function benchPhoto(): Promise<Tensor> {
  const img = await io.readImage(DEMO_PHOTOS[0], { channels: 3 });
  return vision.resize(img, Math.round((img.shape[0] * 640) / img.shape[1]), 640);
}

/** Runs convkit (wasm-simd, wasm) and face-api on TF.js (cpu, wasm) on the same 640-px photo. */
export async function benchDetect(runs = 5): Promise<DetectRow[]> {
  await init();
  const photo = await benchPhoto();
  const rows: DetectRow[] = [];
  for (const landmarks of [false, true]) {
    for (const kernels of ['wasm-simd', 'wasm'] as const) {
      backend.use(kernels); // not backend.with: it restores the previous backend before an async f ends
      const r = await timed(async () => (await detect.detectFaces(photo, { landmarks })).length, 1000, runs);
      rows.push({ impl: 'convkit', backend: kernels, landmarks, cpuMs: r.cpu, wallMs: r.wall, faces: r.faces });
    }
    backend.use('wasm-simd');
    for (const tfBackend of ['cpu', 'wasm'] as const) {
      const r = await timed(
        async () => (await faceApiFaces(photo, { backend: tfBackend, landmarks: landmarks ? 'full' : false })).length,
        tfBackend === 'wasm' ? 4000 : 1000,
        runs,
      );
      rows.push({
        impl: 'face-api (TF.js)',
        backend: tfBackend,
        landmarks,
        cpuMs: r.cpu,
        wallMs: r.wall,
        faces: r.faces,
      });
    }
  }
  return rows;
}

/** Formats rows as a markdown table, with each row's speed relative to convkit wasm-simd on the same task. */
export function detectTable(rows: DetectRow[]): string {
  const head =
    '| task | implementation | kernels | CPU ms / photo | wall ms / photo | faces | vs convkit wasm-simd (CPU) |\n|---|---|---|---:|---:|---:|---:|';
  return [
    head,
    ...rows.map((r) => {
      const base = rows.find((b) => b.landmarks === r.landmarks && b.impl === 'convkit' && b.backend === 'wasm-simd')!;
      return `| ${r.landmarks ? 'faces + 68 landmarks' : 'faces'} | ${r.impl} | ${r.backend} | ${r.cpuMs.toFixed(0)} | ${r.wallMs.toFixed(0)} | ${r.faces} | ${(r.cpuMs / base.cpuMs).toFixed(2)}x |`;
    }),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  console.log(detectTable(await benchDetect(i > 0 ? Number(process.argv[i + 1]) : 5)));
}
