// After TypeDoc (npm run docs writes docs/api/api.json): every namespace of the API reference has an
// @example, and every example compiles with tsc --strict against the sources (`'convkit'` mapped to
// src/index.ts), so the reference shows code that works.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const api = JSON.parse(readFileSync(join(root, 'docs/api/api.json'), 'utf8'));
const NAMESPACE = 4;

const examples = [];
const missing = [];
(function walk(node, path) {
  for (const c of node.children ?? []) {
    if (c.kind !== NAMESPACE) continue;
    const name = path ? `${path}.${c.name}` : c.name;
    const tags = (c.comment?.blockTags ?? []).filter((t) => t.tag === '@example');
    const code = tags.flatMap((t) => t.content.filter((p) => p.kind === 'code').map((p) => p.text));
    if (!code.length) missing.push(name);
    for (const text of code) examples.push({ name, code: text.replace(/^```\w*\n|```$/g, '') });
    walk(c, name);
  }
})(api, '');

if (missing.length) {
  console.error(`check-docs: no @example for ${missing.join(', ')}`);
  process.exit(1);
}
const dir = join(root, '.cache/doc-examples');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const files = examples.map((e, i) => {
  const file = join(dir, `${String(i).padStart(2, '0')}-${e.name.replace(/\W/g, '_')}.ts`);
  writeFileSync(file, `${e.code.replace(/from 'convkit'/g, "from '../../src/index'")}\nexport {};\n`);
  return file;
});
const flags = [
  '--ignoreConfig',
  '--noEmit',
  '--strict',
  '--target',
  'es2022',
  '--module',
  'esnext',
  '--moduleResolution',
  'bundler',
];
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/.bin/tsc'), ...flags, '--lib', 'es2022,dom', '--types', 'node', ...files],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
} catch {
  console.error(`check-docs: the examples above do not compile (files in ${dir})`);
  process.exit(1);
}
console.log(
  `check-docs: ${examples.length} examples in ${new Set(examples.map((e) => e.name)).size} namespaces compile`,
);
