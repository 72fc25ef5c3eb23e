// Where convkit runs and how it reaches Node-only modules. Every probe of the environment outside the
// backend's feature detection lives here, so a browser build can be audited in one file.

/** True in Node (files, npm codecs, stdout); false in browsers and web workers. */
export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

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
