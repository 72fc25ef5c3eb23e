// The `convkit` command: help, --json results, exit codes, one-line errors, files written; run
// in-process through main() and once through bin/convkit.js as a user would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, readFile, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli as run } from '../helpers/cli';
import { Tensor } from '../../src/tensor';
import { readImage, writeImage } from '../../src/io/image';

let dir = '';
let stepPng = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convkit-cli-'));
  // A vertical step: dark left half, bright right half, with some colour.
  const h = 30,
    w = 40,
    d = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) d[(y * w + x) * 3 + k] = x < 20 ? 20 + 10 * k : 200 + 10 * k;
  stepPng = join(dir, 'step.png');
  await writeImage(stepPng, new Tensor(d, [h, w, 3]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('convkit CLI', () => {
  it('lists its commands; unknown commands and options are usage errors (exit 2, one line)', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const c of ['train', 'edges', 'augment']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect((await run()).code).toBe(2);
    const bad = await run('detekt');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^convkit: unknown command 'detekt' \(did you mean 'detect'\?\) \(commands: train, edges, augment[a-z, ]*; see convkit --help\)\n$/,
    );
    const opt = await run('edges', stepPng, '-o', join(dir, 'x.png'), '--colour');
    expect(opt.code).toBe(2);
    expect(opt.stderr.trim().split('\n')).toHaveLength(1);
    expect(opt.stderr).toMatch(/^convkit edges: Unknown option '--colour' \(see convkit edges --help\)/);
    for (const c of ['train', 'edges', 'augment']) {
      const h = await run(c, '--help');
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`usage: convkit ${c} `));
      expect(h.stdout).toMatch(/--json/);
    }
  });

  it('edges writes the four-panel picture; --json reports the responses', async () => {
    const out = join(dir, 'edges.png');
    const r = await run('edges', stepPng, '-o', out, '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({
      file: stepPng,
      width: 40,
      height: 30,
      filter: 'sobel',
      out,
      tile: { width: 40, height: 30 },
    });
    // A vertical step has a vertical response and no horizontal one.
    expect(res.fullScale.vertical).toBeGreaterThan(100);
    expect(res.fullScale.horizontal).toBeLessThan(1e-3);
    const img = await readImage(out);
    expect([img.shape[1], img.shape[0]]).toEqual([res.outWidth, res.outHeight]);
    expect(res.outWidth).toBeGreaterThan(4 * 40);
    const text = await run('edges', stepPng, '-o', out, '--filter', 'simple');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/simple edges on a 40x30 copy/);
    expect(text.stdout).toMatch(/^wrote .*edges\.png/m);
  });

  it('edges: missing and corrupt inputs fail with one line and exit 1; bad arguments exit 2', async () => {
    const missing = await run('edges', join(dir, 'nope.jpg'), '-o', join(dir, 'o.png'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^convkit edges: readImage: cannot read .*nope\.jpg/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const junk = join(dir, 'junk.png');
    await writeFile(junk, Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    const corrupt = await run('edges', junk, '-o', join(dir, 'o.png'));
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
    expect((await run('edges', stepPng)).stderr).toMatch(/missing -o/);
    expect((await run('edges', stepPng, '-o', 'x.png', '--filter', 'canny')).code).toBe(2);
    expect((await run('edges', stepPng, '-o', 'x.png', '--width', 'wide')).stderr).toMatch(
      /--width expects a whole number >= 16, got 'wide'/,
    );
    expect((await run('edges', '-o', 'x.png')).stderr).toMatch(/missing the input image/);
    expect((await run('edges', stepPng, '-o', 'x.png', '--backend', 'gpu')).code).toBe(2);
  });

  it('augment writes a montage and N copies, reproducibly per seed', async () => {
    const a = join(dir, 'aug-a'),
      b = join(dir, 'aug-b');
    const r = await run(
      'augment',
      stepPng,
      '-o',
      a,
      '--n',
      '3',
      '--seed',
      '4',
      '--transforms',
      'mirror,rotate,warp,pca',
      '--json',
    );
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.transforms).toEqual(['mirror', 'rotate', 'warp', 'pca']);
    expect((await readdir(a)).sort()).toEqual([
      'augment-1.png',
      'augment-2.png',
      'augment-3.png',
      'augment-montage.png',
    ]);
    expect(res.files).toHaveLength(4);
    await run('augment', stepPng, '-o', b, '--n', '3', '--seed', '4', '--transforms', 'mirror,rotate,warp,pca');
    expect(Buffer.compare(await readFile(join(a, 'augment-2.png')), await readFile(join(b, 'augment-2.png')))).toBe(0);
    const copies = await Promise.all([1, 2, 3].map((i) => readImage(join(a, `augment-${i}.png`))));
    expect(copies.every((c) => c.shape.join() === '30,40,3')).toBe(true);
    expect(Buffer.compare(await readFile(join(a, 'augment-1.png')), await readFile(join(a, 'augment-2.png')))).not.toBe(
      0,
    );
    const bad = await run('augment', stepPng, '-o', a, '--transforms', 'mirror,zoom');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown 'zoom'/);
    expect((await run('augment', stepPng, '-o', a, '--n', '0')).code).toBe(2);
  });

  it('train fits LeNet-5 on real digits and saves the model', async () => {
    const out = join(dir, 'lenet');
    const r = await run('train', '--train', '300', '--test', '100', '--epochs', '1', '--augment', '-o', out, '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ model: 'lenet5', data: 'mnist', train: 300, test: 100, epochs: 1, augment: true });
    expect(res.history.loss).toHaveLength(1);
    expect(res.accuracy).toBeCloseTo(res.correct / 100, 12);
    // seeded: 18 of the 100 test digits and a loss of 2.2716 on every build here; the margin (two digits, 0.005)
    // is for another engine's rounding
    expect(res.correct).toBeGreaterThanOrEqual(16);
    expect(res.correct).toBeLessThanOrEqual(20);
    expect(res.history.loss[0]).toBeCloseTo(2.2716, 2);
    expect(res.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(100);
    for (const f of [
      'lenet5-model/model.json',
      'lenet-training.png',
      'lenet-conv1-filters.png',
      'lenet-mistakes.png',
      'lenet-confusion.png',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect((await run('train', '--train', '9000', '--test', '2000')).stderr).toMatch(
      /^convkit train: datasets.mnist: 9000 training plus 2000 test digits is more than the 10000 available/,
    );
  });

  it('bin/convkit.js runs from the sources with the right exit codes', () => {
    const bin = fileURLToPath(new URL('../../bin/convkit.js', import.meta.url));
    const help = execFileSync(process.execPath, [bin, 'augment', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(help).toMatch(/usage: convkit augment <image> -o <dir>/);
    const bad = spawnSync(process.execPath, [bin, 'edges', 'missing.png', '-o', 'x.png'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/convkit edges: readImage: cannot read/);
  });
});
