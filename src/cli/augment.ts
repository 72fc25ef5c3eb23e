// `convkit augment`: random augmented copies of an image (vision.augment), written as one montage a
// person can look at, plus each copy as its own file.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { montage, drawBoxes, drawPoints, PALETTE } from '../vision/draw';
import { readImage, writeImage } from '../io/image';
import {
  mirror,
  randomCrop,
  rotate,
  shear,
  translate,
  colorShift,
  warp,
  compose,
  type Transform,
  type AugBox,
  type AugPoint,
  type Sample,
} from '../vision/augment';
import { shrinkToWidth } from './picture';
import { type Command, UsageError, numberOption, onePositional } from './command';

/** The transforms the command knows by name, with defaults suited to a photo `width` pixels wide. */
export const NAMED_TRANSFORMS: Record<string, (width: number) => Transform> = {
  mirror: () => mirror({ p: 0.5 }),
  crop: () => randomCrop({ scale: [0.5, 1] }),
  rotate: () => rotate({ maxDegrees: 15 }),
  shear: () => shear({ maxDegrees: 12 }),
  translate: () => translate({ maxFraction: 0.1 }),
  color: () => colorShift({ shift: 30 }),
  // AlexNet's σ = 0.1 is barely visible by eye; 0.3 shows what the PCA noise does.
  pca: () => colorShift({ pca: 0.3 }),
  warp: (w) => warp({ alpha: Math.max(1, w / 80), sigma: Math.max(2, w / 16), border: 'reflect' }),
};

/** The default pipeline of the command. */
export const DEFAULT_TRANSFORMS = ['mirror', 'crop', 'rotate', 'color', 'pca'];

/** Options of {@link augmentMontage}. */
export interface AugmentMontageOptions {
  /** How many augmented copies (default 8). */
  n?: number;
  seed?: number;
  /** The pipeline (default: DEFAULT_TRANSFORMS). */
  transforms?: readonly Transform[];
  /** Width of each tile (default 240); the image is shrunk to it first. */
  tileWidth?: number;
  /** Boxes and points to draw, showing that they follow their pixels. */
  boxes?: AugBox[];
  points?: AugPoint[];
  /** Columns of the montage (default: ceil(sqrt(n + 1))). */
  cols?: number;
}

/** The original and `n` augmented copies in a labelled grid; returns the montage and the copies. */
export function augmentMontage(img: Tensor, opts: AugmentMontageOptions = {}): { montage: Tensor; copies: Sample[] } {
  const n = opts.n ?? 8;
  const photo = shrinkToWidth(img, opts.tileWidth ?? 240);
  const w = photo.shape[1];
  const aug = compose(opts.transforms ?? DEFAULT_TRANSFORMS.map((k) => NAMED_TRANSFORMS[k](w)), { seed: opts.seed });
  const original: Sample = { image: photo, boxes: opts.boxes, points: opts.points };
  const copies = Array.from({ length: n }, () => aug(original));
  const tiles = [original, ...copies].map(annotate);
  const m = montage(tiles, {
    cols: opts.cols ?? Math.ceil(Math.sqrt(n + 1)),
    pad: 6,
    labels: ['original', ...copies.map((_, i) => `#${i + 1}`)],
    labelScale: 2,
  });
  return { montage: m, copies };
}

/** The sample's image with its boxes and points drawn on it. */
export function annotate(s: Sample): Tensor {
  let t = s.image;
  if (s.boxes?.length)
    t = drawBoxes(t, s.boxes, {
      lineWidth: 2,
      labels: s.boxes.map((b) => String((b as { label?: unknown }).label ?? '')),
    });
  // One colour per landmark index, so a left/right swap by mirror's flipPairs is visible.
  if (s.points?.length) t = drawPoints(t, s.points, { numbers: true, colors: PALETTE, radius: 3 });
  return t;
}

/** The `augment` command. */
export const augmentCommand: Command = {
  name: 'augment',
  summary: 'random augmented copies of an image, as a montage and as separate files',
  usage: '<image> -o <dir> [options]',
  options: {
    out: { type: 'string', short: 'o', arg: 'DIR', help: 'directory for augment-montage.png and augment-N.png' },
    n: { type: 'string', short: 'n', arg: 'N', default: '8', help: 'number of augmented copies' },
    seed: { type: 'string', arg: 'S', default: '1', help: 'random seed (same seed, same copies)' },
    transforms: {
      type: 'string',
      arg: 'LIST',
      default: DEFAULT_TRANSFORMS.join(','),
      help: `comma-separated, from ${Object.keys(NAMED_TRANSFORMS).join(', ')}`,
    },
    width: { type: 'string', arg: 'PX', default: '240', help: 'width of each copy' },
  },
  examples: [
    'convkit augment photo.jpg -o out/ --n 8',
    'convkit augment photo.jpg -o out/ --transforms mirror,rotate,warp --seed 3 --json',
  ],
  async run(args, log) {
    const file = onePositional(args, 'input image');
    const out = args.values.out as string | undefined;
    if (!out) throw new UsageError('missing -o <dir>');
    const n = numberOption(args, 'n', { min: 1 })!;
    if (n > 256) throw new ValueError(`augment: --n ${n} is more than 256 copies`);
    const seed = numberOption(args, 'seed')!;
    const width = numberOption(args, 'width', { min: 16 })!;
    if (width > 2048) throw new ValueError(`augment: --width ${width} is larger than 2048`);
    const names = (args.values.transforms as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((k) => !(k in NAMED_TRANSFORMS));
    if (!names.length || unknown.length)
      throw new UsageError(
        `--transforms: unknown ${unknown.length ? `'${unknown.join("', '")}'` : '(empty list)'}; choose from ${Object.keys(NAMED_TRANSFORMS).join(', ')}`,
      );
    const img = await readImage(file);
    const photoW = Math.min(width, img.shape[1]);
    const r = augmentMontage(img, {
      n,
      seed,
      tileWidth: width,
      transforms: names.map((k) => NAMED_TRANSFORMS[k](photoW)),
    });
    await mkdir(out, { recursive: true });
    const files = [join(out, 'augment-montage.png')];
    await writeImage(files[0], r.montage);
    for (const [i, c] of r.copies.entries()) {
      files.push(join(out, `augment-${i + 1}.png`));
      await writeImage(files[i + 1], c.image);
    }
    log(
      `${file}: ${img.shape[1]}x${img.shape[0]}; ${n} copies at ${r.copies[0].image.shape[1]}x${r.copies[0].image.shape[0]} through ${names.join(' -> ')} (seed ${seed})`,
    );
    log(`wrote ${files[0]} and ${n} augment-N.png files`);
    return { file, width: img.shape[1], height: img.shape[0], transforms: names, seed, n, out, files };
  },
};
