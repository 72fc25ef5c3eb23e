// Keras BatchNormalization over the last axis: batch statistics in training (and an update of the
// moving statistics), moving statistics at inference. A frozen layer always runs in inference mode,
// as in Keras 2, so fine-tuning never disturbs its statistics.
import { Tensor } from '../tensor';
import { Variable, noGrad } from '../autograd';
import { ShapeError, ValueError, fmtValue } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, CallArgs, checkLayerOptions } from './base';
import { Initializer, InitializerSpec, getInitializer, serializeInitializer } from './initializers';

/** Options of batchNormalization (Keras names and defaults). */
export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
}

/** Keras BatchNormalization; weights gamma, beta (trainable), moving_mean, moving_variance. */
export class BatchNormalization extends Layer {
  static override className = 'BatchNormalization';
  /** Must resolve to the last axis (channels last); a positive index is accepted for saved configs. */
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  private readonly inits: Initializer[];

  constructor(args: BatchNormalizationArgs = {}) {
    checkLayerOptions('batchNormalization', args, [
      'axis',
      'momentum',
      'epsilon',
      'center',
      'scale',
      'betaInitializer',
      'gammaInitializer',
      'movingMeanInitializer',
      'movingVarianceInitializer',
    ]);
    super('batch_normalization', args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new ValueError(`batchNormalization '${this.name}': axis must be an integer, got ${fmtValue(args.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new ValueError(`batchNormalization '${this.name}': momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0))
      throw new ValueError(`batchNormalization '${this.name}': epsilon must be positive, got ${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.inits = [
      args.gammaInitializer ?? 'ones',
      args.betaInitializer ?? 'zeros',
      args.movingMeanInitializer ?? 'zeros',
      args.movingVarianceInitializer ?? 'ones',
    ].map((s) => getInitializer(s, this.name));
    this.inputSpec = { minNdim: 2, layout: '[N,...,C]' };
  }

  override build(s: SymShape): void {
    if (this.axis !== -1 && this.axis !== s.length - 1) {
      throw new ValueError(
        `layer '${this.name}' (BatchNormalization): only the last (channels) axis is supported, got axis ${this.axis} for input rank ${s.length}`,
      );
    }
    const c = s[s.length - 1];
    if (c === null)
      throw new ShapeError(`layer '${this.name}' (BatchNormalization): the channel dimension must be known`);
    const [g, b, mm, mv] = this.inits;
    if (this.scale) this.gamma = this.addWeight('gamma', [c], g);
    if (this.center) this.beta = this.addWeight('beta', [c], b);
    this.movingMean = this.addWeight('moving_mean', [c], mm, false);
    this.movingVariance = this.addWeight('moving_variance', [c], mv, false);
    this.inputSpec = { minNdim: 2, layout: '[N,...,C]', axes: { [-1]: c } };
    super.build(s);
  }

  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const offset = this.beta ?? undefined;
    const scale = this.gamma ?? undefined;
    if (!args.training || !this.trainable) {
      return ops.batchNorm(x, this.movingMean, this.movingVariance, offset, scale, this.epsilon);
    }
    const c = x.shape[x.rank - 1];
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const m = ops.moments(x, axes);
    const mean = ops.reshape(m.mean, [c]);
    const variance = ops.reshape(m.variance, [c]);
    const n = x.size / c;
    noGrad(() => {
      // Moving variance uses the unbiased batch variance (Keras's fused path, TF.js).
      const mm = this.movingMean.data,
        mv = this.movingVariance.data,
        k = this.momentum;
      const debias = n > 1 ? n / (n - 1) : 1;
      for (let i = 0; i < c; i++) {
        mm[i] = mm[i] * k + mean.data[i] * (1 - k);
        mv[i] = mv[i] * k + variance.data[i] * debias * (1 - k);
      }
      this.movingMean.markChanged();
      this.movingVariance.markChanged();
    });
    return ops.batchNorm(x, mean, variance, offset, scale, this.epsilon);
  }

  /** One multiply-add per value (normalisation folded into a scale and shift). */
  override macs(s: SymShape): number {
    return s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }

  override getConfig(): Record<string, unknown> {
    const [g, b, mm, mv] = this.inits.map(serializeInitializer);
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: b,
      gamma_initializer: g,
      moving_mean_initializer: mm,
      moving_variance_initializer: mv,
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}
