// `convkit detect`: the --json shape of DESIGN, the drawn picture, usage errors; in-process via main().
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from '../helpers/cli';
import { readImage, writeImage } from '../../src/io/image';
import { resize } from '../../src/vision/image';
import { DEMO_PHOTOS, readReference } from '../../examples/data/face-api-detect';

let dir = '';
let photo = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convkit-detect-cli-'));
  // sample3 at 960x675: small enough to be quick, faces still large
  const img = await readImage(DEMO_PHOTOS[2], { channels: 3 });
  photo = join(dir, 'group.png');
  await writeImage(photo, resize(img, 675, 960));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('convkit detect', () => {
  it('--json prints { file, width, height, faces: [{ box, score, landmarks }] } in pixels', async () => {
    const r = await run('detect', photo, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).sort()).toEqual(['faces', 'file', 'height', 'width']);
    expect([j.file, j.width, j.height]).toEqual([photo, 960, 675]);
    // the same faces face-api finds in the full-size photo (boxes scale with the photo)
    const ref = readReference()['sample3.jpg'];
    expect(j.faces).toHaveLength(ref.faces.length);
    for (const f of j.faces) {
      expect(Object.keys(f).sort()).toEqual(['box', 'landmarks', 'score']);
      expect(f.score).toBeGreaterThan(0.5);
      expect(f.landmarks).toHaveLength(68);
      const best = Math.max(
        ...ref.faces.map((w) => {
          const ax1 = f.box.x - f.box.w / 2,
            ax2 = f.box.x + f.box.w / 2,
            ay1 = f.box.y - f.box.h / 2,
            ay2 = f.box.y + f.box.h / 2;
          const bx1 = (w.box.x - w.box.w / 2) * 960,
            bx2 = (w.box.x + w.box.w / 2) * 960,
            by1 = (w.box.y - w.box.h / 2) * 675,
            by2 = (w.box.y + w.box.h / 2) * 675;
          const i =
            Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)) * Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
          return i / (f.box.w * f.box.h + (bx2 - bx1) * (by2 - by1) - i);
        }),
      );
      expect(best).toBeGreaterThan(0.8);
      // landmarks lie around the box
      for (const p of f.landmarks) {
        expect(Math.abs(p.x - f.box.x)).toBeLessThan(f.box.w);
        expect(Math.abs(p.y - f.box.y)).toBeLessThan(f.box.h);
      }
    }
  }, 60_000);

  it('writes the photo with faces drawn; --no-landmarks gives boxes only; a summary without --json', async () => {
    const out = join(dir, 'faces.png');
    const r = await run('detect', photo, '-o', out, '--no-landmarks');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/group\.png: 960x675, \d+ faces? \(input 416, threshold 0\.5\)/);
    expect(r.stdout).toContain(`wrote ${out}`);
    const drawn = await readImage(out);
    expect(drawn.shape).toEqual([675, 960, 3]);
    const j = JSON.parse((await run('detect', photo, '--no-landmarks', '--json')).stdout);
    expect(j.faces.every((f: { landmarks?: unknown }) => f.landmarks === undefined)).toBe(true);
  }, 60_000);

  it('usage errors exit 2, bad files exit 1, each one line', async () => {
    for (const argv of [
      ['detect'],
      ['detect', photo, '--size', '100'],
      ['detect', photo, '--threshold', '1.5'],
      ['detect', photo, '--size', 'x'],
    ]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^convkit detect: .*\(see convkit detect --help\)\n$/);
    }
    const missing = await run('detect', join(dir, 'nope.jpg'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const help = await run('detect', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: convkit detect <photo>');
  });
});
