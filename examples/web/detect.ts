// Tab 3: detection. Synthetic shapes (detect.datasets.shapes) with ground-truth boxes and a
// non-max-suppression demo on jittered candidate boxes; the shapes YOLO trained by `npm start`
// (examples/detect.ts, served under yolo-shapes/) on fresh seeded images; and face-api's pretrained
// tiny face detector + 68-point landmark net, rebuilt with convkit layers, on the sample photo.
import { detect, io, ops, Tensor } from '../../src';
import type { CenterBox, Size, YoloDetection } from '../../src/detect';
import { $, status, pixels, loadBitmap, nextFrame, showTensor } from './ui';

const COLORS = ['#e53e3e', '#3182ce', '#38a169'];
let seed = 1;

/** Draws a centre-form box normalised to a canvas of side `s`. */
function box(
  ctx: CanvasRenderingContext2D,
  b: CenterBox,
  w: number,
  h: number,
  color: string,
  width: number,
  dash: number[] = [],
): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.strokeRect((b.x - b.w / 2) * w, (b.y - b.h / 2) * h, b.w * w, b.h * h);
  ctx.setLineDash([]);
}

/** A filled label tag above a box (inside it when the box touches the top edge), kept on the canvas. */
function tag(ctx: CanvasRenderingContext2D, b: CenterBox, w: number, h: number, color: string, text: string): void {
  ctx.font = 'bold 13px sans-serif';
  const tw = ctx.measureText(text).width + 8;
  const x = Math.max(0, Math.min((b.x - b.w / 2) * w, w - tw)),
    top = (b.y - b.h / 2) * h,
    y = top >= 18 ? top - 18 : Math.max(0, top);
  ctx.fillStyle = color;
  ctx.fillRect(x, y, tw, 18);
  ctx.fillStyle = 'white';
  ctx.fillText(text, x + 4, y + 14);
}

/** One synthetic image, its ground truth (dashed), candidates (thin) and what NMS keeps (thick, with scores). */
function shapes(): void {
  const size = 96;
  const set = detect.datasets.shapes({ n: 1, size, seed, minObjects: 2, maxObjects: 4 });
  const canvas = $<HTMLCanvasElement>('shapes'),
    S = canvas.width;
  const img = document.createElement('canvas');
  showTensor(
    img,
    new Tensor(
      set.images.data.map((v) => v * 255),
      [size, size, 3],
    ),
  );
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(img, 0, 0, S, S);
  // Candidates: 6 jittered copies of every true box with decreasing scores, as a detector's raw output looks.
  let s = seed * 7919;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const boxes: CenterBox[] = [],
    scores: number[] = [],
    classes: number[] = [];
  for (const o of set.objects[0]) {
    for (let k = 0; k < 6; k++) {
      boxes.push({
        x: o.box.x + rand() * 0.12 * o.box.w,
        y: o.box.y + rand() * 0.12 * o.box.h,
        w: o.box.w * (1 + rand() * 0.3),
        h: o.box.h * (1 + rand() * 0.3),
      });
      scores.push(0.95 - 0.12 * k + rand() * 0.05);
      classes.push(o.classId);
    }
  }
  const kept = detect.nmsPerClass(boxes, scores, classes, { iouThreshold: 0.5, scoreThreshold: 0.6 });
  boxes.forEach((b, i) => box(ctx, b, S, S, COLORS[classes[i]], 1));
  for (const o of set.objects[0]) box(ctx, o.box, S, S, 'white', 1, [4, 3]);
  for (const i of kept) {
    box(ctx, boxes[i], S, S, COLORS[classes[i]], 3);
    tag(ctx, boxes[i], S, S, COLORS[classes[i]], `${set.classNames[classes[i]]} ${scores[i].toFixed(2)}`);
  }
  canvas.dataset.kept = String(kept.length);
  canvas.dataset.objects = String(set.objects[0].length);
  status(
    'detect-status',
    'ready',
    `seed ${seed}: ${set.objects[0].length} objects, ${boxes.length} candidate boxes, NMS kept ${kept.length}`,
  );
}

/** The decode options examples/detect.ts saves as yolo-shapes/yolo.json beside the model. */
interface YoloMeta {
  anchors: Size[];
  grid: number;
  classes: number;
  classNames: string[];
  size: number;
  scoreThreshold: number;
  iouThreshold: number;
}

/** Images the YOLO panel detects on: seeded, and not among the 1,700 (seed 1) the tour trains and tests on. */
const YOLO_IMAGES = 6,
  YOLO_SEED = 2024;

/**
 * The shapes YOLO of `npm start`, when the server has it: fresh seeded images, the net's output
 * reshaped to [N, S, S, A, 5 + C] and decoded as examples/detect.ts does; ground truth dashed.
 */
async function yolo(panel: HTMLElement): Promise<void> {
  const base = new URL('yolo-shapes/', location.href).href;
  const metaRes = await fetch(base + 'yolo.json');
  const served = metaRes.ok && (await fetch(base + 'model.json', { method: 'HEAD' })).ok;
  if (!served) {
    status(
      'yolo-status',
      'idle',
      'No trained YOLO is served: run npm start first to train the YOLO (it saves out/yolo-shapes), then npm run serve.',
    );
    return;
  }
  status('yolo-status', 'busy', 'loading the shapes YOLO…');
  await nextFrame();
  try {
    const meta = (await metaRes.json()) as YoloMeta;
    const net = await io.load(base + 'model.json');
    const { size, grid, anchors, classNames } = meta;
    const set = detect.datasets.shapes({ n: YOLO_IMAGES, size, seed: YOLO_SEED });
    const t0 = performance.now();
    const out = net.predict(set.images);
    const volume = ops.reshape(out, [YOLO_IMAGES, grid, grid, anchors.length, 5 + classNames.length]);
    const found = detect.yolo.decode(volume, {
      anchors,
      grid,
      classes: meta.classes,
      scoreThreshold: meta.scoreThreshold,
      iouThreshold: meta.iouThreshold,
    }) as YoloDetection[][];
    const ms = performance.now() - t0;
    const per = size * size * 3,
      S = size * 4;
    found.forEach((dets, i) => {
      const canvas = document.createElement('canvas');
      const img = document.createElement('canvas');
      showTensor(
        img,
        new Tensor(
          set.images.data.slice(i * per, (i + 1) * per).map((v) => v * 255),
          [size, size, 3],
        ),
      );
      canvas.width = canvas.height = S;
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, 0, 0, S, S);
      for (const o of set.objects[i]) box(ctx, o.box, S, S, 'white', 1, [4, 3]);
      for (const d of dets) {
        box(ctx, d.box, S, S, COLORS[d.classId % COLORS.length], 2);
        tag(ctx, d.box, S, S, COLORS[d.classId % COLORS.length], `${classNames[d.classId]} ${d.score.toFixed(2)}`);
      }
      canvas.dataset.detections = String(dets.length);
      canvas.dataset.objects = String(set.objects[i].length);
      panel.append(canvas);
    });
    panel.dataset.seed = String(YOLO_SEED);
    const total = found.reduce((a, d) => a + d.length, 0);
    status(
      'yolo-status',
      'ready',
      `YOLO loaded from yolo-shapes/model.json: decoded ${YOLO_IMAGES} images (seed ${YOLO_SEED}) in ${ms.toFixed(0)} ms, ${total} detections with score > ${meta.scoreThreshold} (ground truth dashed)`,
    );
  } catch (e) {
    status('yolo-status', 'error', `shapes YOLO: ${(e as Error).message}`);
  }
}

/** Adds the YOLO panel (its status line and a row of canvases) to the detection tab. */
function yoloPanel(): HTMLElement {
  const section = $('tab-detect');
  const intro = document.createElement('p');
  intro.innerHTML =
    'The small YOLO of <code>npm start</code> (6×6 grid, 2 k-means anchors, 3 classes) on new shapes images: ' +
    '<code>model.predict</code>, reshaped to [N, S, S, A, 5 + C] and decoded by <code>detect.yolo.decode</code>.';
  const line = document.createElement('p');
  line.id = 'yolo-status';
  line.dataset.state = 'idle';
  const row = document.createElement('div');
  row.id = 'yolo';
  row.className = 'row';
  section.append(intro, line, row);
  return row;
}

/** Face boxes and landmarks on the sample photo, with face-api's weights served under face-model/. */
async function faces(): Promise<void> {
  status('detect-status', 'busy', "loading face-api's weights and detecting faces…");
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
    status(
      'detect-status',
      'ready',
      `${found.length} faces with 68 landmarks each in ${(ms / 1000).toFixed(1)} s (first run includes loading the weights)`,
    );
  } catch (e) {
    status('detect-status', 'error', `face detection: ${(e as Error).message}`);
  }
}

/** Wires the buttons and draws the first image. */
export function setupDetect(): void {
  $('shapes-next').addEventListener('click', () => {
    seed++;
    shapes();
  });
  $('faces').addEventListener('click', faces);
  shapes();
  void yolo(yoloPanel());
}
