// Reference kernels (gemm family): plain loops, f64 accumulation. The oracle for tests.
import type { KernelFamily, Activation } from '../kernels';

/** C = op(A)·op(B) (+ bias) then activation, by the definition (see Kernels.matmul). */
function matmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  bias: Float32Array | null,
  activation: Activation,
): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      }
      if (bias) s += bias[j];
      c[i * n + j] = activation === 'relu' && s < 0 ? 0 : s;
    }
  }
  return c;
}

/** G[b][k][k'] = Σ_i a[b][i][k]·a[b][i][k'] for a [batch, hw, c]. */
function gram(a: Float32Array, batch: number, hw: number, c: number): Float32Array {
  const g = new Float32Array(batch * c * c);
  for (let t = 0; t < batch; t++) {
    const base = t * hw * c;
    for (let k1 = 0; k1 < c; k1++) {
      for (let k2 = k1; k2 < c; k2++) {
        let s = 0;
        for (let i = 0; i < hw; i++) s += a[base + i * c + k1] * a[base + i * c + k2];
        // Symmetric: compute the upper triangle once and mirror it.
        g[t * c * c + k1 * c + k2] = s;
        g[t * c * c + k2 * c + k1] = s;
      }
    }
  }
  return g;
}

export const gemmKernels = { matmul, gram } satisfies KernelFamily;
