// `convkit doctor`: what this machine gives convkit (the kernels that loaded, SIMD, relaxed SIMD,
// threads and why) and which of the optional packages the commands use are installed.
import { info } from '../backend';
import { nodeImport, packageDir } from '../platform';
import type { Command } from './command';

/** The optional packages of the commands, with the commands that use them. */
function optionalPackages(commands: readonly Command[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of commands) for (const n of c.needs ?? []) out.set(n.package, [...(out.get(n.package) ?? []), c.name]);
  return out;
}

/** The version of an installed package, or null. */
async function installedVersion(name: string): Promise<string | null> {
  const dir = await packageDir(name);
  if (!dir) return null;
  const { readFile } = await nodeImport('node:fs/promises');
  const { join } = await nodeImport('node:path');
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version ?? '?';
  } catch {
    return '?';
  }
}

/** The `doctor` command, reporting on the optional packages of `commands()`. */
export const doctorCommand = (commands: () => readonly Command[]): Command => ({
  name: 'doctor',
  summary: 'show the kernels that loaded (SIMD, relaxed SIMD, threads) and which optional packages are installed',
  usage: '[--json]',
  options: {},
  async run(_args, log) {
    const b = info();
    const { readFile } = await nodeImport('node:fs/promises');
    // two folders up from src/cli/ or dist/cli/ is the package root
    const version = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
      .version as string;
    const packages: { name: string; version: string | null; usedBy: string[] }[] = [];
    for (const [name, usedBy] of optionalPackages(commands()))
      packages.push({ name, version: await installedVersion(name), usedBy });
    log(`convkit ${version} on Node ${process.versions.node} (${process.platform} ${process.arch})`);
    log(`kernels: ${b.kernel} (${b.reason})`);
    log(`  SIMD: ${b.simd ? 'yes' : 'no'}, relaxed SIMD: ${b.relaxedSimd ? 'yes' : 'no'}`);
    log(`  threads: ${b.threads}${b.threadsReason ? ` (${b.threadsReason})` : ''}`);
    log('optional packages:');
    const width = Math.max(...packages.map((p) => p.name.length));
    for (const p of packages) {
      log(
        `  ${p.name.padEnd(width)}  ${p.version ? `${p.version} installed` : `missing (npm install ${p.name})`}, used by ${p.usedBy.join(', ')}`,
      );
    }
    return { version, node: process.versions.node, backend: b, packages };
  },
});
