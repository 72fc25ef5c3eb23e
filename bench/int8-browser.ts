// Int8 against float plans in headless Chromium, batch 1, wall clock in the page: MobileNetV2 (nsfwjs's pretrained
// weights), ResNet-50 (the zoo's, seeded random weights) and face-api's tiny face detector (its pretrained weights,
// 416x416), each as a float plan and as quantize()'s int8 plan, on
// the relaxed-SIMD build (int8 GEMMs and convolutions on the relaxed dot path where the engine's dot product is
// exact; float with fused multiply-add) and on the SIMD build (int8 on the i16 dot path), interleaved in rounds;
// medians. Calibration uses seeded images (speed does not depend on the ranges; accuracy is bench/int8.ts's job).
// --profile N adds, on 1 thread, milliseconds per run by kernel export over N runs of each implementation.
// Run: node --import tsx bench/int8-browser.ts [--rounds 9] [--warm-ms 1500] [--threads 1,2]
//        [--models mobilenetv2,resnet50,facedetector] [--calibration 4] [--profile 20] [--skip layer,layer]
//        [--activations uint8|int16]
// (--skip: layers every model keeps float, quantize's skip; names a model lacks are dropped for it; --activations:
// quantize's activation type, int16 running the i16 path on both builds)
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detect, init, io, zoo } from '../src';
import { launch } from '../test/browser/harness';
// @ts-expect-error plain ESM script without type declarations
import { startServer, exportNsfwjs } from '../scripts/serve.mjs';
import { median } from './util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(flag('--rounds') ?? 9);
const warmMs = Number(flag('--warm-ms') ?? 1500);
const threadCounts = (flag('--threads') ?? '1,2').split(',').map(Number);
const models = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
const calibration = Number(flag('--calibration') ?? 4);
const profileRuns = Number(flag('--profile') ?? 0);
const skip = (flag('--skip') ?? '').split(',').filter(Boolean);
const activations = flag('--activations') ?? 'uint8';

/** Writes a network's TF.js Layers files into dir. */
const WRITE: Record<string, (dir: string) => Promise<void>> = {
  mobilenetv2: async (dir) => {
    if (!exportNsfwjs(dir)) throw new Error('mobilenetv2 needs the nsfwjs package');
  },
  resnet50: async (dir) => {
    await io.save(zoo.resnet({ depth: 50, seed: 1 }), dir);
  },
  facedetector: async (dir) => {
    await io.save((await detect.tinyFaceDetector()).model, dir);
  },
};
/** Input sizes: 224x224, face-api's tiny detector at 416x416 (its inputSize in face-api's pipeline). */
const SIDE: Record<string, number> = { facedetector: 416 };

async function main(): Promise<void> {
  await init();
  const tmp = mkdtempSync(join(tmpdir(), 'convkit-int8-browser-'));
  const web = join(tmp, 'web');
  mkdirSync(join(web, 'models'), { recursive: true });
  await build({
    entryPoints: [join(root, 'bench/int8-browser-page.ts')],
    outfile: join(web, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*'],
    logLevel: 'error',
  });
  writeFileSync(
    join(web, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>',
  );
  const server = await startServer({ dir: web });
  const browser = await launch();
  const rows: string[] = [];
  let ua = '';
  try {
    for (const name of models) {
      await WRITE[name](join(web, 'models', name));
      for (const threads of threadCounts) {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          page.on('pageerror', (e) => console.error(`page error: ${e}`));
          await page.goto(server.url);
          await page.waitForFunction(() => 'bench' in globalThis, null, { timeout: 60_000 });
          const side = SIDE[name] ?? 224;
          const spec = { model: name, shape: [1, side, side, 3], calibration, threads, skip, activations };
          const info = await page.evaluate((s) => (globalThis as any).bench.setup(s), spec);
          ua = /Chrom\w*\/[\d.]+/.exec(info.userAgent)?.[0] ?? ua;
          console.log(`${name}, ${threads} thread(s): ${JSON.stringify({ ...info, userAgent: undefined })}`);
          await page.evaluate((ms) => (globalThis as any).bench.warm(ms), warmMs);
          const times: Record<string, number[]> = {};
          for (let r = 0; r < rounds; r++) {
            const ms = await page.evaluate(() => (globalThis as any).bench.round());
            for (const [k, v] of Object.entries(ms)) (times[k] ??= []).push(v as number);
          }
          const med = (k: string) => median(times[k]);
          if (profileRuns && threads === 1) {
            const prof = await page.evaluate((n) => (globalThis as any).bench.profile(n), profileRuns);
            for (const [impl, ms] of Object.entries(prof as Record<string, Record<string, number>>)) {
              const total = Object.values(ms).reduce((a, b) => a + b, 0);
              const parts = Object.entries(ms)
                .sort((a, b) => b[1] - a[1])
                .filter(([, v]) => v >= 0.05)
                .map(([k, v]) => `${k} ${v.toFixed(2)}`);
              console.log(`profile ${name} ${impl}: ${total.toFixed(1)} ms in kernels per run: ${parts.join(', ')}`);
            }
          }
          rows.push(
            `| ${name} | ${info.threads} | ${med('float relaxed').toFixed(1)} | ${med('int8 relaxed').toFixed(1)} | ` +
              `${(med('float relaxed') / med('int8 relaxed')).toFixed(2)}x | ${med('float simd').toFixed(1)} | ` +
              `${med('int8 simd').toFixed(1)} | ${(med('float simd') / med('int8 simd')).toFixed(2)}x | ` +
              `${(med('int8 simd') / med('int8 relaxed')).toFixed(2)}x | ${rounds} |`,
          );
        } finally {
          await context.close();
        }
      }
      rmSync(join(web, 'models', name), { recursive: true, force: true });
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nHeadless ${ua}, ${rounds} interleaved rounds after ${warmMs} ms warm-up per implementation`);
  console.log(
    '| model | threads | float relaxed ms | int8 relaxed (dot) ms | speed-up | float SIMD ms | int8 SIMD (i16) ms | speed-up | dot vs i16 | rounds |\n|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of rows) console.log(r);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
