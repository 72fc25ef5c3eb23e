// `convkit explain`: help, the --json result on a small saved model and real digits, the pictures it writes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from '../helpers/cli';
import { init, io, zoo, ops, vision } from '../../src';
import { digitSet } from '../../src/datasets/mnist';

let dir = '';
const digits: string[] = [];
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), 'convkit-explain-'));
  await io.save(zoo.lenet5({ seed: 5 }), join(dir, 'lenet'));
  const set = digitSet([
    [3, 0],
    [7, 1],
    [0, 2],
    [8, 3],
  ]);
  for (let i = 0; i < 4; i++) {
    const p = join(dir, `digit${i}.png`);
    await io.writeImage(p, ops.mul(ops.slice(set.x, [i, 0, 0, 0], [1, 28, 28, 1]), 255).reshape([28, 28, 1]));
    digits.push(p);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('convkit explain', () => {
  it('--help names the pictures and the options', async () => {
    const r = await run('explain', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^convkit explain: /);
    for (const o of ['--layers', '--cam-layer', '--k', '--units', '--class', '--crop', '--json'])
      expect(r.stdout).toContain(o);
  });

  it('--json gives receptive fields and patches equal to vision.topPatches, and writes four PNGs', async () => {
    const out = join(dir, 'out');
    const r = await run(
      'explain',
      ...digits,
      '--model',
      join(dir, 'lenet'),
      '--layers',
      'conv1,pool2',
      '--k',
      '2',
      '--units',
      '3',
      '-o',
      out,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.images).toBe(4);
    expect(j.layers.map((l: { layer: string }) => l.layer)).toEqual(['conv1', 'pool2']);
    expect(j.layers[1].receptiveField).toEqual({ height: 16, width: 16, strideY: 4, strideX: 4 });
    expect(j.files.map((f: string) => f.slice(out.length + 1))).toEqual([
      'patches.png',
      'feature-maps.png',
      'saliency.png',
      'grad-cam.png',
    ]);
    // the same search through the library on the same pixels
    const m = await io.load(join(dir, 'lenet'));
    const imgs = await Promise.all(digits.map(async (p) => ops.mul(await io.readImage(p, { channels: 1 }), 1 / 255)));
    const lib = await vision.topPatches(m, 'pool2', imgs, { k: 2, distinctImages: true });
    for (const u of j.layers[1].units) expect(u).toEqual(lib[u.unit]);
    const grid = await io.readImage(j.files[0]);
    expect(grid.shape[0]).toBeGreaterThan(3 * 16);
  });

  it('a missing layer or image is a one-line error', async () => {
    const r = await run('explain', digits[0], '--model', join(dir, 'lenet'), '--layers', 'nope', '-o', join(dir, 'o2'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^convkit explain: .*no layer named 'nope'.*\n$/);
    expect((await run('explain', '--model', join(dir, 'lenet'))).code).toBe(2);
  });
});
