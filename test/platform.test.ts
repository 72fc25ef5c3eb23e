// The environment probes in src/platform.ts: environment variables, synchronous Node built-ins, cores and workers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coreCount, envVar, hasNodeBuiltins, nodeBuiltin, workerFactory } from '../src/platform';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('platform probes', () => {
  it('envVar reads the variable at call time; unset is undefined', () => {
    vi.stubEnv('CONVKIT_PLATFORM_TEST', 'seven');
    expect(envVar('CONVKIT_PLATFORM_TEST')).toBe('seven');
    vi.stubEnv('CONVKIT_PLATFORM_TEST', undefined);
    expect(envVar('CONVKIT_PLATFORM_TEST')).toBeUndefined();
  });

  it('nodeBuiltin loads built-ins synchronously and follows a stand-in module', () => {
    expect(hasNodeBuiltins()).toBe(true);
    expect(typeof nodeBuiltin('node:os').cpus).toBe('function');
    const real = process.getBuiltinModule.bind(process);
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(((name: string) =>
      name === 'node:os' ? { availableParallelism: () => 5 } : real(name)) as typeof process.getBuiltinModule);
    expect(coreCount()).toBe(5);
  });

  it('coreCount is 1 when the count is unusable', () => {
    vi.spyOn(process, 'getBuiltinModule').mockImplementation((() => ({
      availableParallelism: () => 0,
    })) as unknown as typeof process.getBuiltinModule);
    expect(coreCount()).toBe(1);
  });

  it('a Node without getBuiltinModule has no built-ins, no Node worker and one core', () => {
    const saved = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    try {
      expect(hasNodeBuiltins()).toBe(false);
      expect(nodeBuiltin('node:os')).toBeNull();
      expect(coreCount()).toBe(1);
      expect(workerFactory()).toBeNull();
    } finally {
      process.getBuiltinModule = saved;
    }
  });

  it('workerFactory starts a worker from source that runs', async () => {
    const start = workerFactory()!;
    const w = start("require('node:worker_threads').parentPort.postMessage(6 * 7)") as unknown as {
      once(e: 'message', f: (v: number) => void): void;
      terminate(): Promise<number>;
    };
    const got = await new Promise<number>((resolve) => w.once('message', resolve));
    await w.terminate();
    expect(got).toBe(42);
  });
});
