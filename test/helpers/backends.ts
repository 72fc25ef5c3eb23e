// The backends every op and kernel suite runs on, taken from the backend itself: 'js', 'wasm',
// 'wasm-simd', and 'wasm-relaxed-simd' wherever it loads (Chromium by default, Node 20 with
// --experimental-wasm-relaxed-simd, as the second vitest project runs it).
import { describe, beforeAll } from 'vitest';
import { backend, type BackendName } from '../../src/backend';

/** Backends this runtime can run, reference first. */
export const BACKENDS: readonly BackendName[] = backend.available();

/** WebAssembly builds only (the ones compared against the 'js' reference). */
export const WASM_BACKENDS: readonly BackendName[] = BACKENDS.filter((b) => b !== 'js');

/** One suite per backend, that backend active for its tests (TF.js's describeWithFlags(ALL_ENVS)). */
export function describeEachBackend(
  title: string,
  suite: (b: BackendName) => void,
  backends: readonly BackendName[] = BACKENDS,
): void {
  describe.each(backends)(`${title} on %s`, (b) => {
    beforeAll(() => backend.use(b));
    suite(b);
  });
}
