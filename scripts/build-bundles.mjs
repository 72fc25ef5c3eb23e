// Bundles src/ with esbuild: dist/index.js (ESM, Node), dist/index.cjs (CommonJS, Node),
// dist/convkit.browser.js (ESM for browsers, WASM inlined, Node-only modules left out),
// then emits .d.ts files with tsc. Run after scripts/build-wasm.mjs (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/index.ts');
rmSync(join(root, 'dist'), { recursive: true, force: true });

const pkg = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default;
const deps = Object.keys(pkg.dependencies ?? {});
const common = { entryPoints: [entry], bundle: true, sourcemap: true, target: 'es2022', logLevel: 'warning' };

// Node builds keep runtime dependencies external (npm installs them).
await build({ ...common, outfile: join(root, 'dist/index.js'), format: 'esm', platform: 'node', external: deps });
// CommonJS has no import.meta: the modules that locate optional packages (mnist, nsfwjs, face-api)
// get the bundle's own file URL instead.
await build({
  ...common, outfile: join(root, 'dist/index.cjs'), format: 'cjs', platform: 'node', external: deps,
  define: { 'import.meta.url': '__convkitFileUrl' },
  banner: { js: "const __convkitFileUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The `convkit` command (bin/convkit.js runs it).
await build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js'), format: 'esm', platform: 'node', external: deps });
// The browser build is self-contained; Node-only modules are reached only through dynamic imports
// on Node code paths, so they stay external and are never loaded in a page.
await build({
  ...common, outfile: join(root, 'dist/convkit.browser.js'), format: 'esm', platform: 'browser', minify: true,
  external: ['node:*'],
});

// node_modules/.bin/tsc is TypeScript 7 (package.json: 'typescript' itself is 6, the API typescript-eslint needs)
execFileSync(process.execPath, [join(root, 'node_modules/.bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
console.log('build-bundles: dist/index.js, dist/index.cjs, dist/cli.js, dist/convkit.browser.js, dist/types/');
