// Tour step: data augmentation as the notes describe it (mirroring, random cropping, rotation,
// shearing, local warping, colour shifting with AlexNet's PCA), on a real photo whose face boxes and
// eye landmarks move with the pixels, and on handwritten digits.
import { join } from 'node:path';
import { io, vision, Tensor } from '../src';
import type { AugBox, AugPoint, Sample, Transform } from '../src/vision/augment';
import { augmentMontage, annotate } from '../src/cli/augment';
import { shrinkToWidth } from '../src/cli/picture';
import { loadDigits } from './data/mnist';
import { samplePhoto } from './photos';

const { mirror, randomCrop, rotate, shear, translate, colorShift, warp, compose } = vision.augment;

// Two faces of sample1.jpg (marked by hand), normalised to the image, and their eyes: per face the
// eye on the image's left first, so mirror's flipPairs keeps index 0 on the left.
const FACES: AugBox[] = [
  { x: 0.266, y: 0.379, w: 0.115, h: 0.181, label: 'face' } as AugBox,
  { x: 0.822, y: 0.246, w: 0.105, h: 0.178, label: 'face' } as AugBox,
];
const EYES: AugPoint[] = [
  { x: 0.229, y: 0.355 },
  { x: 0.268, y: 0.358 },
  { x: 0.809, y: 0.217 },
  { x: 0.844, y: 0.264 },
];
const FLIP_PAIRS: [number, number][] = [
  [0, 1],
  [2, 3],
];

/**
 * Writes augment-transforms.png (each transform once), augment-pipeline.png (a composed pipeline) and
 * augment-digits.png.
 */
export async function runAugmentDemo(o: { out: string; log: (s: string) => void }): Promise<{ files: string[] }> {
  const files: string[] = [];
  const write = async (name: string, t: Tensor) => {
    const p = join(o.out, name);
    await io.writeImage(p, t);
    files.push(p);
  };
  const photo = shrinkToWidth(await io.readImage(samplePhoto(1)), 320);
  const sample: Sample = { image: photo, boxes: FACES, points: EYES };

  // 1. Each transform on its own, the boxes and eye points drawn after it.
  const single: [string, Transform][] = [
    ['mirror (flipPairs)', mirror({ p: 1, flipPairs: FLIP_PAIRS })],
    ['randomCrop', randomCrop({ scale: [0.35, 0.6] })],
    ['rotate 20°', rotate({ angles: [20] })],
    ['shear ±25°', shear({ maxDegrees: 25 })],
    ['translate 15%', translate({ maxFraction: 0.15 })],
    ['colorShift ±40', colorShift({ shift: 40 })],
    ['PCA colour (sigma 0.5)', colorShift({ pca: 0.5 })],
    ['warp (elastic)', warp({ alpha: 5, sigma: 14, border: 'reflect' })],
  ];
  const tiles = [sample, ...single.map(([, t], i) => t(sample, 10 + i))];
  await write(
    'augment-transforms.png',
    vision.montage(tiles.map(annotate), {
      cols: 3,
      pad: 6,
      labels: ['original', ...single.map(([n]) => n)],
      labelScale: 2,
    }),
  );
  o.log(
    `one photo (${photo.shape[1]}x${photo.shape[0]}), 2 face boxes and 4 eye points through ${single.length} transforms`,
  );

  // 2. A training pipeline, seeded: every call draws new parameters, the same seed repeats them.
  const pipeline = [
    mirror({ flipPairs: FLIP_PAIRS }),
    randomCrop({ scale: [0.6, 1] }),
    rotate({ maxDegrees: 10 }),
    colorShift({ shift: 20, pca: 0.1 }),
  ];
  const m = augmentMontage(photo, { n: 8, seed: 7, tileWidth: 320, transforms: pipeline, boxes: FACES, points: EYES });
  await write('augment-pipeline.png', m.montage);
  const kept = m.copies.map((c) => c.boxes!.length);
  o.log(
    `pipeline mirror -> randomCrop -> rotate -> colorShift (seed 7): 8 copies keep ${kept.join(', ')} of 2 face boxes (boxes cropped away are dropped)`,
  );

  // 3. Digits: small shifts, rotations and elastic warping (Simard et al.), the kind that helps MNIST.
  const { train } = loadDigits(8, 0, 3);
  const digitAug = compose([translate({ maxPixels: 2 }), rotate({ maxDegrees: 12 }), warp({ alpha: 0.7, sigma: 3 })], {
    seed: 5,
  });
  const rows: Tensor[] = [];
  for (let i = 0; i < 8; i++) {
    const digit = new Tensor(train.x.data.slice(i * 784, (i + 1) * 784), [28, 28, 1]);
    rows.push(digit, ...Array.from({ length: 7 }, () => digitAug(digit)));
  }
  const ink = rows.map(
    (t) =>
      new Tensor(
        t.data.map((v) => 255 * (1 - v)),
        t.shape,
      ),
  ); // black ink on white paper
  await write('augment-digits.png', vision.montage(ink, { cols: 8, zoom: 3, pad: 4 }));
  o.log('8 digits (first column) with 7 variants each: shift ±2 px, rotate ±12°, elastic warp');
  return { files };
}
