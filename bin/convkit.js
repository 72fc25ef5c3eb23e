#!/usr/bin/env node
// The `convkit` command. A built package runs dist/cli/main.js; a fresh clone (after `npm ci`, no build)
// runs the TypeScript sources through tsx, generating the inlined WASM module first if it is missing.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

async function load() {
  if (existsSync(here('../dist/cli/main.js'))) return import('../dist/cli/main.js');
  // The inlined WASM module is generated, not committed: build it once (after changing assembly/,
  // `npm run build:wasm` refreshes it). Its log goes to stderr so --json output stays clean.
  if (!existsSync(here('../src/backend/wasm/binaries.ts'))) {
    execFileSync(process.execPath, [here('../scripts/build-wasm.mjs')], { stdio: ['ignore', 2, 2] });
  }
  const { tsImport } = await import('tsx/esm/api');
  return tsImport('../src/cli/main.ts', import.meta.url);
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
