// Serves a folder on 127.0.0.1 and drives Debian's Chromium with playwright-core (no browser download).
import { createServer, Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** A static server; `isolated` adds COOP/COEP so pages are crossOriginIsolated. */
export async function serve(
  dir: string,
  opts: { isolated?: boolean } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(dir, path || 'index.html');
    if (opts.isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>404</title>not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as any).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Launches headless Chromium with the flags this machine needs (no network, no sandbox as root), plus extraArgs. */
export async function launch(extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/**
 * Bundles src/ for browsers into dir/convkit.browser.js (the options of scripts/build-bundles.mjs)
 * and writes dir/index.html loading dir/page.js as a module.
 */
export async function buildTestPage(dir: string): Promise<void> {
  const { build } = await import('esbuild');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const src = join(__dirname, '../../src/index.ts');
  await build({
    entryPoints: [src],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    external: ['node:*'],
    outfile: join(dir, 'convkit.browser.js'),
    logLevel: 'error',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>',
  );
}

/** Opens url in a fresh Chromium, waits for the page to set window.__result, returns it with any page errors. */
export async function pageResult(url: string): Promise<{ result: any; errors: string[] }> {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as any).__result !== undefined, null, { timeout: 60_000 });
    return { result: await page.evaluate(() => (window as any).__result), errors };
  } finally {
    await browser.close();
  }
}
