// Neural style transfer example (also a step of `npm start`): a real group photo from the face-api package
// repainted with GIMP's "Leopard" texture (Debian package gimp-data, /usr/share/gimp/2.0/patterns), on
// nsfwjs's pretrained MobileNetV2. Without gimp-data it says so and uses a procedural swirl texture instead.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, init, vision } from '../src';
import { styleFiles, StyleFilesResult } from '../src/cli/style';

const PHOTO = fileURLToPath(new URL('../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url));
const GIMP_PATTERN = '/usr/share/gimp/2.0/patterns/Animal/leopard.pat';

/** Decodes a GIMP pattern (.pat: big-endian header size, version, width, height, bytes per pixel, "GPAT", name, pixels). */
export function decodeGimpPattern(b: Uint8Array): Tensor {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = v.getUint32(0), w = v.getUint32(8), h = v.getUint32(12), bpp = v.getUint32(16);
  if (String.fromCharCode(...b.subarray(20, 24)) !== 'GPAT' || bpp < 1 || bpp > 4 || header + w * h * bpp > b.length) throw new Error('not a GIMP pattern file');
  const out = new Float32Array(w * h * 3);
  // gray (1, 2) repeats its value; RGB(A) (3, 4) keeps the first three bytes
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = b[header + i * bpp + (bpp >= 3 ? c : 0)];
  return new Tensor(out, [h, w, 3]);
}

/** A procedural stand-in: coloured swirls, 64x64, tileable. */
function swirlTexture(n = 64): Tensor {
  const out = new Float32Array(n * n * 3);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const a = (2 * Math.PI * x) / n, b = (2 * Math.PI * y) / n, t = Math.sin(a + 2 * Math.sin(b)) + Math.cos(2 * b - Math.sin(a));
    for (let c = 0; c < 3; c++) out[(y * n + x) * 3 + c] = 127.5 + 127.5 * Math.sin(1.7 * t + (2 * Math.PI * c) / 3);
  }
  return new Tensor(out, [n, n, 3]);
}

/** Runs the example: writes <out>/style.png and <out>/style-side.png; returns the costs and timing. */
export async function runStyle({ out = 'out', steps = 80, size = 160, log = console.log }: { out?: string; steps?: number; size?: number; log?: (s: string) => void } = {}): Promise<StyleFilesResult> {
  await init();
  let styleImg: Tensor;
  if (existsSync(GIMP_PATTERN)) {
    const tileImg = decodeGimpPattern(new Uint8Array(await readFile(GIMP_PATTERN)));
    // twice the tile's size: spots about as large as the deepest style layer's receptive field
    styleImg = vision.resize(tileImg, 2 * tileImg.shape[0], 2 * tileImg.shape[1]);
    log(`style: GIMP's "Leopard" texture (${GIMP_PATTERN}, Debian package gimp-data), enlarged 2x and tiled`);
  } else {
    styleImg = swirlTexture();
    log(`style: ${GIMP_PATTERN} not found (apt-get install gimp-data), using a procedural swirl texture instead`);
  }
  log('content: face-api demo photo sample1.jpg; features: nsfwjs MobileNetV2 (pretrained, ImageNet family)');
  return styleFiles({
    content: PHOTO,
    style: styleImg, tileStyle: true, out: join(out, 'style.png'), steps, size, alpha: 1e-6, learningRate: 6, tvWeight: 1e-9, log,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (k: string, d: number) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
  const i = process.argv.indexOf('--out');
  runStyle({ out: i > 0 ? process.argv[i + 1] : 'out', steps: arg('steps', 80), size: arg('size', 160) }).catch((e) => { console.error(`error: ${e?.message ?? e}`); process.exit(1); });
}
