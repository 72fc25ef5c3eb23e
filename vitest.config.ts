import { defineConfig } from 'vitest/config';

/**
 * The kernel, op and gradient suites run a second time with relaxed SIMD enabled in V8, so the build
 * Chromium runs by default goes through them in Node too (test/helpers/backends.ts lists it there).
 */
const RELAXED_SIMD_SUITES = [
  'test/backend/{conv,chansplit,gemm,pool,winograd,eltwise,affine,optim,plan-kernels,int8}.test.ts',
  'test/ops/**/*.test.ts',
  'test/notes/**/*.test.ts',
  'test/vision/filters.test.ts',
  'test/style/style.test.ts',
  'test/layers/layers.test.ts',
  'test/io/onnx.test.ts',
  'test/models/plan.test.ts',
  'test/resident.test.ts',
];

export default defineConfig({
  test: {
    exclude: ['test/bundlers/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'relaxed-simd', include: RELAXED_SIMD_SUITES, execArgv: ['--experimental-wasm-relaxed-simd'] },
      },
      // Node 20's baseline wasm tier miscomputes the relaxed int8 dot product (the probe rejects it), so its kernels
      // run once more with the optimising tier only, where V8 11.3's arithmetic is known (saturating on x86)
      {
        extends: true,
        test: {
          name: 'relaxed-dot',
          include: ['test/backend/int8.test.ts'],
          execArgv: ['--experimental-wasm-relaxed-simd', '--no-liftoff'],
        },
      },
    ],
  },
});
