// Real photographs for the examples: the group photos that @vladmandic/face-api (a dev dependency)
// ships in its demo/ folder, found through the package resolver (no machine paths), and square crops of them (for
// nsfwjs's MobileNetV2: the int8 tour step and benchmarks).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { io, vision, Tensor } from '../src';

/** Path of face-api's demo/sample<i>.jpg (i = 1..6, about 1920x1300 each). */
export function samplePhoto(i = 1): string {
  const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return join(dirname(pkg), 'demo', `sample${i}.jpg`);
}

/** n square crops (side 35-90% of the shorter edge, seeded positions) of the six photos, 224x224, pixels / 255. */
export async function photoCrops(n: number, seed: number): Promise<Tensor> {
  const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => io.readImage(samplePhoto(i), { channels: 3 })));
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = new Float32Array(n * 224 * 224 * 3);
  for (let i = 0; i < n; i++) {
    const p = photos[i % photos.length],
      [h, w] = p.shape;
    const side = Math.floor(Math.min(h, w) * (0.35 + 0.55 * rand()));
    const x = Math.floor(rand() * (w - side)),
      y = Math.floor(rand() * (h - side));
    const c = vision.resize(vision.crop(p, { x, y, width: side, height: side }), 224, 224);
    for (let j = 0; j < c.size; j++) out[i * c.size + j] = c.data[j] / 255;
  }
  return new Tensor(out, [n, 224, 224, 3]);
}
