// Sliding windows: classifying every crop (detect.slidingWindows) vs one pass of the convolutional
// version (detect.toConvolutional), with the notes' 14x14x3 classifier, stride 2, on the active
// (best) backend; median of repeated runs after a warm-up.
// Run: node --import tsx bench/sliding.ts
import { pathToFileURL } from 'node:url';
import { init, detect, tensor, info } from '../src';
import { notesClassifier } from '../examples/data/notes-classifier';
import { lcg, medianMs } from './util';

/** One row: image size, number of windows, median ms of each way and the ratio. */
export interface SlidingRow {
  image: number;
  windows: number;
  cropsMs: number;
  convolutionalMs: number;
  speedup: number;
  kernel: string;
}

/** Times both ways on square images of the given sizes. */
export async function benchSliding(sizes = [16, 32, 64], runs = 5): Promise<SlidingRow[]> {
  await init();
  const m = notesClassifier(1);
  const conv = detect.toConvolutional(m);
  const rows: SlidingRow[] = [];
  for (const n of sizes) {
    const img = tensor(Float32Array.from({ length: n * n * 3 }, lcg(n)), [n, n, 3]);
    let windows = 0;
    const cropsMs = medianMs(() => {
      windows = detect.slidingWindows(m, img, { stride: 2 }).length;
    }, runs);
    const convolutionalMs = medianMs(() => {
      conv.predict(img.reshape([1, n, n, 3]));
    }, runs);
    rows.push({
      image: n,
      windows,
      cropsMs,
      convolutionalMs,
      speedup: cropsMs / convolutionalMs,
      kernel: info().kernel,
    });
  }
  return rows;
}

/** Formats rows as a markdown table. */
export function slidingTable(rows: SlidingRow[]): string {
  const head =
    '| image | windows | crops (ms) | convolutional (ms) | speed-up | kernels |\n|---:|---:|---:|---:|---:|:---|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.image}x${r.image}x3 | ${r.windows} | ${r.cropsMs.toFixed(1)} | ${r.convolutionalMs.toFixed(1)} | ${r.speedup.toFixed(1)}x | ${r.kernel} |`,
    ),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(slidingTable(await benchSliding()));
}
