// The notes' style matrix. It is ops.gram itself (one GEMM per image, gradient A·(dG + dGᵀ)), re-exported
// under the name the style-transfer chapter uses.
import { gram } from '../ops/gram';

/**
 * The style (Gram) matrix G[k][k'] = Σ_i Σ_j a[i][j][k]·a[i][j][k']: [H,W,C] → [C,C], [N,H,W,C] → [N,C,C]; same as
 * ops.gram.
 */
export const gramMatrix = gram;
