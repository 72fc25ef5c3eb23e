// NMS on random boxes: convkit's detect.nms vs TensorFlow.js tf.image.nonMaxSuppression (cpu
// backend), same boxes, same thresholds, one process, median of repeated runs after a warm-up.
// Run: node --import tsx bench/nms.ts
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { detect } from '../src';
import type { CenterBox } from '../src/detect';
import { lcg as rng, medianMs } from './util';

/** One benchmark row: box count, median ms of each implementation and how many boxes were kept. */
export interface NmsRow {
  boxes: number;
  convkitMs: number;
  tfjsCpuMs: number;
  speedup: number;
  kept: number;
  sameResult: boolean;
}

/** Runs the NMS benchmark on 1,000 and 10,000 random boxes (IoU threshold 0.5, no score threshold). */
export async function benchNms(sizes = [1000, 10000], runs = 15): Promise<NmsRow[]> {
  await tf.setBackend('cpu');
  const rows: NmsRow[] = [];
  for (const n of sizes) {
    const r = rng(n);
    const boxes: CenterBox[] = [],
      scores: number[] = [];
    for (let i = 0; i < n; i++) {
      boxes.push({ x: r(), y: r(), w: 0.02 + 0.18 * r(), h: 0.02 + 0.18 * r() });
      scores.push(r());
    }
    const yx = tf.tensor2d(boxes.map((b) => [b.y - b.h / 2, b.x - b.w / 2, b.y + b.h / 2, b.x + b.w / 2]));
    const sc = tf.tensor1d(scores);
    let ours: number[] = [],
      theirs: number[] = [];
    const convkitMs = medianMs(
      () => {
        ours = detect.nms(boxes, scores, { iouThreshold: 0.5 });
      },
      runs,
      3,
    );
    const tfjsCpuMs = medianMs(
      () => {
        const k = tf.image.nonMaxSuppression(yx, sc, n, 0.5);
        theirs = Array.from(k.dataSync());
        k.dispose();
      },
      runs,
      3,
    );
    yx.dispose();
    sc.dispose();
    rows.push({
      boxes: n,
      convkitMs,
      tfjsCpuMs,
      speedup: tfjsCpuMs / convkitMs,
      kept: ours.length,
      sameResult: ours.join() === theirs.join(),
    });
  }
  return rows;
}

/** Formats rows as a markdown table. */
export function nmsTable(rows: NmsRow[]): string {
  const head =
    '| boxes | kept | convkit (ms) | TF.js cpu (ms) | convkit speed-up | same indices |\n|---:|---:|---:|---:|---:|:---:|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.boxes} | ${r.kept} | ${r.convkitMs.toFixed(2)} | ${r.tfjsCpuMs.toFixed(2)} | ${r.speedup.toFixed(2)}x | ${r.sameResult ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(nmsTable(await benchNms()));
}
