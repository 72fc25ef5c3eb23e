import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, io, ops, Tensor } from '../../src';
import { styleCommand, tile } from '../../src/cli/style';
import { parseCommand, UsageError } from '../../src/cli/command';

beforeAll(async () => {
  await init();
});

const quiet = { isTTY: false, write: () => {} };

describe('convkit style', () => {
  it('writes the generated image and a side-by-side, and reports falling J_style', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-style-'));
    await io.writeImage(join(dir, 'c.png'), ops.randomUniform([30, 40, 3], { min: 0, max: 255, seed: 1 }));
    await io.writeImage(join(dir, 's.png'), ops.randomUniform([16, 16, 3], { min: 0, max: 80, seed: 2 }));
    const lines: string[] = [];
    let bar = '';
    const out = join(dir, 'out.png');
    const r = await styleCommand.run(
      parseCommand(styleCommand, [
        join(dir, 'c.png'),
        join(dir, 's.png'),
        '-o',
        out,
        '--steps',
        '3',
        '--size',
        '40',
        '--tile',
      ]),
      (s) => lines.push(s),
      {
        isTTY: false,
        write: (s) => {
          bar += s;
        },
      },
    );
    expect(r.width).toBe(40);
    expect(r.height).toBe(30);
    expect(r.steps).toBe(3);
    const img = await io.readImage(out);
    expect(img.shape).toEqual([30, 40, 3]);
    expect(existsSync(join(dir, 'out-side.png'))).toBe(true);
    const js = r.Jstyle as { first: number; last: number };
    expect(js.last).toBeLessThan(js.first);
    expect(bar).toMatch(/step 3\/3 \[#+\]/);
    expect(lines.some((l) => /J_style .* lower/.test(l))).toBe(true);
  });

  it('rejects a wrong command line with a usage error', async () => {
    await expect(styleCommand.run(parseCommand(styleCommand, ['only-one.jpg']), () => {}, quiet)).rejects.toThrow(
      UsageError,
    );
    await expect(
      styleCommand.run(parseCommand(styleCommand, ['a.jpg', 'b.jpg', '--init', 'zeros']), () => {}, quiet),
    ).rejects.toThrow(/--init expects content or noise/);
    await expect(
      styleCommand.run(parseCommand(styleCommand, ['a.jpg', 'b.jpg', '--content-layer', 'x']), () => {}, quiet),
    ).rejects.toThrow(/together/);
    expect(() => parseCommand(styleCommand, ['a.jpg', 'b.jpg', '--stepz', '3'])).toThrow(UsageError);
  });

  it('tile repeats a texture', () => {
    const t = new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2, 1]);
    expect(Array.from(tile(t, 3, 3).data)).toEqual([1, 2, 1, 3, 4, 3, 1, 2, 1]);
  });
});
