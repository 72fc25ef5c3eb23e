// Where convkit runs and how it reaches Node-only modules. Every probe of the environment outside the
// backend's feature detection lives here, so a browser build can be audited in one file.

/** True in Node (files, npm codecs, stdout); false in browsers and web workers. */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** An environment variable (Node: CONVKIT_BACKEND, CONVKIT_THREADS, CONVKIT_PLAN); undefined elsewhere or unset. */
export const envVar = (name: string): string | undefined => (isNode ? process.env[name] : undefined);

/** Whether this is a Node that loads built-ins synchronously (process.getBuiltinModule, Node >= 20.16). */
export const hasNodeBuiltins = (): boolean => isNode && typeof process.getBuiltinModule === 'function';

/**
 * A Node built-in loaded synchronously, for code that cannot await (starting workers, counting cores, finding
 * an installed package from a synchronous API); null in browsers and in Nodes without getBuiltinModule. Looked up
 * on every call, so a test can stand a fake module in.
 */
export function nodeBuiltin(name: string): any {
  return hasNodeBuiltins() ? (process.getBuiltinModule(name) ?? null) : null;
}

/** Logical cores of this machine (1 when unknown). */
export function coreCount(): number {
  const os = nodeBuiltin('node:os');
  const n = os
    ? (os.availableParallelism?.() ?? os.cpus().length)
    : (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** A worker started from JavaScript source: Node's worker_threads Worker or a browser's Web Worker. */
export type SourceWorker = {
  postMessage(m: unknown): void;
  terminate(): unknown;
  unref?(): void;
  on?(event: 'error', f: (e: unknown) => void): void;
  addEventListener?(event: 'error', f: (e: unknown) => void): void;
};

/** A way to start a worker from source on this platform (Node: eval; browsers: a blob: URL), or null. */
export function workerFactory(): ((source: string) => SourceWorker) | null {
  const node = nodeBuiltin('node:worker_threads');
  if (node) return (src) => new node.Worker(src, { eval: true });
  const g = globalThis as any;
  if (typeof g.Worker === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function') {
    return (src) => new g.Worker(g.URL.createObjectURL(new g.Blob([src], { type: 'text/javascript' })));
  }
  return null;
}

/**
 * Imports a Node built-in or an optional npm package at run time. The non-literal specifier keeps
 * bundlers from pulling Node-only code (fs, pngjs, jpeg-js) into browser builds.
 */
export const nodeImport = (name: string): Promise<any> => import(/* @vite-ignore */ name);

/** http(s) addresses are fetched; any other string is a path (Node). */
export const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/**
 * A CommonJS `require` (Node), to resolve installed packages and load their UMD files. The CommonJS
 * bundle has no import.meta.url; there it resolves from the working directory.
 */
export async function nodeRequire(): Promise<NodeJS.Require> {
  const { createRequire } = await nodeImport('node:module');
  const { join } = await nodeImport('node:path');
  const { pathToFileURL } = await nodeImport('node:url');
  return createRequire(import.meta.url ?? pathToFileURL(join(process.cwd(), 'index.js')).href);
}

/** The folder of an installed npm package (Node), or undefined when it is not installed. */
export async function packageDir(name: string): Promise<string | undefined> {
  const { dirname } = await nodeImport('node:path');
  const req = await nodeRequire();
  try {
    return dirname(req.resolve(`${name}/package.json`));
  } catch {
    /* exports may hide package.json (nsfwjs) */
  }
  const { existsSync } = await nodeImport('node:fs');
  const { join } = await nodeImport('node:path');
  return (req.resolve.paths(name) ?? [])
    .map((base: string) => join(base, name))
    .find((d: string) => existsSync(join(d, 'package.json')));
}
