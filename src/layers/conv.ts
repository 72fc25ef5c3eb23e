// Convolution layers: Conv1D/2D/3D share one class (rank 1..3); DepthwiseConv2D beside it.
// Bias and relu/linear are fused into the conv op; other activations run after it.
import { Tensor } from '../tensor';
import { Variable } from '../autograd';
import * as ops from '../ops';
import { ShapeError, ValueError, fmtValue } from '../errors';
import { Layer, LayerArgs, SymShape, CallArgs, checkLayerOptions, fmtSymShape } from './base';
import { Initializer, InitializerSpec, serializeInitializer, getInitializer, kernelBiasConfig } from './initializers';
import { ActivationName, checkActivation, effectiveActivation } from './activations';
import { type Padding, type CheckedPadding, spatialParam, checkPadding, windowOutputShape } from '../ops/geometry';

/** Options of conv1d / conv2d / conv3d (Keras names). */
export interface ConvArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  dilationRate?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  /**
   * Conv2D only: channel groups convolved separately (Keras's groups); input channels and filters must divide by it.
   */
  groups?: number;
  /** Seed for this layer's initialisers (a seeded model sets it for every layer). */
  seed?: number;
}

const CONV_OPTIONS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'groups',
  'seed',
];
const LAYOUT = ['', '[N,L,C]', '[N,H,W,C]', '[N,D,H,W,C]'];
const FACTORY = ['', 'conv1d', 'conv2d', 'conv3d'];

/** Shared conv maths: geometry from options and the output shape. */
abstract class ConvBase extends Layer {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly dilationRate: number[];
  readonly padding: Padding;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  /** Padding as the ops take it (checked): 'same', 'valid' or [before, after] per spatial axis. */
  readonly pad: CheckedPadding;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(
    prefix: string,
    readonly rank: number,
    args: ConvArgs | DepthwiseConv2DArgs,
  ) {
    super(prefix, args);
    const where = `${prefix} '${this.name}'`;
    this.kernelSize = spatialParam(where, 'kernelSize', args.kernelSize, rank);
    this.strides = spatialParam(where, 'strides', args.strides ?? 1, rank);
    this.dilationRate = spatialParam(where, 'dilationRate', args.dilationRate ?? 1, rank);
    this.pad = checkPadding(where, args.padding ?? 'valid', rank);
    this.padding = args.padding ?? 'valid';
    this.activation = checkActivation(args.activation, where);
    this.useBias = args.useBias ?? true;
    if (args.seed !== undefined) this.seed = args.seed;
    this.inputSpec = { ndim: rank + 2, layout: LAYOUT[rank] };
  }

  protected spatialOut(inputShape: SymShape): (number | null)[] {
    return windowOutputShape(
      `layer '${this.name}' (${this.className})`,
      'filter',
      inputShape.slice(1, -1),
      this.kernelSize,
      this.strides,
      this.dilationRate,
      this.pad,
      `input ${fmtSymShape(inputShape)}`,
    );
  }

  override get finalActivation(): string {
    return this.activation;
  }

  /** Options for the conv op: strides/dilation as tuples for 2D/3D, numbers for 1D. */
  protected opOptions(): Record<string, unknown> {
    const one = (t: number[]) => (this.rank === 1 ? t[0] : t);
    return { strides: one(this.strides), dilation: one(this.dilationRate), padding: this.pad };
  }

  protected convConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation,
      use_bias: this.useBias,
    };
  }
}

/** Conv1D / Conv2D / Conv3D: kernel [...kernelSize, inC, filters], optional bias [filters]. */
export class Conv extends ConvBase {
  readonly filters: number;
  readonly groups: number;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;

  constructor(rank: number, args: ConvArgs) {
    checkLayerOptions(FACTORY[rank], args, CONV_OPTIONS);
    if (!args || !Number.isInteger(args.filters) || args.filters <= 0) {
      throw new ValueError(`${FACTORY[rank]}: filters must be a positive integer, got ${fmtValue(args?.filters)}`);
    }
    super(FACTORY[rank], rank, args);
    this.filters = args.filters;
    this.groups = args.groups ?? 1;
    const where = `${FACTORY[rank]} '${this.name}'`;
    if (!Number.isInteger(this.groups) || this.groups < 1)
      throw new ValueError(`${where}: groups must be a positive integer, got ${JSON.stringify(args.groups)}`);
    if (this.groups > 1 && (rank !== 2 || this.filters % this.groups !== 0)) {
      throw new ValueError(
        `${where}: groups ${this.groups} needs a 2D convolution whose filters (${this.filters}) divide by it`,
      );
    }
    this.kernelInit = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros', this.name);
  }

  override build(inputShape: SymShape): void {
    const inC = inputShape[inputShape.length - 1];
    if (inC === null)
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): the channel dimension of the input must be known, got ${JSON.stringify(inputShape)}`,
      );
    if (inC % this.groups !== 0)
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): ${inC} input channels do not divide into ${this.groups} groups`,
      );
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC / this.groups, this.filters], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    this.inputSpec = { ...this.inputSpec!, axes: { [-1]: inC } };
    super.build(inputShape);
  }

  computeOutputShape(inputShape: SymShape): SymShape {
    return [inputShape[0], ...this.spatialOut(inputShape), this.filters];
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const act = effectiveActivation(this.activation, args.logits);
    if (this.groups > 1)
      return ops.groupConv2d(x, this.kernel, this.groups, {
        ...this.opOptions(),
        bias: this.bias,
        activation: act,
      } as never);
    const conv = this.rank === 1 ? ops.conv1d : this.rank === 2 ? ops.conv2d : ops.conv3d;
    // The op fuses bias and relu/linear into the kernel and applies other activations after.
    return conv(x, this.kernel, { ...this.opOptions(), bias: this.bias, activation: act } as never);
  }

  override macs(inputShape: SymShape): number {
    const out = this.computeOutputShape(inputShape);
    const inC = inputShape[inputShape.length - 1] ?? 0;
    return (prodKnown(out.slice(1)) * prodKnown(this.kernelSize) * inC) / this.groups;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...this.convConfig(),
      filters: this.filters,
      groups: this.groups,
      ...kernelBiasConfig(this.kernelInit, this.biasInit),
    };
  }
}

/** Keras Conv1D. */
export class Conv1D extends Conv {
  static override className = 'Conv1D';
  constructor(a: ConvArgs) {
    super(1, a);
  }
}
/** Keras Conv2D. */
export class Conv2D extends Conv {
  static override className = 'Conv2D';
  constructor(a: ConvArgs) {
    super(2, a);
  }
}
/** Keras Conv3D. */
export class Conv3D extends Conv {
  static override className = 'Conv3D';
  constructor(a: ConvArgs) {
    super(3, a);
  }
}

/** Options of depthwiseConv2d (Keras names). */
export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | number[];
  depthMultiplier?: number;
  strides?: number | number[];
  padding?: Padding;
  dilationRate?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  depthwiseInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  seed?: number;
}

/** Keras DepthwiseConv2D: one filter per input channel (times depthMultiplier); kernel [fH, fW, inC, multiplier]. */
export class DepthwiseConv2D extends ConvBase {
  static override className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  private readonly depthwiseInit: Initializer;
  private readonly biasInit: Initializer;

  constructor(args: DepthwiseConv2DArgs) {
    checkLayerOptions('depthwiseConv2d', args, [
      'kernelSize',
      'depthMultiplier',
      'strides',
      'padding',
      'dilationRate',
      'activation',
      'useBias',
      'depthwiseInitializer',
      'biasInitializer',
      'seed',
    ]);
    super('depthwise_conv2d', 2, args);
    this.depthMultiplier = spatialParam(
      `depthwiseConv2d '${this.name}'`,
      'depthMultiplier',
      args.depthMultiplier ?? 1,
      1,
    )[0];
    this.depthwiseInit = getInitializer(args.depthwiseInitializer ?? 'glorotUniform', this.name);
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros', this.name);
  }

  override build(inputShape: SymShape): void {
    const inC = inputShape[3];
    if (inC === null)
      throw new ShapeError(`layer '${this.name}' (DepthwiseConv2D): the channel dimension of the input must be known`);
    this.kernel = this.addWeight(
      'depthwise_kernel',
      [...this.kernelSize, inC, this.depthMultiplier],
      this.depthwiseInit,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [inC * this.depthMultiplier], this.biasInit);
    this.inputSpec = { ...this.inputSpec!, axes: { [-1]: inC } };
    super.build(inputShape);
  }

  computeOutputShape(inputShape: SymShape): SymShape {
    const c = inputShape[3];
    return [inputShape[0], ...this.spatialOut(inputShape), c === null ? null : c * this.depthMultiplier];
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const act = effectiveActivation(this.activation, args.logits);
    return ops.depthwiseConv2d(x, this.kernel, { ...this.opOptions(), bias: this.bias, activation: act } as never);
  }

  override macs(inputShape: SymShape): number {
    return prodKnown(this.computeOutputShape(inputShape).slice(1)) * prodKnown(this.kernelSize);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...this.convConfig(),
      depth_multiplier: this.depthMultiplier,
      depthwise_initializer: serializeInitializer(this.depthwiseInit),
      bias_initializer: serializeInitializer(this.biasInit),
      depthwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    };
  }
}

/** Product of the known dimensions. */
export const prodKnown = (s: (number | null)[]): number => s.reduce<number>((a, d) => a * (d ?? 1), 1);
