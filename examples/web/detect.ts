// Tab 3: detection. Synthetic shapes (detect.datasets.shapes) with ground-truth boxes and a
// non-max-suppression demo on jittered candidate boxes; and face-api's pretrained tiny face
// detector + 68-point landmark net, rebuilt with convkit layers, on the sample photo.
import { detect, Tensor } from '../../src';
import type { CenterBox } from '../../src/detect';
import { $, status, pixels, loadBitmap, nextFrame, showTensor } from './ui';

const COLORS = ['#e53e3e', '#3182ce', '#38a169'];
let seed = 1;

/** Draws a centre-form box normalised to a canvas of side `s`. */
function box(ctx: CanvasRenderingContext2D, b: CenterBox, w: number, h: number, color: string, width: number, dash: number[] = []): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.strokeRect((b.x - b.w / 2) * w, (b.y - b.h / 2) * h, b.w * w, b.h * h);
  ctx.setLineDash([]);
}

/** One synthetic image, its ground truth (dashed), candidates (thin) and what NMS keeps (thick, with scores). */
function shapes(): void {
  const size = 96;
  const set = detect.datasets.shapes({ n: 1, size, seed, minObjects: 2, maxObjects: 4 });
  const canvas = $<HTMLCanvasElement>('shapes'), S = canvas.width;
  const img = document.createElement('canvas');
  showTensor(img, new Tensor(set.images.data.map((v) => v * 255), [size, size, 3]));
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(img, 0, 0, S, S);
  // Candidates: 6 jittered copies of every true box with decreasing scores, as a detector's raw output looks.
  let s = seed * 7919;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const boxes: CenterBox[] = [], scores: number[] = [], classes: number[] = [];
  for (const o of set.objects[0]) {
    for (let k = 0; k < 6; k++) {
      boxes.push({ x: o.box.x + rand() * 0.12 * o.box.w, y: o.box.y + rand() * 0.12 * o.box.h, w: o.box.w * (1 + rand() * 0.3), h: o.box.h * (1 + rand() * 0.3) });
      scores.push(0.95 - 0.12 * k + rand() * 0.05);
      classes.push(o.classId);
    }
  }
  const kept = detect.nmsPerClass(boxes, scores, classes, { iouThreshold: 0.5, scoreThreshold: 0.6 });
  boxes.forEach((b, i) => box(ctx, b, S, S, COLORS[classes[i]], 1));
  for (const o of set.objects[0]) box(ctx, o.box, S, S, 'white', 1, [4, 3]);
  ctx.font = 'bold 13px sans-serif';
  for (const i of kept) {
    const b = boxes[i], text = `${set.classNames[classes[i]]} ${scores[i].toFixed(2)}`;
    box(ctx, b, S, S, COLORS[classes[i]], 3);
    // a filled tag above the box, or just inside it when the box touches the top edge
    const x = Math.max(0, (b.x - b.w / 2) * S), top = (b.y - b.h / 2) * S, y = top >= 18 ? top - 18 : Math.max(0, top);
    ctx.fillStyle = COLORS[classes[i]];
    ctx.fillRect(x, y, ctx.measureText(text).width + 8, 18);
    ctx.fillStyle = 'white';
    ctx.fillText(text, x + 4, y + 14);
  }
  canvas.dataset.kept = String(kept.length);
  canvas.dataset.objects = String(set.objects[0].length);
  status('detect-status', 'ready', `seed ${seed}: ${set.objects[0].length} objects, ${boxes.length} candidate boxes, NMS kept ${kept.length}`);
}

/** Face boxes and landmarks on the sample photo, with face-api's weights served under face-model/. */
async function faces(): Promise<void> {
  status('detect-status', 'busy', 'loading face-api\'s weights and detecting faces…');
  await nextFrame();
  try {
    const img = pixels(await loadBitmap('sample.jpg'), 640);
    const t0 = performance.now();
    const found = await detect.detectFaces(img, { from: new URL('face-model/', location.href).href });
    const ms = performance.now() - t0;
    const canvas = $<HTMLCanvasElement>('faces-canvas');
    showTensor(canvas, img);
    const ctx = canvas.getContext('2d')!;
    const [h, w] = img.shape;
    for (const f of found) {
      box(ctx, f.box, w, h, '#38a169', 2);
      ctx.fillStyle = '#f6e05e';
      for (const p of f.landmarks ?? []) ctx.fillRect(p.x * w - 1, p.y * h - 1, 2, 2);
    }
    canvas.dataset.faces = String(found.length);
    status('detect-status', 'ready', `${found.length} faces with 68 landmarks each in ${(ms / 1000).toFixed(1)} s (first run includes loading the weights)`);
  } catch (e) {
    status('detect-status', 'error', `face detection: ${(e as Error).message}`);
  }
}

/** Wires the buttons and draws the first image. */
export function setupDetect(): void {
  $('shapes-next').addEventListener('click', () => { seed++; shapes(); });
  $('faces').addEventListener('click', faces);
  shapes();
}
