// The notes' alternative to the triplet loss: verification as binary classification. A shared
// encoder maps both images, a logistic unit reads per-dimension features of the pair:
// ŷ = σ(Σ_k w_k · φ(f(x_i)_k, f(x_j)_k) + b), trained with binary cross-entropy on same/different pairs.
import { Tensor, tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { Variable, valueAndGrads, noGrad } from '../autograd';
import { Layer } from '../layers';
import * as ops from '../ops';
import { optimizers } from '../train';
import type { Optimizer } from '../train/optimizers';

/** Pair features: 'abs' |f_i − f_j|, or 'chi2' (f_i − f_j)² / (|f_i| + |f_j| + ε). */
export type PairFeatures = 'abs' | 'chi2';

// ε keeps chi2 finite when both values are 0. |f_i| + |f_j| equals the notes' f_i + f_j for the
// non-negative features the notes assume, and bounds the ratio by |f_i| + |f_j| when signs differ
// (L2-normalised encodings can be negative), where f_i + f_j could vanish.
const CHI2_EPS = 1e-6;

/** Options of {@link siameseClassifier}. */
export interface SiameseOptions {
  /** The shared encoder: [N, ...input] -> [N, d]. */
  encoder: Layer;
  features?: PairFeatures;
  /** Seed of the logistic unit's initial weights and of the pair shuffling. */
  seed?: number;
}

/** Options of {@link SiameseClassifier.fit}. */
export interface SiameseFitOptions {
  epochs?: number;
  batchSize?: number;
  optimizer?: Optimizer;
  /** False trains the logistic unit only (the encoder stays as it is). Default true. */
  trainEncoder?: boolean;
  /** Called after each batch with the epoch, batch index and batch loss. */
  onBatch?: (epoch: number, batch: number, loss: number) => void;
}

/** A siamese binary classifier: same person (1) or not (0) for a pair of images. */
export class SiameseClassifier {
  readonly encoder: Layer;
  readonly features: PairFeatures;
  /** The logistic unit: weights [d, 1] and bias [1], created on first use. */
  w: Variable | null = null;
  b: Variable | null = null;
  private readonly seed: number;

  constructor(opts: SiameseOptions) {
    if (!opts || !(opts.encoder instanceof Layer))
      throw new ValueError('face.siameseClassifier: expected { encoder } with a convkit model or layer');
    const features = opts.features ?? 'abs';
    if (features !== 'abs' && features !== 'chi2')
      throw new ValueError(`face.siameseClassifier: features must be 'abs' or 'chi2', got '${features}'`);
    this.encoder = opts.encoder;
    this.features = features;
    this.seed = opts.seed ?? 1;
  }

  /** The pair features of two encodings [N, d] (differentiable). */
  pairFeatures(f1: Tensor, f2: Tensor): Tensor {
    if (f1.rank !== 2 || f1.shape.some((v, i) => v !== f2.shape[i]) || f2.rank !== 2) {
      throw new ShapeError(
        `face.siameseClassifier: encodings ${fmtShape(f1.shape)} and ${fmtShape(f2.shape)} must both be [N, d]`,
      );
    }
    const diff = ops.sub(f1, f2);
    if (this.features === 'abs') return ops.abs(diff);
    return ops.div(ops.square(diff), ops.add(ops.add(ops.abs(f1), ops.abs(f2)), CHI2_EPS));
  }

  /** Logits of "same" for pairs of image batches x1, x2 [N, ...] (differentiable). */
  logits(x1: Tensor, x2: Tensor, training = false): Tensor {
    if (x1.shape.length !== x2.shape.length || x1.shape.some((v, i) => v !== x2.shape[i])) {
      throw new ShapeError(
        `face.siameseClassifier: the two image batches differ: ${fmtShape(x1.shape)} vs ${fmtShape(x2.shape)}`,
      );
    }
    const f1 = this.encoder.apply(x1, { training }),
      f2 = this.encoder.apply(x2, { training });
    const feat = this.pairFeatures(f1, f2);
    if (!this.w || !this.b) {
      const d = feat.shape[1];
      // Negative start: a larger feature (a bigger difference) should mean "different".
      this.w = new Variable(ops.randomNormal([d, 1], { mean: -1, stddev: 0.1, seed: this.seed }), {
        name: 'siamese/w',
      });
      this.b = new Variable(tensor([1]), { name: 'siamese/b' });
    }
    return ops.reshape(ops.dense(feat, this.w, this.b), [feat.shape[0]]);
  }

  /** Probabilities that each pair shows the same identity, [N]. */
  predict(x1: Tensor, x2: Tensor): Tensor {
    return noGrad(() => ops.sigmoid(this.logits(x1, x2)));
  }

  /** Trains on pairs x1[i], x2[i] with labels same[i] ∈ {0, 1}; returns the mean loss of each epoch. */
  fit(x1: Tensor, x2: Tensor, same: Tensor | readonly number[], opts: SiameseFitOptions = {}): number[] {
    const y = same instanceof Tensor ? same : tensor(Float32Array.from(same));
    const n = x1.shape[0];
    if (y.rank !== 1 || y.shape[0] !== n)
      throw new ShapeError(`face.siameseClassifier.fit: expected ${n} labels [${n}], got ${fmtShape(y.shape)}`);
    const { epochs = 5, batchSize = 64, trainEncoder = true, onBatch } = opts;
    const opt = opts.optimizer ?? optimizers.adam({ learningRate: 1e-3 });
    const g = ops.rng(this.seed);
    const history: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(g.next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let total = 0;
      for (let s = 0, k = 0; s < n; s += batchSize, k++) {
        const idx = order.slice(s, s + batchSize);
        const a = ops.gather(x1, idx),
          b = ops.gather(x2, idx),
          t = ops.gather(y, idx);
        // The logistic unit's size is known only after a first encoding.
        if (!this.w) noGrad(() => this.logits(ops.slice(a, 0, 1), ops.slice(b, 0, 1)));
        const vars = [this.w!, this.b!, ...(trainEncoder ? this.encoder.trainableWeights : [])];
        const { value, grads } = valueAndGrads(
          () => ops.mean(ops.sigmoidCrossEntropy(this.logits(a, b, true), t)),
          vars,
        );
        opt.applyGradients(vars, grads);
        const loss = value.item();
        total += loss * idx.length;
        onBatch?.(e, k, loss);
      }
      history.push(total / n);
    }
    return history;
  }
}

/** Creates a siamese binary classifier over a shared encoder (features 'abs' by default). */
export const siameseClassifier = (opts: SiameseOptions): SiameseClassifier => new SiameseClassifier(opts);
