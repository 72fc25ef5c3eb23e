// The `npm start` steps that share code with the CLI: edge maps of a real photo and the augmentation
// montages. Checks the files are written as pictures of the expected layout.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEdges } from '../../examples/edges';
import { runAugmentDemo } from '../../examples/augment';
import { readImage } from '../../src/io/image';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('tour steps', () => {
  it('runEdges writes Sobel and simple-filter panels of a real photo', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convkit-edges-'));
    dirs.push(out);
    const lines: string[] = [];
    const { files } = await runEdges({ out, log: (s) => lines.push(s) });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['edges-sobel.png', 'edges-simple.png']);
    const img = await readImage(files[0]);
    expect(img.shape[1]).toBeGreaterThan(4 * 400); // four 400-pixel tiles in a row
    expect(lines[0]).toMatch(/^photo: 1920x1280/);
  });

  it('runAugmentDemo writes the transform, pipeline and digit montages', async () => {
    const out = await mkdtemp(join(tmpdir(), 'convkit-aug-'));
    dirs.push(out);
    const lines: string[] = [];
    const { files } = await runAugmentDemo({ out, log: (s) => lines.push(s) });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'augment-transforms.png',
      'augment-pipeline.png',
      'augment-digits.png',
    ]);
    const digits = await readImage(files[2]);
    expect(digits.shape[1]).toBe(4 + 8 * (28 * 3 + 4)); // 8 columns of 3x-zoomed digits with 4-pixel gaps
    expect(lines.join('\n')).toMatch(/keep [12](, [12]){7} of 2 face boxes/);
  });
});
