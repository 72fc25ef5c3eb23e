// The demo page's whole-networks tab (examples/web, as `npm run serve` builds it) against bench/browser.ts on the
// same networks, alternating in one process: demo, bench, demo, bench... so both see the same machine. Each demo
// run opens the page in a fresh headless Chromium (a saved LeNet-5 mounted, so the page trains nothing), clicks
// "Time whole networks" with ?nets= and reads the table's rows; each bench run is benchBrowser with TF.js wasm
// (no ORT, no eager rows). Prints one table: median (and the demo's fastest run) of every engine per run.
// Run: node --import tsx bench/demo.ts [--models mobilenetv2,resnet18,resnet50] [--reps 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, io, zoo } from '../src';
import { launch } from '../test/browser/harness';
// @ts-expect-error plain ESM script without type declarations
import { prepare, startServer, demoMounts } from '../scripts/serve.mjs';
import { benchBrowser } from './browser';

const args = process.argv.slice(2);
const flag = (f: string, d: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const models = flag('--models', 'mobilenetv2,resnet18,resnet50').split(',');
const reps = Number(flag('--reps', '2'));
/** The demo's row names of bench/browser.ts's network keys. */
const NAMES: Record<string, string> = {
  mobilenetv2: 'MobileNetV2 (nsfwjs)',
  resnet18: 'ResNet-18',
  resnet50: 'ResNet-50',
};

await init();
const web = mkdtempSync(join(tmpdir(), 'convkit-demo-bench-')),
  lenet = mkdtempSync(join(tmpdir(), 'convkit-demo-lenet-'));
await io.save(zoo.lenet5({ seed: 5 }), lenet);
const built = await prepare({ out: web });
const server = await startServer({ dir: built.out, mounts: { ...demoMounts(built.faceModels), 'model/': lenet } });
const lines: string[] = [];
const stamp = () => new Date().toISOString().slice(11, 16);
try {
  for (let r = 1; r <= reps; r++) {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}?nets=${models.join(',')}`);
      const ready = (id: string) =>
        page.waitForFunction((id) => document.getElementById(id)!.dataset.state === 'ready', id, { timeout: 600_000 });
      await ready('digit-status');
      await page.click('#tabs button[data-tab=bench]');
      await page.click('#run-networks');
      await ready('networks-status');
      const rows = await page.$$eval('#networks-table tr[data-model]', (trs) =>
        trs.map((t) => ({ ...(t as HTMLElement).dataset })),
      );
      for (const x of rows)
        lines.push(
          `| ${r} | demo tab (${stamp()}) | ${x.model} | ${x.engine} | ${x.threads} | ${Number(x.ms).toFixed(1)} | ${Number(x.min).toFixed(1)} |`,
        );
    } finally {
      await browser.close();
    }
    const res = await benchBrowser({ models, rounds: 7, warmMs: 1500, ort: false, eager: false, log: () => {} });
    for (const x of res.rows)
      lines.push(
        `| ${r} | bench/browser.ts (${stamp()}) | ${NAMES[x.model] ?? x.model} | ${x.impl === 'convkit plan' ? 'convkit' : x.impl} | ${x.threads} | ${x.ms.toFixed(1)} | |`,
      );
    if (res.errors.length) lines.push(...res.errors.map((e) => `page error: ${e}`));
  }
} finally {
  await server.close();
  rmSync(web, { recursive: true, force: true });
  rmSync(lenet, { recursive: true, force: true });
}
console.log('| run | page (UTC) | network | engine | threads | median ms | fastest ms |');
console.log('|---:|---|---|---|---:|---:|---:|');
console.log(lines.join('\n'));
process.exit(0);
