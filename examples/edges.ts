// Tour step: the notes' edge detectors on a real photograph. Writes the photo with its vertical,
// horizontal and magnitude maps side by side (Sobel and the notes' plain [1, 0, -1] filters).
import { join } from 'node:path';
import { io } from '../src';
import { edgePanel } from '../src/cli/edges';
import { samplePhoto } from './photos';

/** Runs edge detection on face-api's sample1.jpg and writes edges-sobel.png and edges-simple.png to `out`. */
export async function runEdges(o: { out: string; log: (s: string) => void }): Promise<{ files: string[] }> {
  const file = samplePhoto(1);
  const img = await io.readImage(file);
  o.log(`photo: ${img.shape[1]}x${img.shape[0]} (demo/sample1.jpg of @vladmandic/face-api)`);
  const files: string[] = [];
  for (const filter of ['sobel', 'simple'] as const) {
    const r = edgePanel(img, { filter, tileWidth: 400 });
    const path = join(o.out, `edges-${filter}.png`);
    await io.writeImage(path, r.panel);
    files.push(path);
    const strong = r.maps.magnitude.data.filter((v) => v > r.fullScale.magnitude / 4).length / r.maps.magnitude.size;
    o.log(
      `${filter}: full-scale responses vertical ${r.fullScale.vertical.toFixed(0)}, horizontal ${r.fullScale.horizontal.toFixed(0)}, magnitude ${r.fullScale.magnitude.toFixed(0)}; ${(100 * strong).toFixed(1)}% of pixels are edges above a quarter of full scale`,
    );
  }
  return { files };
}
