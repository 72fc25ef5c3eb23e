// Square crops of the six demo photos (the only real photographs we ship), for nsfwjs's MobileNetV2: shared by the
// int8 accuracy benchmarks.
import { io, vision, Tensor } from '../src';
import { samplePhoto } from '../examples/photos';

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
