// Neural style transfer example (also a step of `npm start`): a real group photo from the face-api package
// repainted in the style of Vincent van Gogh's "Café Terrace at Night" (1888, public domain), on nsfwjs's
// pretrained InceptionV3 with L-BFGS, coarse to fine (Gatys et al.'s recipe at 384 pixels in about 30 s of CPU).
// The painting is examples/data/van-gogh-cafe-terrace-at-night.jpg, taken from Debian's gcompris-qt-data 3.1
// (usr/share/gcompris-qt/rcc/details.rcc, image Gogh4_background.webp, 401x500; GCompris ships it under GPL-3,
// the painting itself is in the public domain). Also writes the result at several style weights in one strip.
// decodeGimpPattern stays for GIMP's "Leopard" texture (Debian gimp-data), the fallback texture.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, init, io, style, vision } from '../src';
import { styleFiles, StyleFilesResult, tile } from '../src/cli/style';

const PHOTO = fileURLToPath(new URL('../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url));
const GIMP_PATTERN = '/usr/share/gimp/2.0/patterns/Animal/leopard.pat';

/**
 * Decodes a GIMP pattern (.pat: big-endian header size, version, width, height, bytes per pixel, "GPAT", name,
 * pixels).
 */
export function decodeGimpPattern(b: Uint8Array): Tensor {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = v.getUint32(0),
    w = v.getUint32(8),
    h = v.getUint32(12),
    bpp = v.getUint32(16);
  if (String.fromCharCode(...b.subarray(20, 24)) !== 'GPAT' || bpp < 1 || bpp > 4 || header + w * h * bpp > b.length)
    throw new Error('not a GIMP pattern file');
  const out = new Float32Array(w * h * 3);
  // gray (1, 2) repeats its value; RGB(A) (3, 4) keeps the first three bytes
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = b[header + i * bpp + (bpp >= 3 ? c : 0)];
  return new Tensor(out, [h, w, 3]);
}

const PAINTING = fileURLToPath(new URL('./data/van-gogh-cafe-terrace-at-night.jpg', import.meta.url));

/** What {@link runStyle} wrote and measured. */
export interface StyleExampleResult extends StyleFilesResult {
  strip: string;
}

/**
 * Runs the example: <out>/style.png (384 px on the long side), <out>/style-side.png (C, S, G) and
 * <out>/style-weights.png (the content and G at style weights β = 0.3, 1, 3, 10 at half the size).
 */
export async function runStyle({
  out = 'out',
  size = 384,
  steps = [25, 12],
  stripSteps = 20,
  log = console.log,
}: {
  out?: string;
  size?: number;
  steps?: number[];
  stripSteps?: number;
  log?: (s: string) => void;
} = {}): Promise<StyleExampleResult> {
  await init();
  let painting: Tensor;
  if (existsSync(PAINTING)) {
    painting = await io.readImage(PAINTING, { channels: 3 });
    log("style: Vincent van Gogh, Café Terrace at Night (1888, public domain), from Debian's gcompris-qt-data");
  } else if (existsSync(GIMP_PATTERN)) {
    const tileImg = decodeGimpPattern(new Uint8Array(await readFile(GIMP_PATTERN)));
    painting = tile(vision.resize(tileImg, 2 * tileImg.shape[0], 2 * tileImg.shape[1]), 512, 512);
    log(`style: ${PAINTING} is missing; using GIMP's "Leopard" texture (${GIMP_PATTERN}, Debian gimp-data) instead`);
  } else throw new Error(`style example: neither ${PAINTING} nor ${GIMP_PATTERN} (apt-get install gimp-data) is there`);
  log('content: face-api demo photo sample1.jpg; features: nsfwjs InceptionV3 (pretrained), L-BFGS, coarse to fine');
  const model = await io.loadNsfwjs('inception_v3');
  const recipe = { style: painting, model, optimizer: 'lbfgs' as const, alpha: 1e-6, beta: 3, tvWeight: 1e-9 };
  const r = await styleFiles({
    content: PHOTO,
    out: join(out, 'style.png'),
    size,
    scales: [0.5, 1],
    steps,
    log,
    ...recipe,
  });
  log(`${r.width}x${r.height} in ${r.cpuSeconds.toFixed(1)} s of CPU`);

  // The style weight decides how much of the painting shows: one strip at half the size.
  const small = Math.round(size / 2),
    tiles: Tensor[] = [],
    labels: string[] = [];
  const photo = await io.readImage(PHOTO, { channels: 3 });
  const k = small / Math.max(photo.shape[0], photo.shape[1]);
  const content = vision.resize(photo, Math.round(photo.shape[0] * k), Math.round(photo.shape[1] * k));
  tiles.push(content);
  labels.push('content');
  for (const beta of [0.3, 1, 3, 10]) {
    tiles.push(await style.transfer({ content, steps: stripSteps, previewEvery: 0, ...recipe, beta }));
    labels.push(`beta = ${beta}`);
  }
  const strip = join(out, 'style-weights.png');
  await io.writeImage(strip, vision.montage(tiles, { cols: tiles.length, pad: 4, labels }));
  log(
    `wrote ${strip}: the style at weights 0.3, 1, 3 and 10 (${stripSteps} L-BFGS steps each at ${content.shape[1]}x${content.shape[0]})`,
  );
  return { ...r, strip };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (k: string, d: number) => {
    const i = process.argv.indexOf(`--${k}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const i = process.argv.indexOf('--out');
  runStyle({ out: i > 0 ? process.argv[i + 1] : 'out', size: arg('size', 384) }).catch((e) => {
    console.error(`error: ${e?.message ?? e}`);
    process.exit(1);
  });
}
