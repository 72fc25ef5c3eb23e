// A consumer app: imports 'convkit' like any package, with no WASM path or plugin configuration,
// runs the notes' vertical-edge example and a matmul on every backend, and leaves the results on window.
import { init, backend, ops, tensor, vision } from 'convkit';

async function main() {
  const info = await init();
  // 6x6 image, bright left half: the vertical filter finds the edge in the middle columns.
  const img = tensor(
    [...Array(6)].map(() => [10, 10, 10, 0, 0, 0].map((v) => [v])),
    [6, 6, 1],
  ).reshape([1, 6, 6, 1]);
  const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    b = tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
  const runs = backend.available().map((name) => {
    backend.use(name);
    return {
      backend: name,
      edges: Array.from(ops.conv2d(img, vision.filters.vertical).data),
      matmul: Array.from(ops.matmul(a, b).data),
    };
  });
  return { info, runs };
}

main().then(
  (r) => {
    window.__result = r;
  },
  (e) => {
    window.__result = { error: String((e && e.stack) || e) };
  },
);
