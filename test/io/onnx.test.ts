// io.loadOnnx against PyTorch: networks exported by scripts/onnx-fixtures.py with seeded random weights
// and PyTorch's outputs. The small hand-made networks are committed; the torchvision zoo is generated
// (CI's setup runs the script; here it is generated on first use when Debian's PyTorch is installed).
import { it, expect, beforeAll, describe } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { init, io, ops, tensor, Tensor, backend, Model } from '../../src';
import { describeEachBackend, BACKENDS } from '../helpers/backends';
import { PYTHON, relErr, runOrt, setupOrt } from '../helpers/onnx';

const SMALL = 'test/fixtures/onnx';
const ZOO = '.cache/onnx-zoo';

interface Entry {
  onnx: string;
  input: string;
  output: string;
  inputShape: number[];
  outputShape: number[];
  opset: number;
}
const index = (dir: string): Record<string, Entry> => JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
const floats = (path: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(path)).buffer);

/** PyTorch's NCHW input as NHWC. */
const nhwc = (dir: string, e: Entry): Tensor =>
  ops.transpose(tensor(floats(join(dir, e.input)), e.inputShape), [0, 2, 3, 1]);

beforeAll(async () => {
  await init();
  setupOrt();
});

// the relaxed-SIMD vitest project reruns this file for that build only (the rest ran in the node project)
const RELAXED = BACKENDS.includes('wasm-relaxed-simd');
const RUN_ON = RELAXED ? (['wasm-relaxed-simd'] as const) : BACKENDS;
const small = index(SMALL);
const smallModels = new Map<string, Model>();

describeEachBackend(
  'loadOnnx on PyTorch exports',
  () => {
    it.each(Object.keys(small))('%s equals PyTorch within 1e-4', async (tag) => {
      const e = small[tag];
      if (!smallModels.has(tag)) smallModels.set(tag, await io.loadOnnx(join(SMALL, e.onnx)));
      const y = smallModels.get(tag)!.predict(nhwc(SMALL, e)) as Tensor;
      expect(y.shape).toEqual(e.outputShape);
      expect(relErr(y.data, floats(join(SMALL, e.output)))).toBeLessThan(1e-4);
    });
  },
  RUN_ON,
);

// The zoo needs Debian's PyTorch to generate; without it (and without a cache) these tests skip.
const torchMissing = (() => {
  if (existsSync(join(ZOO, 'index.json'))) return null;
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision, onnx'], { stdio: 'ignore' });
  } catch {
    return `${PYTHON} with torch, torchvision and onnx is not installed (apt-get install python3-torch python3-torchvision python3-onnx)`;
  }
  return null;
})();

describe.skipIf(torchMissing !== null)(
  `loadOnnx on torchvision networks${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    let zoo: Record<string, Entry> = {};
    beforeAll(() => {
      if (!existsSync(join(ZOO, 'index.json'))) execFileSync(PYTHON, ['scripts/onnx-fixtures.py'], { stdio: 'ignore' });
      zoo = index(ZOO);
    }, 600_000);
    const NETS = [
      'squeezenet1_1',
      'resnet18',
      'mobilenet_v2',
      'mobilenet_v3_small',
      'shufflenet_v2_x0_5',
      'googlenet',
      'densenet121',
      'efficientnet_b0',
      'regnet_x_400mf',
    ];
    it.each(NETS)(
      '%s equals PyTorch within 1e-4 on every backend, and so does its re-export in ONNX Runtime',
      async (name) => {
        const e = zoo[name];
        const m = await io.loadOnnx(join(ZOO, e.onnx));
        const want = floats(join(ZOO, e.output));
        for (const b of RUN_ON) {
          const y = backend.with(b, () => m.predict(nhwc(ZOO, e)) as Tensor);
          expect(relErr(y.data, want), `${name} on ${b}`).toBeLessThan(1e-4);
        }
        if (RELAXED) return;
        const out = await runOrt(await io.saveOnnx(m), nhwc(ZOO, e));
        expect(relErr(out, want), `${name} exported by convkit, in ONNX Runtime`).toBeLessThan(1e-4);
      },
      120_000,
    );
  },
);
