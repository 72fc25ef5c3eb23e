// What the ONNX tests share: ONNX Runtime Web (wasm, one thread) running exported bytes, the relative
// error they are judged by, and ONNX's own checker through Debian's python3 where its onnx package is installed.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-web';
import type { Tensor } from '../../src';

/** Debian's python3 (another python3 may come first on PATH). */
export const PYTHON = '/usr/bin/python3';

/** Why ONNX's checker cannot run here, or null when it can. */
export const onnxMissing: string | null = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PYTHON} with the onnx package is not installed (apt-get install python3-onnx)`;
  }
})();

/** Points ONNX Runtime Web at its installed wasm files, on one thread (call in beforeAll). */
export function setupOrt(): void {
  ort.env.wasm.wasmPaths = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';
  ort.env.wasm.numThreads = 1;
}

/** Runs ONNX bytes in ONNX Runtime Web with one float input (its shape by default x's) and returns the first output. */
export async function runOrt(bytes: Uint8Array, x: Tensor, shape = x.shape): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, shape) });
  return out[s.outputNames[0]].data as Float32Array;
}

/** max |a - b| / max(|b|, 1e-6), Infinity on NaN or length mismatch. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0,
    mx = 1e-6;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mx = Math.max(mx, Math.abs(b[i]));
  }
  return a.length === b.length && Array.from(a).every(Number.isFinite) ? err / mx : Infinity;
}

/** Runs onnx.checker.check_model(path, full_check=True) on each file: path -> null or the error. */
export function onnxChecker(paths: string[]): Record<string, string | null> {
  const script = [
    'import json, sys, onnx',
    'r = {}',
    'for p in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(p, full_check=True)',
    '        r[p] = None',
    '    except Exception as e:',
    "        r[p] = f'{type(e).__name__}: {e}'",
    'print(json.dumps(r))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}
