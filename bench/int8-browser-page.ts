// The page of bench/int8-browser.ts (bundled by it with esbuild, convkit from src/): one network, float and int8
// (quantize() calibrated on seeded images) plans on the relaxed-SIMD build (whose int8 GEMMs and convolutions take
// the dot path where the engine's int8 dot product is exact) and on the SIMD build (the i16 path). window.bench:
// setup() loads and quantises, warm() runs every implementation for a while, round() runs each once (ms).
import { backend, init, quantize, type Model } from '../src';
import { loadModel, seededImage } from '../examples/web/networks';
import { planDotSteps } from '../src/models/plan';

const IMPLS = ['float relaxed', 'int8 relaxed', 'float simd', 'int8 simd'] as const;
let nets: Record<string, { m: Model; b: 'wasm-relaxed-simd' | 'wasm-simd' }> = {};
let x = seededImage([1, 1, 1, 1]);

function run(impl: (typeof IMPLS)[number]): Float32Array {
  const { m, b } = nets[impl];
  backend.use(b);
  return m.predict(x).data;
}

async function setup(spec: {
  model: string;
  shape: number[];
  calibration: number;
  threads: number;
  skip: string[];
  activations: 'uint8' | 'int16';
}) {
  backend.setThreads(spec.threads);
  await init({ backend: 'wasm-relaxed-simd' });
  await init({ backend: 'wasm-simd' });
  const m = await loadModel(`models/${spec.model}/model.json`);
  x = seededImage(spec.shape, 1);
  const t0 = performance.now();
  const names = new Set(m.layers.map((l) => l.name));
  const q = quantize(m, {
    calibration: seededImage([spec.calibration, ...spec.shape.slice(1)], 2),
    skip: spec.skip.filter((n) => names.has(n)),
    activations: spec.activations,
  });
  const quantMs = performance.now() - t0;
  nets = {
    'float relaxed': { m, b: 'wasm-relaxed-simd' },
    'int8 relaxed': { m: q, b: 'wasm-relaxed-simd' },
    'float simd': { m, b: 'wasm-simd' },
    'int8 simd': { m: q, b: 'wasm-simd' },
  };
  // the relaxed build's int8 plan built last, so it is the one planDotSteps reads
  const [i16, dot] = [run('int8 simd'), run('int8 relaxed')];
  const dotRelaxed = planDotSteps(q);
  const same = dot.length === i16.length && dot.every((v, i) => Object.is(v, i16[i]));
  return {
    userAgent: navigator.userAgent,
    threads: backend.info().threads,
    quantMs,
    int8Layers: q.quantization.int8.length,
    dotSteps: dotRelaxed,
    int8RelaxedEqualsSimd: same,
  };
}

function warm(ms: number): void {
  for (const impl of IMPLS) {
    const end = performance.now() + ms;
    while (performance.now() < end) run(impl);
  }
}

function round(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const impl of IMPLS) {
    const t = performance.now();
    run(impl);
    out[impl] = performance.now() - t;
  }
  return out;
}

/**
 * Milliseconds per run by kernel export, one thread: the exports of both SIMD builds wrapped in a timer, then `runs`
 * rounds each running every implementation once (the timer adds a little per call: compare kernels, not totals).
 */
function profile(runs: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = Object.fromEntries(IMPLS.map((i) => [i, {}]));
  let current: string = IMPLS[0];
  const restore: Array<() => void> = [];
  for (const b of ['wasm-relaxed-simd', 'wasm-simd'] as const) {
    const ex = backend.module(b)!.exports as Record<string, unknown>,
      saved = { ...ex };
    restore.push(() => Object.assign(ex, saved));
    for (const [k, f] of Object.entries(saved))
      if (typeof f === 'function')
        ex[k] = (...a: unknown[]) => {
          const t = performance.now();
          const r = (f as (...a: unknown[]) => unknown)(...a);
          out[current][k] = (out[current][k] ?? 0) + (performance.now() - t) / runs;
          return r;
        };
  }
  try {
    for (let i = 0; i < runs; i++)
      for (const impl of IMPLS) {
        current = impl;
        run(impl);
      }
  } finally {
    for (const r of restore) r();
  }
  return out;
}

(globalThis as any).bench = { setup, warm, round, profile };
