// Activation layers that pretrained Keras models use as layers of their own: ReLU (with max_value,
// so ReLU6 in MobileNetV2) and LeakyReLU.
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions } from './base';

/** Options of reLU (Keras names): max_value caps the output (6 gives ReLU6). */
export interface ReLUArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

/** Keras ReLU: min(max(x, 0), maxValue), with negativeSlope·x below zero. */
export class ReLU extends Layer {
  static override className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;

  constructor(args: ReLUArgs = {}) {
    checkLayerOptions('reLU', args, ['maxValue', 'negativeSlope', 'threshold']);
    super('re_lu', args);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    const where = `reLU '${this.name}'`;
    if (this.maxValue !== null && !(this.maxValue >= 0)) throw new ValueError(`${where}: maxValue must be >= 0, got ${this.maxValue}`);
    if (!(this.negativeSlope >= 0)) throw new ValueError(`${where}: negativeSlope must be >= 0, got ${this.negativeSlope}`);
    // A non-zero threshold makes the function discontinuous; no model in use needs it.
    if ((args.threshold ?? 0) !== 0) throw new ValueError(`${where}: only threshold 0 is supported, got ${args.threshold}`);
  }

  computeOutputShape(s: SymShape): SymShape { return [...s]; }

  call(x: Tensor): Tensor {
    // relu and minimum run as backend kernels, about twice as fast as a fused TS clip.
    const y = this.negativeSlope > 0 ? ops.leakyRelu(x, this.negativeSlope) : ops.relu(x);
    return this.maxValue === null ? y : ops.minimum(y, this.maxValue);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: 0 };
  }
}

/** Keras LeakyReLU: x for x > 0, alpha·x otherwise (default alpha 0.3, as Keras and TF.js layers). */
export class LeakyReLU extends Layer {
  static override className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    checkLayerOptions('leakyReLU', args, ['alpha']);
    super('leaky_re_lu', args);
    this.alpha = args.alpha ?? 0.3;
    if (!(this.alpha >= 0)) throw new ValueError(`leakyReLU '${this.name}': alpha must be >= 0, got ${args.alpha}`);
  }
  computeOutputShape(s: SymShape): SymShape { return [...s]; }
  call(x: Tensor): Tensor { return ops.leakyRelu(x, this.alpha); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}

/** ReLU as a layer; { maxValue: 6 } is ReLU6. */
export const reLU = (a?: ReLUArgs): ReLU => new ReLU(a);
/** Leaky ReLU as a layer. */
export const leakyReLU = (a?: LayerArgs & { alpha?: number }): LeakyReLU => new LeakyReLU(a);
