// The notes' Gram matrix (style matrix) on the gram kernel, with its gradient as one GEMM per image.
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import { ShapeError, fmtShape } from '../errors';
import { checkTensor } from './util';

/**
 * G[k][k'] = Σ_i Σ_j a[i][j][k]·a[i][j][k'] (no normalisation): [H,W,C] → [C,C], [N,H,W,C] → [N,C,C].
 * Gradient: dA = A·(dG + dGᵀ) per image.
 */
export function gram(a: Tensor): Tensor {
  checkTensor(a, 'gram');
  if (a.rank !== 3 && a.rank !== 4)
    throw new ShapeError(`gram: expected input [H,W,C] or [N,H,W,C], got ${fmtShape(a.shape)}`);
  const batch = a.rank === 4 ? a.shape[0] : 1;
  const c = a.shape[a.rank - 1],
    hw = a.size / Math.max(batch * c, 1);
  const shape = a.rank === 4 ? [batch, c, c] : [c, c];
  const g = new Tensor(a.size ? kernels().gram(a.data, batch, hw, c) : new Float32Array(batch * c * c), shape);
  return record([a], g, (dy) => {
    const da = new Float32Array(a.size);
    const s = new Float32Array(c * c);
    for (let b = 0; b < batch; b++) {
      const d = dy.data.subarray(b * c * c, (b + 1) * c * c);
      for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) s[i * c + j] = d[i * c + j] + d[j * c + i];
      da.set(
        kernels().matmul(a.data.subarray(b * hw * c, (b + 1) * hw * c), s, hw, c, c, false, false, null, 'linear'),
        b * hw * c,
      );
    }
    return [new Tensor(da, a.shape)];
  });
}
