// Keras Conv2DTranspose ("deconvolution"): kernel [fH, fW, filters, inC], as in Keras and TF.js.
import { Tensor } from '../tensor';
import { Variable } from '../autograd';
import * as ops from '../ops';
import { convTransposeGeometry } from '../ops/convtranspose';
import { ShapeError, ValueError } from '../errors';
import { Layer, LayerArgs, SymShape, CallArgs, checkLayerOptions } from './base';
import { Initializer, InitializerSpec, getInitializer, kernelBiasConfig } from './initializers';
import { ActivationName, checkActivation, effectiveActivation } from './activations';
import { spatialParam } from '../ops/geometry';

/** Options of conv2dTranspose (Keras names); padding also takes explicit [top, bottom, left, right]. */
export interface Conv2DTransposeArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same' | number[];
  outputPadding?: number | number[] | null;
  dilationRate?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  seed?: number;
}

/** Keras Conv2DTranspose over [N,H,W,C]: output size (in - 1)·stride + dilated kernel - padding + outputPadding. */
export class Conv2DTranspose extends Layer {
  static override className = 'Conv2DTranspose';
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly dilationRate: number[];
  readonly padding: 'valid' | 'same' | number[];
  readonly outputPadding: number[] | null;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel!: Variable;
  bias: Variable | null = null;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;

  constructor(args: Conv2DTransposeArgs) {
    checkLayerOptions('conv2dTranspose', args, [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'outputPadding',
      'dilationRate',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'seed',
    ]);
    if (!args || !Number.isInteger(args.filters) || args.filters <= 0)
      throw new ValueError(`conv2dTranspose: filters must be a positive integer, got ${JSON.stringify(args?.filters)}`);
    super('conv2d_transpose', args);
    const where = `conv2dTranspose '${this.name}'`;
    this.filters = args.filters;
    this.kernelSize = spatialParam(where, 'kernelSize', args.kernelSize, 2);
    this.strides = spatialParam(where, 'strides', args.strides ?? 1, 2);
    this.dilationRate = spatialParam(where, 'dilationRate', args.dilationRate ?? 1, 2);
    this.padding = args.padding ?? 'valid';
    this.outputPadding =
      args.outputPadding === undefined || args.outputPadding === null
        ? null
        : typeof args.outputPadding === 'number'
          ? [args.outputPadding, args.outputPadding]
          : [...args.outputPadding];
    this.activation = checkActivation(args.activation, where);
    this.useBias = args.useBias ?? true;
    this.kernelInit = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros', this.name);
    if (args.seed !== undefined) this.seed = args.seed;
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
    // validates padding and outputPadding now, on a nominal input
    convTransposeGeometry(
      `layer '${this.name}' (Conv2DTranspose)`,
      [1, 8, 8, 1],
      [...this.kernelSize, this.filters, 1],
      this.opOptions(),
    );
  }

  private opOptions(): ops.ConvTransposeOptions {
    return {
      strides: this.strides,
      dilation: this.dilationRate,
      padding: this.padding,
      outputPadding: this.outputPadding ?? 0,
    };
  }

  override build(s: SymShape): void {
    const inC = s[3];
    if (inC === null)
      throw new ShapeError(`layer '${this.name}' (Conv2DTranspose): the channel dimension of the input must be known`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, inC], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]', axes: { [-1]: inC } };
    super.build(s);
  }

  computeOutputShape(s: SymShape): SymShape {
    const { outShape } = convTransposeGeometry(
      `layer '${this.name}' (Conv2DTranspose)`,
      [1, s[1] ?? 1, s[2] ?? 1, s[3] ?? 1],
      [...this.kernelSize, this.filters, s[3] ?? 1],
      this.opOptions(),
    );
    return [s[0], s[1] === null ? null : outShape[1], s[2] === null ? null : outShape[2], this.filters];
  }

  override get finalActivation(): string {
    return this.activation;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const y = ops.conv2dTranspose(x, this.kernel, { ...this.opOptions(), bias: this.bias });
    return ops.activation(y, effectiveActivation(this.activation, args.logits));
  }

  override macs(s: SymShape): number {
    return (s[1] ?? 1) * (s[2] ?? 1) * (s[3] ?? 0) * this.kernelSize[0] * this.kernelSize[1] * this.filters;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      output_padding: this.outputPadding,
      data_format: 'channels_last',
      dilation_rate: [...this.dilationRate],
      activation: this.activation,
      use_bias: this.useBias,
      ...kernelBiasConfig(this.kernelInit, this.biasInit),
    };
  }
}
