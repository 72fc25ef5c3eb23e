// The triplet loss of FaceNet (the notes' L(A, P, N) = max(‖f(A) − f(P)‖² − ‖f(A) − f(N)‖² + α, 0))
// and triplet mining: random triplets mostly satisfy the margin already and teach nothing, so
// training picks "hard" ones with d(A, P) ≈ d(A, N), as the notes advise.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import * as ops from '../ops';
import { checkSameShape } from './distance';

/**
 * Triplet loss: mean over the batch of max(‖a − p‖² − ‖a − n‖² + alpha, 0) for [batch, d] anchors,
 * positives and negatives (a scalar tensor; differentiable with respect to all three).
 */
export function tripletLoss(anchor: Tensor, positive: Tensor, negative: Tensor, alpha = 0.2): Tensor {
  for (const [t, name] of [
    [anchor, 'anchor'],
    [positive, 'positive'],
    [negative, 'negative'],
  ] as const) {
    if (!(t instanceof Tensor) || t.rank !== 2)
      throw new ShapeError(
        `face.tripletLoss: expected ${name} [batch, d], got ${t instanceof Tensor ? fmtShape(t.shape) : typeof t}`,
      );
  }
  checkSameShape('face.tripletLoss', anchor, positive, ['anchor', 'positive']);
  checkSameShape('face.tripletLoss', anchor, negative, ['anchor', 'negative']);
  if (anchor.shape[0] === 0) throw new ShapeError('face.tripletLoss: the batch is empty');
  if (typeof alpha !== 'number' || !(alpha >= 0))
    throw new ValueError(`face.tripletLoss: alpha must be a number >= 0, got ${alpha}`);
  const dap = ops.sum(ops.square(ops.sub(anchor, positive)), -1);
  const dan = ops.sum(ops.square(ops.sub(anchor, negative)), -1);
  return ops.mean(ops.relu(ops.add(ops.sub(dap, dan), alpha)));
}

/** Triplets as row indices into the mined embeddings: anchors[i], positives[i], negatives[i]. */
export interface Triplets {
  anchors: number[];
  positives: number[];
  negatives: number[];
}

/** How mineTriplets chooses. */
export type MiningStrategy = 'hard' | 'semihard' | 'all';

/** Squared distances between every pair of rows of a [n, d] matrix. */
function pairwise(e: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = e[i * d + k] - e[j * d + k];
        s += t * t;
      }
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * Picks training triplets from a batch of embeddings [n, d] and their labels (identities).
 * - 'hard' (batch-hard, Hermans et al. 2017): one triplet per anchor that has both a positive and a
 *   negative in the batch: its farthest positive and its closest negative.
 * - 'semihard' (FaceNet, Schroff et al. 2015): one triplet per anchor-positive pair, with the closest
 *   negative that is still farther than the positive (d(A,P) < d(A,N), the loss is then below α);
 *   when no negative is farther, the farthest negative (as TensorFlow Addons does).
 * - 'all': every valid triplet (distinct anchor and positive of one label, a negative of another).
 * Ties go to the lowest index, so the result is deterministic.
 */
export function mineTriplets(
  embeddings: Tensor,
  labels: readonly number[] | Tensor,
  strategy: MiningStrategy = 'semihard',
): Triplets {
  if (!(embeddings instanceof Tensor) || embeddings.rank !== 2) {
    throw new ShapeError(
      `face.mineTriplets: expected embeddings [n, d], got ${embeddings instanceof Tensor ? fmtShape(embeddings.shape) : typeof embeddings}`,
    );
  }
  const [n, d] = embeddings.shape;
  const lab = labels instanceof Tensor ? Array.from(labels.data) : [...labels];
  if (lab.length !== n)
    throw new ShapeError(`face.mineTriplets: ${lab.length} labels for ${n} embeddings ${fmtShape(embeddings.shape)}`);
  if (!['hard', 'semihard', 'all'].includes(strategy))
    throw new ValueError(`face.mineTriplets: strategy must be 'hard', 'semihard' or 'all', got '${strategy}'`);
  const dist = pairwise(embeddings.data, n, d);
  const out: Triplets = { anchors: [], positives: [], negatives: [] };
  const push = (a: number, p: number, ng: number): void => {
    out.anchors.push(a);
    out.positives.push(p);
    out.negatives.push(ng);
  };
  for (let a = 0; a < n; a++) {
    const pos: number[] = [],
      neg: number[] = [];
    for (let j = 0; j < n; j++) if (j !== a) (lab[j] === lab[a] ? pos : neg).push(j);
    if (pos.length === 0 || neg.length === 0) continue;
    const dA = (j: number): number => dist[a * n + j];
    if (strategy === 'hard') {
      const p = pos.reduce((b, j) => (dA(j) > dA(b) ? j : b));
      const ng = neg.reduce((b, j) => (dA(j) < dA(b) ? j : b));
      push(a, p, ng);
      continue;
    }
    for (const p of pos) {
      if (strategy === 'all') {
        for (const ng of neg) push(a, p, ng);
        continue;
      }
      const farther = neg.filter((j) => dA(j) > dA(p));
      const ng =
        farther.length > 0
          ? farther.reduce((b, j) => (dA(j) < dA(b) ? j : b))
          : neg.reduce((b, j) => (dA(j) > dA(b) ? j : b));
      push(a, p, ng);
    }
  }
  return out;
}
