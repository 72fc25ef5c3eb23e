// Two models train at the same time in two worker_threads, each with its own WASM instance and
// arena, and reach exactly what each reaches alone (seeded runs are deterministic).
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./train-worker.ts', import.meta.url).href;

interface Result {
  kernel: string;
  accuracy: number;
  loss: number;
}

function train(variant: 'relu' | 'tanh'): Promise<Result> {
  return new Promise((resolve, reject) => {
    // the worker runs the TypeScript sources through tsx's loader, as `node --import tsx` would
    const body = `import('tsx/esm/api').then((t) => t.tsImport(${JSON.stringify(WORKER)}, ${JSON.stringify(WORKER)}))`;
    const w = new Worker(body, { eval: true, workerData: { variant, digits: 600, epochs: 2 } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

describe('concurrency', () => {
  it('two LeNet-5 variants train concurrently in worker threads as well as alone', async () => {
    const aloneRelu = await train('relu');
    const aloneTanh = await train('tanh');
    const [relu, tanh] = await Promise.all([train('relu'), train('tanh')]);
    expect(relu.kernel).toBe('wasm-simd');
    expect(relu).toEqual(aloneRelu);
    expect(tanh).toEqual(aloneTanh);
    // and they learned something (chance is 10%)
    expect(relu.accuracy).toBeGreaterThan(0.6);
    expect(tanh.accuracy).toBeGreaterThan(0.6);
  }, 120_000);
});
