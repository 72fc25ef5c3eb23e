// The README's quick tour, runnable: `node --import tsx examples/quickstart.ts` (a test runs it too).
import { init, backend, tensor, ops, vision, grad, layers, Sequential } from '../src';

export async function quickstart(log: (s: string) => void = console.log): Promise<void> {
  const info = await init(); // loads the best WASM build: wasm-simd on Node 20
  log(`backend: ${info.kernel}`);

  // The notes' first example: a 6x6 image with a bright left half, a vertical-edge filter.
  const img = tensor(
    [...Array(6)].map(() => [10, 10, 10, 0, 0, 0]),
    [1, 6, 6, 1],
  );
  const edges = ops.conv2d(img, vision.filters.vertical); // cross-correlation, 'valid'
  log(`vertical edges: ${JSON.stringify(edges.reshape([4, 4]).toArray())}`); // columns 0 30 30 0

  // Gradients flow to inputs as well as weights.
  const dImg = grad((x) => ops.sum(ops.square(ops.conv2d(x, vision.filters.sobelVertical, { padding: 'same' }))))(img);
  log(`d/dpixels shape: [${dImg.shape}]`);

  // Keras-style layers and training.
  const net = new Sequential(
    [
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
      layers.flatten(),
      layers.dense({ units: 2, activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  net.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = ops.concat([img, ops.sub(10, img)], 0); // an edge and its mirror image
  const y = tensor([
    [1, 0],
    [0, 1],
  ]);
  const history = await net.fit(x, y, { epochs: 30, batchSize: 2, verbose: 0 });
  log(`loss ${history.history.loss[0].toFixed(3)} -> ${history.history.loss.at(-1)!.toFixed(3)}`);

  backend.use('js'); // the TypeScript reference, same results
  log(
    `js backend agrees: ${JSON.stringify(ops.conv2d(img, vision.filters.vertical).reshape([4, 4]).toArray()) === JSON.stringify(edges.reshape([4, 4]).toArray())}`,
  );
  backend.use(info.kernel);
}

if (import.meta.url === `file://${process.argv[1]}`) quickstart();
