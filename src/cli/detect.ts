// `convkit detect`: faces in a photo with face-api's pretrained tiny face detector and 68-point
// landmark net rebuilt in convkit (detect.detectFaces); optionally a picture with them drawn.
// --json prints { file, width, height, faces: [{ box: { x, y, w, h }, score, landmarks }] } in
// pixels of the photo, boxes in detect's centre form ((x, y) the centre).
import { Tensor } from '../tensor';
import { detectFaces } from '../detect/pretrained';
import type { Face } from '../detect/pretrained';
import { drawBoxes, drawPoints } from '../vision/draw';
import { readImage, writeImage } from '../io/image';
import { type Command, UsageError, numberOption, onePositional } from './command';

/** A face in pixels of the photo, as --json prints it. */
export interface PixelFace {
  box: { x: number; y: number; w: number; h: number };
  score: number;
  landmarks?: { x: number; y: number }[];
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

/** A detected face (normalised units) in pixels of a w x h photo, rounded to 0.1 px. */
export function toPixels(f: Face, w: number, h: number): PixelFace {
  const p: PixelFace = {
    box: { x: r1(f.box.x * w), y: r1(f.box.y * h), w: r1(f.box.w * w), h: r1(f.box.h * h) },
    score: Math.round(f.score * 1e4) / 1e4,
  };
  if (f.landmarks) p.landmarks = f.landmarks.map((q) => ({ x: r1(q.x * w), y: r1(q.y * h) }));
  return p;
}

/** The photo with each face's box, score and landmarks drawn. */
export function drawFaces(img: Tensor, faces: readonly Face[]): Tensor {
  let out = drawBoxes(
    img,
    faces.map((f) => ({ box: f.box, score: f.score, label: 'face' })),
  );
  const radius = Math.max(2, Math.round(Math.min(img.shape[0], img.shape[1]) / 300));
  for (const f of faces) if (f.landmarks) out = drawPoints(out, f.landmarks, { radius, color: [0, 255, 0] });
  return out;
}

/** The `detect` command. */
export const detectCommand: Command = {
  name: 'detect',
  summary: "faces and their 68 landmarks in a photo (face-api's pretrained tiny face detector, run by convkit)",
  usage: '<photo> [-o <out.png>] [options]',
  needs: [{ package: '@vladmandic/face-api', for: 'the pretrained tiny face detector and 68-point landmark weights' }],
  options: {
    out: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      help: 'write the photo with boxes, scores and landmarks drawn (.png or .jpg)',
    },
    size: {
      type: 'string',
      arg: 'PX',
      default: '416',
      help: 'network input side, a multiple of 32 (larger finds smaller faces, slower)',
    },
    threshold: { type: 'string', arg: 'P', default: '0.5', help: 'keep faces scoring above this' },
    'no-landmarks': { type: 'boolean', help: 'boxes only' },
    tiny: { type: 'boolean', help: 'the tiny landmark net (80 kB) instead of the full one' },
  },
  examples: [
    'convkit detect photo.jpg -o faces.png',
    'convkit detect photo.jpg --json',
    'convkit detect group.jpg --size 608 --threshold 0.4 -o faces.png',
  ],
  async run(args, log) {
    const file = onePositional(args, 'photo');
    const inputSize = numberOption(args, 'size', { min: 32 })!;
    if (inputSize % 32 !== 0) throw new UsageError(`--size must be a multiple of 32, got ${inputSize}`);
    const scoreThreshold = numberOption(args, 'threshold', { integer: false, min: 0 })!;
    if (scoreThreshold >= 1) throw new UsageError(`--threshold must be below 1, got ${scoreThreshold}`);
    const img = await readImage(file, { channels: 3 });
    const [height, width] = img.shape;
    const t0 = performance.now();
    const faces = await detectFaces(img, {
      inputSize,
      scoreThreshold,
      landmarks: !args.values['no-landmarks'],
      tiny: !!args.values.tiny,
    });
    const seconds = (performance.now() - t0) / 1000;
    const pixels = faces.map((f) => toPixels(f, width, height));
    log(
      `${file}: ${width}x${height}, ${faces.length} face${faces.length === 1 ? '' : 's'} (input ${inputSize}, threshold ${scoreThreshold}) in ${seconds.toFixed(2)} s`,
    );
    pixels.forEach((f, i) =>
      log(
        `  ${i + 1}. centre (${f.box.x.toFixed(0)}, ${f.box.y.toFixed(0)}) ${f.box.w.toFixed(0)}x${f.box.h.toFixed(0)} px, score ${f.score.toFixed(3)}`,
      ),
    );
    const out = args.values.out as string | undefined;
    if (out) {
      await writeImage(out, drawFaces(img, faces));
      log(`wrote ${out}`);
    }
    return { file, width, height, faces: pixels, ...(out ? { out } : {}) };
  },
};
