// Checks the package as a user receives it (run after `npm run build`; .ci/run does):
// 1. `npm pack`; the tarball holds no source maps and its declarations no inlined base64.
// 2. @arethetypeswrong/cli and publint (strict) on the tarball: no problems.
// 3. A consumer project with the tarball installed compiles under `tsc --strict` with each module
//    resolver (nodenext, node16, bundler; node10 with TypeScript 5, as TypeScript 7 removed it),
//    without skipLibCheck; an `@ts-expect-error` line proves the imports are typed, not `any`.
// 4. ESM and CommonJS callers share one module instance: the same classes, and a tensor, model or
//    error made through one works with the other.
// 5. The `convkit` command runs from the installed package.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const tsc7 = join(root, 'node_modules/.bin/tsc'); // TypeScript 7 (the 'typescript' package is 6)
const tsc5 = join(root, 'tools/node_modules/typescript/bin/tsc');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
let failed = 0;
function step(name, fn) {
  try {
    const note = fn();
    console.log(`ok   ${name}${note ? `: ${note}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${[e.stdout, e.stderr, e.message].filter(Boolean).join('\n')}`);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'convkit-package-'));
try {
  const tgz = join(tmp, run('npm', ['pack', '--silent', '--pack-destination', tmp], root).trim().split('\n').pop());
  const app = join(tmp, 'app'),
    pkg = join(app, 'node_modules/convkit');
  mkdirSync(pkg, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', pkg, '--strip-components=1'], tmp);
  // what npm would install beside it: the dependencies, and @types/node as a Node project has
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const dep of [...Object.keys(dependencies), '@types/node']) {
    mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }

  step('tarball: no source maps, no base64 in the declarations', () => {
    const files = walk(pkg);
    const maps = files.filter((f) => f.endsWith('.map'));
    if (maps.length) throw new Error(`source maps: ${maps.join(', ')}`);
    const b64 = files.filter((f) => /\.d\.c?ts$/.test(f) && /[A-Za-z0-9+/]{400,}/.test(readFileSync(f, 'utf8')));
    if (b64.length) throw new Error(`base64 in: ${b64.join(', ')}`);
    return `${files.length} files, ${(statSync(tgz).size / 1e6).toFixed(2)} MB packed`;
  });
  step('@arethetypeswrong/cli', () => {
    run(bin('attw'), [tgz, '--format', 'table-flipped'], tmp);
  });
  step('publint --strict', () => {
    run(bin('publint'), ['run', tgz, '--strict'], tmp);
  });

  // Typed use of the root and of each subpath; the @ts-expect-error lines fail to compile if the
  // imports came back as `any`.
  const esm = `import { init, tensor, ops, Sequential, layers, io, type Tensor, type History, type FitArgs, type CompileArgs,
  type Logs, type Callback, type Summary, ShapeError } from 'convkit';
import { nms } from 'convkit/detect';
import { save } from 'convkit/io';
import { distance } from 'convkit/face';
import { gramMatrix } from 'convkit/style';
export async function main(): Promise<number> {
  await init();
  const t: Tensor = ops.matmul(tensor([[1, 2]]), tensor([[3], [4]]));
  const m = new Sequential([layers.dense({ units: 1, inputShape: [2] })]);
  const compileArgs: CompileArgs = { optimizer: 'sgd', loss: 'meanSquaredError' };
  m.compile(compileArgs);
  const args: FitArgs = { epochs: 1, verbose: 0 };
  const h: History = await m.fit(tensor([[1, 2]]), tensor([[1]]), args);
  const logs: Logs = {}; const cb: Callback = {}; const s: Summary = m.summary({ print: false });
  // @ts-expect-error a Tensor is not a number
  const wrong: number = t;
  void [h, logs, cb, s, wrong, nms, save, distance, gramMatrix, ShapeError];
  return t.data[0];
}
`;
  const cjs = `import ck = require('convkit');
import detect = require('convkit/detect');
const t: ck.Tensor = ck.tensor([1, 2]);
// @ts-expect-error a Tensor is not a string
const wrong: string = t;
export const used = [detect.iou, wrong];
`;
  const classic = `import * as ck from 'convkit';
import { iou } from 'convkit/detect';
const t: ck.Tensor = ck.tensor([1, 2]);
const h: ck.History | undefined = undefined;
// @ts-expect-error a Tensor is not a string
const wrong: string = t;
export const used = [iou, h, wrong];
`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(join(app, 'esm.mts'), esm);
  writeFileSync(join(app, 'cjs.cts'), cjs);
  writeFileSync(join(app, 'bundled.ts'), esm);
  writeFileSync(join(app, 'classic.ts'), classic);
  const strict = ['--strict', '--noEmit', '--target', 'es2022', '--types', 'node'];
  const resolvers = [
    ['nodenext', tsc7, ['--module', 'nodenext', '--moduleResolution', 'nodenext', 'esm.mts', 'cjs.cts']],
    ['node16', tsc7, ['--module', 'node16', '--moduleResolution', 'node16', 'esm.mts', 'cjs.cts']],
    ['bundler', tsc7, ['--module', 'esnext', '--moduleResolution', 'bundler', 'bundled.ts']],
    ['node10 (TypeScript 5)', tsc5, ['--module', 'commonjs', '--moduleResolution', 'node10', 'classic.ts']],
  ];
  for (const [name, tsc, args] of resolvers)
    step(`tsc --strict, ${name}`, () => {
      run(process.execPath, [tsc, ...strict, ...args], app);
    });

  step('one module instance for import and require', () => {
    writeFileSync(
      join(app, 'identity.cjs'),
      `const assert = require('node:assert');
const ck = require('convkit'), ckIo = require('convkit/io');
(async () => {
  const esm = await import('convkit'), esmIo = await import('convkit/io');
  assert.strictEqual(ck.Tensor, esm.Tensor);
  assert.strictEqual(ckIo.save, esm.io.save);
  assert.strictEqual(ck.io.load, esmIo.load);
  await ck.init();
  const t = ck.tensor([[1, 2]]);
  assert.ok(t instanceof esm.Tensor, 'a tensor from require is a Tensor to import');
  assert.deepStrictEqual(Array.from(esm.ops.matmul(t, esm.tensor([[3], [4]])).data), [11]);
  const m = new esm.Sequential([esm.layers.dense({ units: 1, inputShape: [2] })]);
  assert.ok(m instanceof ck.Model, 'a model from import is a Model to require');
  try { ck.ops.matmul(esm.tensor([1, 2, 3]), t); assert.fail('no error'); }
  catch (e) { assert.ok(e instanceof esm.ShapeError && e instanceof ck.ConvkitError, String(e)); }
  console.log('identity ok');
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const out = execFileSync(process.execPath, ['identity.cjs'], {
      cwd: app,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (!out.includes('identity ok')) throw new Error(out);
  });
  step('convkit --help from the installed package', () => {
    const out = run(process.execPath, [join(pkg, 'bin/convkit.js'), '--help'], app);
    if (!/usage: convkit/.test(out)) throw new Error(out);
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failed) {
  console.log(`check-package: ${failed} check(s) failed`);
  process.exit(1);
}
console.log('check-package: all checks passed');
