// Bytes on disk of io.save: the float model against its quantize()d form (int8 kernels), and the QDQ ONNX file
// beside the float ONNX one. Calibration on seeded random inputs (sizes do not depend on it).
// Run: node --import tsx bench/int8-size.ts
import { init, backend, zoo, io, quantize, Tensor } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { seeded } from './util';

const NETS: Record<string, () => Promise<[Model, number[]]>> = {
  lenet5: async () => [zoo.lenet5({ seed: 1 }), [28, 28, 1]],
  mobilenetv2: async () => [await loadNsfwjs('mobilenet_v2'), [224, 224, 3]],
  resnet50: async () => [zoo.resnet({ depth: 50, seed: 1 }), [224, 224, 3]],
};

async function main(): Promise<void> {
  await init();
  backend.use('wasm-simd');
  console.log('| net | float32 weights | int8 weights | ratio | float ONNX | QDQ ONNX |\n|---|---|---|---|---|---|');
  for (const [name, make] of Object.entries(NETS)) {
    const [m, shape] = await make();
    const q = quantize(m, { calibration: new Tensor(seeded(2 * shape.reduce((a, b) => a * b, 1), 3), [2, ...shape]) });
    const f = (await io.save(m, io.memory())).weightBytes,
      i = (await io.save(q, io.memory())).weightBytes;
    const fo = (await io.saveOnnx(m)).byteLength,
      qo = (await io.saveOnnx(q)).byteLength;
    console.log(`| ${name} | ${f} | ${i} | ${(f / i).toFixed(2)}x | ${fo} | ${qo} |`);
  }
}
void main();
