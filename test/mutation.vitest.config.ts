import { defineConfig } from 'vitest/config';

// The suites that exercise src/ops, src/autograd and the 'js' reference kernels: what mutation testing
// (stryker.config.mjs) runs against each mutant.
export default defineConfig({
  test: {
    include: [
      'test/ops/**/*.test.ts',
      'test/backend/{conv,gemm,pool,eltwise,affine,optim,winograd}.test.ts',
      'test/notes/**/*.test.ts',
      'test/helpers/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
