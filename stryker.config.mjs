// Mutation testing (StrykerJS, vitest runner): `npm run mutation`. Not part of `npm test` or CI (it reruns
// the covering tests once per mutant: an hour or more on 2 cores). MUTATE=glob,glob narrows the files.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation.vitest.config.ts' },
  mutate: process.env.MUTATE?.split(',') ?? ['src/ops/**/*.ts', 'src/autograd/**/*.ts', 'src/backend/js/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'out/mutation/index.html' },
  jsonReporter: { fileName: 'out/mutation/report.json' },
  // Stryker's rewrite of tsconfig project references calls TypeScript 5's JS API, which TypeScript 7 lacks;
  // this project has no references to rewrite, so point it at no file.
  tsconfigFile: 'no-tsconfig-to-rewrite.json',
  tempDirName: 'out/.stryker-tmp',
  cleanTempDir: true,
};
