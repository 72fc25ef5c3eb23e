import { readFileSync } from 'node:fs';
import { init, tensor, ops } from './src';
import { loadOnnx } from './src/io/onnx/import';
await init();
const which = process.argv[2] ?? 'test/fixtures/onnx';
const index = JSON.parse(readFileSync(`${which}/index.json`, 'utf8'));
for (const [tag, e] of Object.entries<any>(index)) {
  if (process.argv[3] && !tag.includes(process.argv[3])) continue;
  try {
    const t0 = performance.now();
    const m = await loadOnnx(`${which}/${e.onnx}`);
    const t1 = performance.now();
    const x = new Float32Array(new Uint8Array(readFileSync(`${which}/${e.input}`)).buffer);
    const want = new Float32Array(new Uint8Array(readFileSync(`${which}/${e.output}`)).buffer);
    const [n, c, h, w] = e.inputShape;
    const xt = ops.transpose(tensor(x, [n, c, h, w]), [0, 2, 3, 1]);
    const y = m.predict(xt) as any;
    let err = 0, mx = 0;
    for (let i = 0; i < want.length; i++) { err = Math.max(err, Math.abs(y.data[i] - want[i])); mx = Math.max(mx, Math.abs(want[i])); }
    console.log(tag, 'layers', m.layers.length, 'load ms', (t1 - t0).toFixed(0), 'out', y.shape, 'rel err', (err / mx).toExponential(2));
  } catch (err) { console.log(tag, 'FAIL', (err as Error).message.slice(0, 400)); }
}
