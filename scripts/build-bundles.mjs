// Builds dist/ from src/ (run after scripts/build-wasm.mjs; `npm run build` does both):
// - dist/**/*.js: one ES module per source file, imports rewritten to their .js files. Node and
//   bundlers load these, so a bundle keeps only the modules it imports (`sideEffects` in package.json).
// - dist/index.cjs and dist/{io,detect,face,style}/index.cjs: CommonJS entries that require() the ES
//   modules themselves (Node >= 20.19), so ESM and CJS callers share one module instance.
// - dist/types/**/*.d.ts and a .d.cts twin of each, with explicit file extensions, so the types resolve
//   under the nodenext, node16, bundler and node10 resolvers.
// - dist/convkit.browser.js: one self-contained minified ES module for pages without a bundler.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The package's subpath entries besides the root (package.json `exports`). */
export const SUBPATHS = ['io', 'detect', 'face', 'style'];

const walk = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
const posix = (p) => p.split('\\').join('/');
const dotted = (p) => (p.startsWith('.') ? p : `./${p}`);

/** The .ts source an extensionless relative import names: the file itself or the folder's index. */
function sourceOf(from, spec) {
  const base = join(from, spec);
  for (const f of [`${base}.ts`, join(base, 'index.ts'), base]) if (existsSync(f) && statSync(f).isFile()) return f;
  throw new Error(`build: cannot resolve ${spec} from ${from}`);
}

/** Keeps every import external; relative ones point at the .js file the build writes for them. */
const perFile = {
  name: 'per-file',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!args.path.startsWith('.')) return { path: args.path, external: true };
      const js = relative(args.resolveDir, sourceOf(args.resolveDir, args.path)).replace(/\.ts$/, '.js');
      return { path: dotted(posix(js)), external: true };
    });
  },
};

/** One ES module per file of src/ into `outdir` (also used by the bundler tests to lay out a package). */
export async function buildModules(outdir) {
  await build({
    entryPoints: walk(join(root, 'src')).filter((f) => f.endsWith('.ts')),
    outbase: join(root, 'src'),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    plugins: [perFile],
    logLevel: 'warning',
  });
}

/**
 * The self-contained minified ES module for pages (dist/convkit.browser.js), written to `outfile`. Node-only
 * modules are reached only through dynamic imports on Node code paths, so they stay external and are never
 * loaded in a page.
 */
export async function buildBrowserBundle(outfile) {
  await build({
    entryPoints: [join(root, 'src/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    external: ['node:*'],
    logLevel: 'warning',
  });
}

/** The CommonJS entries: each loads its ES module, so `require` and `import` give the same objects. */
export function writeCjsEntries(outdir) {
  for (const sub of ['.', ...SUBPATHS]) {
    writeFileSync(
      join(outdir, sub, 'index.cjs'),
      "'use strict';\n// The ES module itself (require(esm), Node >= 20.19): one instance for import and require.\nmodule.exports = require('./index.js');\n",
    );
  }
}

/** Gives the emitted declarations explicit extensions (.js, or .cjs in the .d.cts twins). */
function fixDeclarations(typesDir) {
  const spec = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;
  for (const file of walk(typesDir).filter((f) => f.endsWith('.d.ts'))) {
    const withExt = readFileSync(file, 'utf8').replace(spec, (_, lead, q, p) => {
      const target = join(dirname(file), p);
      const js = existsSync(`${target}.d.ts`)
        ? `${p}.js`
        : existsSync(join(target, 'index.d.ts'))
          ? `${p}/index.js`
          : null;
      if (!js) throw new Error(`build: ${relative(typesDir, file)} imports ${p}, which has no declaration`);
      return `${lead}${q}${js}${q}`;
    });
    writeFileSync(file, withExt);
    writeFileSync(
      file.replace(/\.d\.ts$/, '.d.cts'),
      withExt.replace(spec, (_, lead, q, p) => `${lead}${q}${p.replace(/\.js$/, '.cjs')}${q}`),
    );
  }
}

async function main() {
  const dist = join(root, 'dist');
  rmSync(dist, { recursive: true, force: true });
  await buildModules(dist);
  writeCjsEntries(dist);
  await buildBrowserBundle(join(dist, 'convkit.browser.js'));
  // node_modules/.bin/tsc is TypeScript 7 (the 'typescript' package is 6, the API typescript-eslint needs)
  execFileSync(process.execPath, [join(root, 'node_modules/.bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  fixDeclarations(join(dist, 'types'));
  console.log(
    'build-bundles: dist/**/*.js (ESM per file), dist/index.cjs, dist/convkit.browser.js, dist/types/ (.d.ts, .d.cts)',
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
