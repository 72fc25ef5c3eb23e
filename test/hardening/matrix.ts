// Shared by the bad-input matrices: run a case on a backend, check the typed error and its message,
// then prove the backend still computes a correct conv2d (no state was corrupted by the failure).
import { expect } from 'vitest';
import { ops, backend, tensor, Tensor, ConvkitError } from '../../src';
import type { BackendName } from '../../src/backend/kernels';

/** One bad input: what to call, the error class expected and substrings/patterns its message must hold. */
export interface BadCase {
  name: string;
  run: () => unknown;
  cls: typeof ConvkitError;
  parts: (string | RegExp)[];
}

// A fixed conv2d probe (odd sizes, stride 2, padding) checked against the f64 reference below.
const px = tensor(
  Float32Array.from({ length: 2 * 7 * 9 * 3 }, (_, i) => Math.sin(i * 0.61)),
  [2, 7, 9, 3],
);
const pw = tensor(
  Float32Array.from({ length: 3 * 3 * 3 * 5 }, (_, i) => Math.cos(i * 0.23)),
  [3, 3, 3, 5],
);

function referenceConv(): Float64Array {
  // 'same' padding, stride 2: out 4x5, pad top 1 left 1 (TF rule: total 2 -> 1 before).
  const [N, H, W, C] = px.shape,
    F = 5,
    oH = 4,
    oW = 5;
  const out = new Float64Array(N * oH * oW * F);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < oH; i++)
      for (let j = 0; j < oW; j++)
        for (let f = 0; f < F; f++) {
          let s = 0;
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const y = i * 2 + a - 1,
                x = j * 2 + b - 1;
              if (y < 0 || y >= H || x < 0 || x >= W) continue;
              for (let c = 0; c < C; c++)
                s += px.data[((n * H + y) * W + x) * C + c] * pw.data[((a * 3 + b) * C + c) * F + f];
            }
          out[((n * oH + i) * oW + j) * F + f] = s;
        }
  return out;
}
const expected = referenceConv();

/** Asserts the active backend still computes the probe conv2d correctly. */
export function expectHealthyConv(): void {
  const y: Tensor = ops.conv2d(px, pw, { strides: 2, padding: 'same' });
  expect(y.shape).toEqual([2, 4, 5, 5]);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - expected[i]));
  expect(worst).toBeLessThan(1e-4);
}

const escape = (s: string): RegExp => new RegExp(s.replace(/[[\]().*+?^$|\\{}]/g, '\\$&'));

/** Runs one case on a backend: typed error, message parts, then a healthy conv2d on the same backend. */
export function runCase(name: BackendName, c: BadCase): void {
  backend.use(name);
  let err: unknown;
  try {
    c.run();
  } catch (e) {
    err = e;
  }
  expect(err, `${c.name}: no error thrown`).toBeInstanceOf(c.cls);
  const msg = (err as Error).message;
  for (const p of c.parts) expect(msg).toMatch(typeof p === 'string' ? escape(p) : p);
  expect(backend.info().kernel).toBe(name);
  expectHealthyConv();
}
