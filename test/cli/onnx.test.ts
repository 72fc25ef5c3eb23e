// `convkit info` and `convkit convert`: an ONNX file to a TF.js Layers folder and back gives the same
// network; info lists inputs, outputs, op counts, parameters and the nodes convkit cannot load.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from '../helpers/cli';
import { init, io, ops, Tensor } from '../../src';
import { decodeModel, encodeModel } from '../../src/io/onnx/proto';

const FILE = 'test/fixtures/onnx/extras-op13.onnx';
beforeAll(async () => {
  await init();
});

describe('convkit info', () => {
  it('summarises an ONNX file (--json)', async () => {
    const r = await run('info', FILE, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputs).toEqual([{ name: 'input', shape: ['batch', 3, 9, 11] }]);
    expect(j.ops.Conv).toBe(4);
    expect(j.params).toBe(797);
    expect(j.unsupported).toEqual([]);
  });
  it('names every node convkit cannot load', async () => {
    const m = decodeModel(new Uint8Array(await readFile(FILE)));
    m.graph!.node![3].op_type = 'Einsum';
    const dir = await mkdtemp(join(tmpdir(), 'convkit-cli-onnx-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'bad.onnx'), encodeModel(m));
    const r = await run('info', join(dir, 'bad.onnx'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cannot load 1 node\(s\): '.*' \(Einsum\)/);
  });
  it('fails with one line on a file that is not ONNX', async () => {
    const r = await run('info', 'test/fixtures/onnx/index.json.onnx');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('convkit convert', () => {
  it('ONNX -> TF.js Layers folder -> ONNX keeps the outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convkit-cli-onnx-'));
    expect((await run('convert', FILE, join(dir, 'tfjs'))).code).toBe(0);
    const info = JSON.parse((await run('info', join(dir, 'tfjs'), '--json')).stdout);
    expect(info.format).toBe('tfjs-layers');
    expect(info.unexportable).toEqual([]);
    const r = await run('convert', join(dir, 'tfjs'), join(dir, 'back.onnx'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).format).toBe('onnx');
    const x = ops.randomUniform([2, 9, 11, 3], { seed: 4 });
    const a = ((await io.loadOnnx(FILE)).predict(x) as Tensor).data,
      b = ((await io.loadOnnx(join(dir, 'back.onnx'))).predict(x) as Tensor).data;
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
  });
  it('refuses two ONNX sides and a bad layout with exit code 2', async () => {
    expect((await run('convert', FILE, 'x.onnx')).code).toBe(2);
    expect((await run('convert', FILE, 'dir', '--input-layout', 'chw')).code).toBe(2);
  });
});
