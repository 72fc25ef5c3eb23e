// Zero-config bundling: the consumer app in test/bundlers/app imports 'convkit' as a package (no WASM
// path, no plugin) and is built with esbuild, Vite and webpack against a package folder laid out like the
// published one (the repo's package.json and its `exports`, dist/ built by scripts/build-bundles.mjs),
// then runs in Chromium. The page must fetch nothing but its own HTML and JS (convkit inlines its WASM,
// so there is no .wasm request).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build as esbuild } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, cpSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve, launch, hasChromium } from './harness';
import { backend, ops, tensor, vision } from '../../src';

const root = join(__dirname, '../..');
// Outside the repository, as a user's project would be (and private to this run).
let base = '';
const run = hasChromium || process.env.CI ? describe : describe.skip;

/** Lays out node_modules/convkit as npm would install it: package.json and the ES modules of dist/. */
async function installPackage(): Promise<void> {
  const pkg = join(base, 'node_modules/convkit');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  const { buildModules, writeCjsEntries } = await import('../../scripts/build-bundles.mjs');
  await buildModules(join(pkg, 'dist'));
  writeCjsEntries(join(pkg, 'dist'));
  // its dependencies, as npm would install them beside it
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const dep of Object.keys(dependencies)) {
    mkdirSync(dirname(join(base, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(base, 'node_modules', dep), 'dir');
  }
}

/** Copies the fixture app next to the package, so 'convkit' resolves through node_modules. */
function copyApp(name: string): string {
  const dir = join(base, name);
  cpSync(join(root, 'test/bundlers/app'), dir, { recursive: true });
  return dir;
}

const BUILDERS: Record<string, (dir: string) => Promise<string>> = {
  async esbuild(dir) {
    const out = join(dir, 'dist');
    await esbuild({
      entryPoints: [join(dir, 'main.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outdir: out,
      logLevel: 'error',
    });
    copyFileSync(join(dir, 'index.html'), join(out, 'index.html'));
    return out;
  },
  async vite(dir) {
    const { build } = await import('vite');
    await build({
      root: dir,
      configFile: false,
      logLevel: 'error',
      build: { outDir: join(dir, 'dist'), emptyOutDir: true },
    });
    return join(dir, 'dist');
  },
  async webpack(dir) {
    const { default: webpack } = await import('webpack');
    const out = join(dir, 'dist');
    const stats = await new Promise<any>((ok, fail) =>
      webpack({
        // production semantics without the minifier, which alone takes most of the build time
        mode: 'production',
        optimization: { minimize: false },
        context: dir,
        entry: './main.js',
        target: 'web',
        experiments: { outputModule: true },
        output: { path: out, filename: 'main.js', module: true },
        infrastructureLogging: { level: 'error' },
      }).run((err: Error | null, s: any) => (err ? fail(err) : ok(s))),
    );
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    copyFileSync(join(dir, 'index.html'), join(out, 'index.html'));
    return out;
  },
};

run('bundlers: esbuild, Vite and webpack consume convkit with no configuration', () => {
  let browser: Browser;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'convkit-bundlers-'));
    await installPackage();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  // What the app computes, from the TypeScript reference in Node.
  const img = tensor(
    [...Array(6)].map(() => [10, 10, 10, 0, 0, 0].map((v) => [v])),
    [6, 6, 1],
  ).reshape([1, 6, 6, 1]);
  const expected = backend.with('js', () => ({
    edges: Array.from(ops.conv2d(img, vision.filters.vertical).data),
    matmul: Array.from(
      ops.matmul(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        tensor([
          [7, 8],
          [9, 10],
          [11, 12],
        ]),
      ).data,
    ),
  }));

  for (const [name, buildApp] of Object.entries(BUILDERS)) {
    it(`${name}: builds the app and it runs in Chromium on every backend`, async () => {
      const out = await buildApp(copyApp(`${name}-app`));
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<script type="module"');
      const server = await serve(out);
      const page = await browser.newPage();
      try {
        const errors: string[] = [],
          requests: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('request', (r) => requests.push(new URL(r.url()).pathname));
        await page.goto(server.url);
        await page.waitForFunction(() => (window as any).__result !== undefined, null, { timeout: 60_000 });
        const result = await page.evaluate(() => (window as any).__result);
        expect(result.error).toBeUndefined();
        expect(errors).toEqual([]);
        expect(result.info.kernel).toBe('wasm-relaxed-simd');
        // served without COOP/COEP: one thread, and info() says the page is not isolated
        expect(result.info.threads).toBe(1);
        expect(result.info.threadsReason).toMatch(/not cross-origin isolated/);
        expect(result.runs.map((r: any) => r.backend)).toEqual(['js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd']);
        // the notes' example: a 30-wide band where the bright half meets the dark half
        expect(expected.edges).toEqual(Array(4).fill([0, 30, 30, 0]).flat());
        for (const r of result.runs) {
          expect(r.edges, r.backend).toEqual(expected.edges);
          expect(r.matmul, r.backend).toEqual(expected.matmul);
        }
        expect(
          requests.filter((p) => !/^\/(index\.html)?$|\.js$/.test(p)),
          'only the page and its scripts are fetched',
        ).toEqual([]);
      } finally {
        await page.close();
        await server.close();
      }
    });
  }
});
