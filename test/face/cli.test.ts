// `convkit faces` (src/cli/faces.ts): enrol one face, recognise it again, errors as typed failures.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, io, Tensor, ValueError, ModelFormatError } from '../../src/index';
import { facesCommand } from '../../src/cli/faces';
import { parseCommand, UsageError } from '../../src/cli/command';
import { FACE_API_PHOTOS } from '../../examples/data/face-api';

const run = (argv: string[]) => {
  const lines: string[] = [];
  return facesCommand
    .run(parseCommand(facesCommand, argv), (l) => lines.push(l), { write: () => {}, isTTY: false })
    .then((r) => ({ r, lines }));
};

beforeAll(async () => {
  await init();
});

describe('convkit faces', () => {
  it('enrols the one face of a photo, then recognises it with distance ~0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faces-cli-'));
    const db = join(dir, 'people.json');
    const single = FACE_API_PHOTOS[1];
    const a = await run([single, '--db', db, '--add', 'Ann']);
    expect(a.r.added).toBe('Ann');
    expect(JSON.parse(readFileSync(db, 'utf8')).entries[0].id).toBe('Ann');
    const b = await run([single, '--db', db, '-o', join(dir, 'named.png')]);
    const faces = b.r.faces as {
      box: { x: number; y: number; w: number; h: number };
      match: { id: string; distance: number } | null;
    }[];
    expect(faces).toHaveLength(1);
    expect(faces[0].match!.id).toBe('Ann');
    expect(faces[0].match!.distance).toBeLessThan(1e-6);
    expect(faces[0].box.w).toBeGreaterThan(50);
    expect(b.lines.join('\n')).toMatch(/Ann \(d = 0\.000\)/);
  }, 60_000);

  it('fails clearly: --add without --db, missing or foreign database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faces-cli-'));
    await expect(run([FACE_API_PHOTOS[1], '--add', 'Ann'])).rejects.toThrow(UsageError);
    await expect(run([FACE_API_PHOTOS[1], '--db', join(dir, 'none.json')])).rejects.toThrow(ValueError);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));
    await expect(run([FACE_API_PHOTOS[1], '--db', join(dir, 'other.json')])).rejects.toThrow(ModelFormatError);
    // an image with no face
    const blank = join(dir, 'blank.png');
    await io.writeImage(blank, new Tensor(new Float32Array(64 * 96 * 3).fill(128), [64, 96, 3]));
    await expect(run([blank, '--db', join(dir, 'new.json'), '--add', 'Nobody'])).rejects.toThrow(/no face found/);
  }, 60_000);
});
