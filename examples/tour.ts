// `npm start`: the demo tour. Step 1 is the main job (LeNet-5 on real MNIST digits).
// Flags: --backend js|wasm|wasm-simd (or CONVKIT_BACKEND), --epochs N, --out DIR, --quick.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { trainLenet } from './mnist-lenet';
import type { BackendName } from '../src';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: process.env.CONVKIT_BACKEND },
    epochs: { type: 'string', default: '20' },
    out: { type: 'string', default: 'out' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const out = resolve(values.out!);
const log = (s: string) => console.log(s);

async function main() {
  const t0 = performance.now();
  log('convkit tour, step 1: LeNet-5 learns 10,000 real handwritten digits\n');
  const lenet = await trainLenet({ out, epochs: values.quick ? 2 : Number(values.epochs), backend: values.backend as BackendName | undefined, seed: Number(values.seed), log });
  log(`\nfiles written:\n${lenet.files.map((f) => '  ' + f).join('\n')}`);
  log(`\ntour done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
main().catch((e) => { console.error(`error: ${e?.message ?? e}`); process.exit(1); });
