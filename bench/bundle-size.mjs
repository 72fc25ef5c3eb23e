// What an app pays in bytes for a few convkit imports, and for TensorFlow.js and ONNX Runtime Web:
// each snippet is bundled for the browser with esbuild (minified), then gzipped (level 9). convkit is
// resolved through its package.json `exports` from dist/, as an installed copy would be, so run
// `npm run build` first. Assets the library fetches at run time (ORT Web's .wasm) are listed apart.
// Usage: node bench/bundle-size.mjs   (prints a Markdown table)
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kB = (n) => (n / 1000).toFixed(1);

const CASES = [
  [
    'convkit: `tensor` + `ops.matmul`',
    "import { tensor, ops } from 'convkit'; console.log(ops.matmul(tensor([[1, 2]]), tensor([[3], [4]])).data);",
  ],
  [
    'convkit: `tensor` + `ops.conv2d`',
    "import { tensor, ops } from 'convkit'; console.log(ops.conv2d(tensor([1], [1, 1, 1, 1]), tensor([2], [1, 1, 1, 1])).data);",
  ],
  [
    'convkit: `detect.nms` + `detect.iou` (`convkit/detect`)',
    "import { nms, iou } from 'convkit/detect'; console.log(nms, iou);",
  ],
  [
    'convkit: `Sequential` + `layers` + `io.load`',
    "import { Sequential, layers, io } from 'convkit'; console.log(new Sequential([layers.dense({ units: 1, inputShape: [2] })]), io.load);",
  ],
  ['convkit: everything (`import * as ck`)', "import * as ck from 'convkit'; console.log(ck);"],
  ['convkit: `dist/convkit.browser.js` (prebuilt, for import maps)', null],
  [
    'TF.js 4.22: `@tensorflow/tfjs-core` + `tfjs-backend-cpu`, `matMul`',
    "import '@tensorflow/tfjs-backend-cpu'; import { tensor2d, matMul } from '@tensorflow/tfjs-core'; console.log(matMul(tensor2d([[1, 2]]), tensor2d([[3], [4]])).dataSync());",
  ],
  [
    'TF.js 4.22: `@tensorflow/tfjs` (layers, converter, cpu + webgl)',
    "import * as tf from '@tensorflow/tfjs'; console.log(tf);",
  ],
  [
    'ONNX Runtime Web 1.30: `onnxruntime-web` (its JS; the .wasm below is fetched at run time)',
    "import * as ort from 'onnxruntime-web'; console.log(ort);",
  ],
];

const dir = mkdtempSync(join(tmpdir(), 'convkit-size-'));
try {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/convkit'), 'dir');
  console.log('| import | min | min+gzip |\n|---|---:|---:|');
  for (const [name, code] of CASES) {
    let bytes;
    if (code === null) bytes = readFileSync(join(root, 'dist/convkit.browser.js'));
    else {
      writeFileSync(join(dir, 'entry.js'), code);
      const out = await build({
        entryPoints: [join(dir, 'entry.js')],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        nodePaths: [join(root, 'node_modules')],
        logLevel: 'error',
        external: ['node:*'],
      });
      bytes = out.outputFiles[0].contents;
    }
    console.log(`| ${name} | ${kB(bytes.length)} kB | ${kB(gz(bytes))} kB |`);
  }
  const wasm = readFileSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'));
  console.log(
    `| ONNX Runtime Web 1.30: \`ort-wasm-simd-threaded.wasm\` (fetched at run time) | ${kB(wasm.length)} kB | ${kB(gz(wasm))} kB |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
