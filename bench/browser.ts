// Whole networks in headless Chromium, batch 1 (8 with --batch 1,8), wall clock in the page: convkit's
// inference plan (Model.predict) on 1 and 2 threads and its eager path (Model.apply) on 1, TensorFlow.js's
// wasm backend and ONNX Runtime Web (wasm execution provider) on 1 and 2 threads, on the same model and
// weights. The page (bench/browser-page.ts) is served cross-origin isolated (COOP/COEP, so SharedArrayBuffer
// and threads work) from 127.0.0.1 by scripts/serve.mjs's server; it loads convkit's browser bundle (built
// from src/ as dist/convkit.browser.js is), TF.js and ORT's wasm files from node_modules, and the models
// written here: MobileNetV2 is nsfwjs's pretrained network (its TF.js Layers files), the ResNets, GoogLeNet and
// VGG-16 are the zoo's with seeded random weights (io.save); ORT runs io.saveOnnx's export of each (NCHW input).
// TF.js and ORT fix
// their thread counts when their wasm starts, so each network is loaded into two pages, each in its own
// browser context: page 1 holds convkit (plan 1 and 2 threads, eager 1), TF.js and ORT on 1 thread; page 2
// TF.js and ORT on 2. Every engine runs for --warm-ms first, then the rounds run each implementation once,
// page after page, so drift hits them alike; medians. Outputs are compared with convkit's plan (1 thread)
// before timing (max relative difference), so every row times the same computation.
// Eager rows: Model.apply plain (its intermediates disposed after their last use) and inside tidy.
// With --ops, only the eager op cases on one page, one thread: each implementation of bench/eager-cases.ts.
// Run: node --import tsx bench/browser.ts [--rounds 15] [--warm-ms 1500] [--batch 1,8]
//        [--models mobilenetv2,resnet50,resnet18,googlenet,vgg16] [--no-eager] [--no-tf] [--no-ort] [--ops]
// Needs Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) and the dev dependencies; no downloads.
import { build, type Plugin } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { init, io, zoo } from '../src';
import type { Model } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { launch, CHROMIUM } from '../test/browser/harness';
// @ts-expect-error plain ESM script without type declarations
import { startServer, exportNsfwjs } from '../scripts/serve.mjs';
import { buildBrowserBundle } from '../scripts/build-bundles.mjs';
import type { BenchPage, Impl, PageInfo, PageSpec } from './browser-page';
import { median, relDiff } from './util';
import { EAGER_HEADER, eagerRow } from './eager-cases';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};

/**
 * The networks: how each is written into the models folder (TF.js Layers files and an ONNX export). `tiny` is
 * LeNet-5 (28x28x1), for the test that keeps this benchmark working (test/browser/bench.test.ts).
 */
const NETWORKS: Record<string, (dir: string) => Promise<Model>> = {
  tiny: async (dir) => saved(zoo.lenet5({ seed: 1 }), dir),
  mobilenetv2: async (dir) => {
    if (!exportNsfwjs(dir)) throw new Error('mobilenetv2 needs the nsfwjs package');
    return loadNsfwjs('mobilenet_v2');
  },
  resnet50: async (dir) => saved(zoo.resnet({ depth: 50, seed: 1 }), dir),
  resnet18: async (dir) => saved(zoo.resnet({ depth: 18, seed: 1 }), dir),
  googlenet: async (dir) => saved(zoo.googlenet({ seed: 1 }), dir),
  vgg16: async (dir) => saved(zoo.vgg16({ seed: 1 }), dir),
};

async function saved(m: Model, dir: string): Promise<Model> {
  await io.save(m, dir);
  return m;
}

/** Table rows: label and threads of each implementation a page holds. */
const LABELS: Record<Impl, string> = {
  plan1: 'convkit plan',
  plan2: 'convkit plan',
  eager1: 'convkit eager',
  tidy1: 'convkit eager in tidy',
  tf: 'TF.js wasm',
  ort: 'ORT Web',
};

/** The page's imports of convkit ('../src', '../../src') become 'convkit', which the import map resolves. */
const asConvkit: Plugin = {
  name: 'convkit-external',
  setup(b) {
    b.onResolve({ filter: /^(\.\.\/)+src(\/index(\.ts)?)?$/ }, () => ({ path: 'convkit', external: true }));
  },
};

/** Builds the page into `dir`: convkit's browser bundle, the page's script and index.html with its import map. */
async function buildPage(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await buildBrowserBundle(join(dir, 'convkit.browser.js'));
  await build({
    entryPoints: [join(root, 'bench/browser-page.ts')],
    outfile: join(dir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    external: ['onnxruntime-web/wasm'],
    plugins: [asConvkit],
    logLevel: 'error',
  });
  const imports = { convkit: './convkit.browser.js', 'onnxruntime-web/wasm': './ort/ort.wasm.min.mjs' };
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>convkit whole networks</title><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({ imports })}</script>
<script src="tfjs/tf.min.js"></script>
<script src="tfjs-wasm/tf-backend-wasm.min.js"></script>
<script type="module" src="page.js"></script>`,
  );
}

/** Serves the built page from `dir` with ORT Web, TF.js and its wasm backend mounted where index.html loads them. */
function servePage(dir: string, mounts: Record<string, string> = {}): ReturnType<typeof startServer> {
  return startServer({
    dir,
    mounts: {
      'ort/': dirname(require.resolve('onnxruntime-web/wasm')),
      'tfjs/': join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist'),
      'tfjs-wasm/': dirname(require.resolve('@tensorflow/tfjs-backend-wasm')),
      ...mounts,
    },
  });
}

/** One row of the table. */
export interface Row {
  model: string;
  batch: number;
  impl: string;
  threads: number;
  ms: number;
  runs: number;
}

type PageHandle = { page: Page; close: () => Promise<void>; spec: PageSpec };

async function openPage(
  browser: Browser,
  url: string,
  spec: PageSpec,
  errors: string[],
  log: (line: string) => void,
): Promise<PageHandle> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${spec.model} (page ${spec.threads}): ${e}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${spec.model} (page ${spec.threads}): ${m.text()}`);
    else log(`page ${spec.threads}: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => 'bench' in globalThis, null, { timeout: 60_000 });
  return { page, spec, close: () => context.close() };
}

/** The page's window, with the driver's API (bench/browser-page.ts); inside page.evaluate only. */
type BenchWindow = { bench: BenchPage };

/** What benchBrowser runs: networks, batch sizes, rounds, warm-up per engine and the engines beside convkit's plan. */
export interface BrowserBenchOptions {
  models: string[];
  batches?: number[];
  rounds?: number;
  warmMs?: number;
  tf?: boolean;
  ort?: boolean;
  eager?: boolean;
  /** Progress lines (page console, networks done); default console.error. */
  log?: (line: string) => void;
}

/** The table's rows, the notes (output agreement, threads the engines report) and the pages' errors. */
export interface BrowserBenchResult {
  header: string;
  rows: Row[];
  notes: string[];
  errors: string[];
  /** Each engine's max relative difference from convkit's plan on 1 thread (as in the notes). */
  diffs: number[];
}

/** Runs the benchmark in headless Chromium: builds the page, serves it cross-origin isolated, times every network. */
export async function benchBrowser(opts: BrowserBenchOptions): Promise<BrowserBenchResult> {
  const { models: names, batches = [1], rounds = 15, warmMs = 1500, log = (l: string) => console.error(l) } = opts;
  for (const n of names) if (!NETWORKS[n]) throw new Error(`unknown network '${n}'; expected ${Object.keys(NETWORKS)}`);
  const tfOn = opts.tf ?? true,
    ortOn = opts.ort ?? true,
    eagerOn = opts.eager ?? true;
  await init();
  const tmp = mkdtempSync(join(tmpdir(), 'convkit-browser-bench-'));
  const web = join(tmp, 'web'),
    models = join(tmp, 'models');
  mkdirSync(models);
  await buildPage(web);
  const server = await servePage(web, { 'models/': models });
  const browser = await launch();
  const rows: Row[] = [],
    notes: string[] = [],
    errors: string[] = [],
    diffs: number[] = [];
  let infos: PageInfo[] = [];
  try {
    for (const name of names) {
      const m = await NETWORKS[name](join(models, name));
      if (ortOn) writeFileSync(join(models, `${name}.onnx`), await io.saveOnnx(m, undefined, { inputLayout: 'nchw' }));
      const size = m.inputs[0].shape.slice(1) as number[];
      try {
        for (const batch of batches) {
          const shape = [batch, ...size];
          const what = `${name} batch ${batch}`;
          const peers: Impl[] = [...(tfOn ? ['tf' as const] : []), ...(ortOn ? ['ort' as const] : [])];
          const specs: PageSpec[] = [
            {
              model: name,
              shape,
              threads: 1,
              impls: ['plan1', 'plan2', ...(eagerOn ? (['eager1', 'tidy1'] as const) : []), ...peers],
            },
            ...(peers.length ? [{ model: name, shape, threads: 2, impls: peers }] : []),
          ];
          const pages: PageHandle[] = [];
          try {
            for (const spec of specs) pages.push(await openPage(browser, server.url, spec, errors, log));
            infos = [];
            for (const p of pages)
              infos.push(await p.page.evaluate((s) => (window as unknown as BenchWindow).bench.setup(s), p.spec));
            const outs: Partial<Record<Impl, number[]>>[] = [];
            for (const p of pages)
              outs.push(await p.page.evaluate(() => (window as unknown as BenchWindow).bench.outputs()));
            const ref = outs[0].plan1!;
            pages.forEach((p, i) => {
              for (const impl of p.spec.impls)
                if (!(i === 0 && impl === 'plan1')) {
                  const d = relDiff(outs[i][impl]!, ref);
                  diffs.push(d);
                  notes.push(
                    `${what}: ${LABELS[impl]} (${threadsOf(impl, p.spec)}) vs convkit plan (1 thread): max relative difference ${d.toExponential(1)}`,
                  );
                }
            });
            for (const p of pages)
              await p.page.evaluate((ms) => (window as unknown as BenchWindow).bench.warm(ms), warmMs);
            const times = pages.map((p) => Object.fromEntries(p.spec.impls.map((i) => [i, [] as number[]])));
            for (let r = 0; r < rounds; r++)
              for (const [i, p] of pages.entries()) {
                const ms = await p.page.evaluate(() => (window as unknown as BenchWindow).bench.round());
                for (const [impl, t] of Object.entries(ms)) times[i][impl].push(t as number);
              }
            pages.forEach((p, i) => {
              for (const impl of p.spec.impls)
                rows.push({
                  model: name,
                  batch,
                  impl: LABELS[impl],
                  threads:
                    impl === 'plan2'
                      ? 2
                      : impl === 'plan1' || impl === 'eager1' || impl === 'tidy1'
                        ? 1
                        : p.spec.threads,
                  ms: median(times[i][impl]),
                  runs: times[i][impl].length,
                });
            });
            notes.push(
              `${what}: threads the engines report: convkit ${infos[0].convkit?.threads} (${infos[0].convkit?.kernel}), TF.js ${infos.map((x) => x.tfThreads ?? '-').join(' / ')}, ORT ${infos.map((x) => x.ortThreads ?? '-').join(' / ')} (page 1 / page 2); crossOriginIsolated ${infos.every((x) => x.crossOriginIsolated)}`,
            );
          } finally {
            for (const p of pages) await p.close();
          }
          log(`${what} done`);
        }
      } finally {
        rmSync(join(models, name), { recursive: true, force: true });
        rmSync(join(models, `${name}.onnx`), { force: true });
      }
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  rows.sort((a, b) => rank(a, names) - rank(b, names));
  const ua = /Chrom\w*\/[\d.]+/.exec(infos[0]?.userAgent ?? '')?.[0] ?? CHROMIUM;
  const header = `Headless ${ua}, ${rounds} interleaved rounds after ${warmMs} ms of warm-up per engine, wall clock in the page per forward pass (whole batch)`;
  return { header, rows, notes, errors, diffs };
}

/** The result as markdown: header, table (ratios to convkit's plan on the same threads), notes, page errors. */
export function browserTable({ header, rows, notes, errors }: BrowserBenchResult): string {
  const table = [
    '| network | batch | implementation | threads | ms (median) | runs | vs convkit plan, same threads |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ref = rows.find(
      (q) => q.model === r.model && q.batch === r.batch && q.impl === 'convkit plan' && q.threads === r.threads,
    )!;
    table.push(
      `| ${r.model} | ${r.batch} | ${r.impl} | ${r.threads} | ${r.ms.toFixed(1)} | ${r.runs} | ${(r.ms / ref.ms).toFixed(2)}x |`,
    );
  }
  let out = `${header}\n\n${table.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}`;
  if (errors.length) out += '\n\nPage errors:\n' + errors.map((e) => `- ${e}`).join('\n');
  return out;
}

/** "1 thread" or "2 threads": what an implementation of a page runs on. */
function threadsOf(impl: Impl, spec: PageSpec): string {
  const n = impl === 'plan2' ? 2 : impl === 'plan1' || impl === 'eager1' || impl === 'tidy1' ? 1 : spec.threads;
  return n === 1 ? '1 thread' : `${n} threads`;
}

/** Table order: network as asked, batch, then convkit plan, eager, TF.js, ORT; 1 thread before 2. */
function rank(r: Row, names: string[]): number {
  const impl = ['convkit plan', 'convkit eager', 'convkit eager in tidy', 'TF.js wasm', 'ORT Web'].indexOf(r.impl);
  return names.indexOf(r.model) * 10_000 + r.batch * 100 + impl * 10 + r.threads;
}

/** --ops: the eager op cases on one page, one thread: the implementations of bench/eager-cases.ts. */
async function eagerOps(rounds: number, warmMs: number): Promise<void> {
  await init();
  const tmp = mkdtempSync(join(tmpdir(), 'convkit-browser-ops-'));
  await buildPage(tmp);
  const server = await servePage(tmp);
  const browser = await launch(['--js-flags=--expose-gc']);
  const errors: string[] = [];
  try {
    const p = await openPage(browser, server.url, { model: '', shape: [], threads: 1, impls: [] }, errors, (l) =>
      console.error(l),
    );
    const res = await p.page.evaluate(([r, w]) => (window as unknown as BenchWindow).bench.eagerOps(r, w), [
      rounds,
      warmMs,
    ] as const);
    await p.close();
    console.log(EAGER_HEADER);
    for (const [name, ms] of Object.entries(res)) console.log(eagerRow(name, ms));
    if (errors.length) console.log('\nPage errors:\n' + errors.map((e) => `- ${e}`).join('\n'));
  } finally {
    await browser.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && args.includes('--ops')) {
  await eagerOps(Number(flag('--rounds') ?? 15), Number(flag('--warm-ms') ?? 1500));
  process.exit(0);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const res = await benchBrowser({
    models: (flag('--models') ?? 'mobilenetv2,resnet50,resnet18').split(','),
    batches: (flag('--batch') ?? '1').split(',').map(Number),
    rounds: Number(flag('--rounds') ?? 15),
    warmMs: Number(flag('--warm-ms') ?? 1500),
    tf: !args.includes('--no-tf'),
    ort: !args.includes('--no-ort'),
    eager: !args.includes('--no-eager'),
  });
  console.log(browserTable(res));
  process.exit(res.errors.length ? 1 : 0);
}
