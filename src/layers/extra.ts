// Layers that pretrained models use as layers of their own: ReLU (with max_value, so ReLU6 in
// MobileNetV2), LeakyReLU, PReLU (a learned slope), Softmax over any axis, UnitNormalization (the face
// encoder's last layer) and ZeroChannels (face-api's shortcut). All are in the registry from the start,
// so loading a model never depends on which modules an app happened to import (bundlers drop unused
// modules: package.json `sideEffects`).
import { Tensor } from '../tensor';
import { Variable } from '../autograd';
import { ShapeError, ValueError } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions } from './base';
import { Initializer, InitializerSpec, getInitializer, serializeInitializer } from './initializers';
import { l2Normalize } from '../face/distance';

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
    if (this.maxValue !== null && !(this.maxValue >= 0))
      throw new ValueError(`${where}: maxValue must be >= 0, got ${this.maxValue}`);
    if (!(this.negativeSlope >= 0))
      throw new ValueError(`${where}: negativeSlope must be >= 0, got ${this.negativeSlope}`);
    // A non-zero threshold makes the function discontinuous; no model in use needs it.
    if ((args.threshold ?? 0) !== 0)
      throw new ValueError(`${where}: only threshold 0 is supported, got ${args.threshold}`);
  }

  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }

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
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  call(x: Tensor): Tensor {
    return ops.leakyRelu(x, this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Keras PReLU: x for x > 0, alpha·x otherwise, alpha learned per position; sharedAxes (1-based) share one alpha. */
export class PReLU extends Layer {
  static override className = 'PReLU';
  readonly sharedAxes: number[];
  alpha!: Variable;
  private readonly alphaInit: Initializer;
  constructor(args: LayerArgs & { alphaInitializer?: InitializerSpec; sharedAxes?: number | number[] | null } = {}) {
    checkLayerOptions('pReLU', args, ['alphaInitializer', 'sharedAxes']);
    super('p_re_lu', args);
    const s = args.sharedAxes ?? [];
    this.sharedAxes = typeof s === 'number' ? [s] : [...s];
    if (this.sharedAxes.some((a) => !Number.isInteger(a) || a < 1))
      throw new ValueError(
        `pReLU '${this.name}': sharedAxes must be axes >= 1, got ${JSON.stringify(args.sharedAxes)}`,
      );
    this.alphaInit = getInitializer(args.alphaInitializer ?? 'zeros', this.name);
  }
  override build(s: SymShape): void {
    const shape = s.slice(1).map((d, i) => (this.sharedAxes.includes(i + 1) ? 1 : d));
    if (shape.some((d) => d === null))
      throw new ShapeError(`layer '${this.name}' (PReLU): unshared axes must be known, got input ${JSON.stringify(s)}`);
    this.alpha = this.addWeight('alpha', shape as number[], this.alphaInit);
    super.build(s);
  }
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  // relu(x) + alpha·min(x, 0): both terms have gradients, alpha's summed over its shared axes
  call(x: Tensor): Tensor {
    return ops.add(ops.relu(x), ops.mul(this.alpha, ops.minimum(x, 0)));
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alpha_initializer: serializeInitializer(this.alphaInit),
      alpha_regularizer: null,
      alpha_constraint: null,
      shared_axes: this.sharedAxes.length ? [...this.sharedAxes] : null,
    };
  }
}

/** Keras Softmax layer: softmax over one axis (default the last). */
export class Softmax extends Layer {
  static override className = 'Softmax';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    checkLayerOptions('softmax', args, ['axis']);
    super('softmax', args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis) || this.axis === 0)
      throw new ValueError(`softmax '${this.name}': axis must be a non-batch axis, got ${JSON.stringify(args.axis)}`);
  }
  override get finalActivation(): string | undefined {
    return this.axis === -1 ? 'softmax' : undefined;
  }
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  call(x: Tensor): Tensor {
    return ops.softmax(x, this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** ReLU as a layer; { maxValue: 6 } is ReLU6. */
export const reLU = (a?: ReLUArgs): ReLU => new ReLU(a);
/** Leaky ReLU as a layer. */
export const leakyReLU = (a?: LayerArgs & { alpha?: number }): LeakyReLU => new LeakyReLU(a);

/** Divides each row by its Euclidean norm (Keras's UnitNormalization over the last axis). */
export class L2Normalize extends Layer {
  static override className = 'UnitNormalization';
  constructor(args: LayerArgs & { axis?: number } = {}) {
    checkLayerOptions('l2Normalize', args, ['axis']);
    super('unit_normalization', args);
    if (args.axis !== undefined && args.axis !== -1)
      throw new ValueError(`l2Normalize: only axis -1 is supported, got ${args.axis}`);
    this.inputSpec = { minNdim: 2, layout: '[N,...,d]' };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  call(x: Tensor): Tensor {
    return l2Normalize(x);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: -1 };
  }
}

/** Appends zero channels (face-api's shortcut when a block doubles the channels). */
export class ZeroChannels extends Layer {
  static override className = 'ZeroChannels';
  readonly channels: number;
  constructor(args: LayerArgs & { channels: number }) {
    super('zero_channels', args);
    if (!Number.isInteger(args?.channels) || args.channels < 0)
      throw new ValueError(`zeroChannels: channels must be an integer >= 0, got ${args?.channels}`);
    this.channels = args.channels;
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [s[0], s[1], s[2], s[3] === null ? null : s[3] + this.channels];
  }
  call(x: Tensor): Tensor {
    return ops.pad(x, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, this.channels],
    ]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), channels: this.channels };
  }
}
