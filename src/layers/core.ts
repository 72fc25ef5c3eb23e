// Core layers: Input, Dense, Flatten, Activation, Dropout.
import { Tensor, sizeOf } from '../tensor';
import { Variable } from '../autograd';
import { ShapeError, ValueError, fmtValue } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, CallArgs, SymbolicTensor, LayerNode, checkLayerOptions, randomSeed } from './base';
import { Initializer, InitializerSpec, getInitializer, kernelBiasConfig } from './initializers';
import { ActivationName, checkActivation, applyActivation, effectiveActivation } from './activations';

/** Keras InputLayer: the source node of a functional graph. */
export class InputLayer extends Layer {
  static override className = 'InputLayer';
  readonly output: SymbolicTensor;

  constructor(args: { shape?: number[]; batchShape?: SymShape; batchSize?: number; name?: string; dtype?: 'float32' }) {
    checkLayerOptions('input', args, ['shape', 'batchShape', 'batchSize']);
    // shapes may come from an untrusted model.json: anything but a list is refused, not spread
    const batchInputShape = Array.isArray(args.batchShape)
      ? args.batchShape
      : args.batchShape === undefined && Array.isArray(args.shape)
        ? [args.batchSize ?? null, ...args.shape]
        : undefined;
    if (!batchInputShape || batchInputShape.slice(1).some((d) => d !== null && (!Number.isInteger(d) || d <= 0))) {
      throw new ValueError(
        `input: expected shape as an array of positive integers, got ${fmtValue(args.shape ?? args.batchShape)}`,
      );
    }
    super('input', { name: args.name, batchInputShape, dtype: args.dtype });
    this.built = true;
    const node: LayerNode = { layer: this, inputs: [], outputs: [] };
    this.output = new SymbolicTensor([...batchInputShape], node, 0);
    node.outputs.push(this.output);
    this.inboundNodes.push(node);
  }

  computeOutputShape(): SymShape {
    return [...this.batchInputShape!];
  }
  call(x: Tensor): Tensor {
    return x;
  }
  override getConfig(): Record<string, unknown> {
    return {
      batch_input_shape: [...this.batchInputShape!],
      dtype: 'float32',
      sparse: false,
      ragged: false,
      name: this.name,
    };
  }
}

/** A symbolic input of a functional model; shape excludes the batch dimension. */
export function input(args: {
  shape?: number[];
  batchShape?: SymShape;
  batchSize?: number;
  name?: string;
  dtype?: 'float32';
}): SymbolicTensor {
  return new InputLayer(args).output;
}

/** Options of dense (Keras names). */
export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  inputDim?: number;
  seed?: number;
}

/** Keras Dense: y = activation(x·kernel + bias) over the last axis; kernel [in, units]. */
export class Dense extends Layer {
  static override className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel!: Variable;
  bias: Variable | null = null;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;

  constructor(args: DenseArgs) {
    checkLayerOptions('dense', args, [
      'units',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'inputDim',
      'seed',
    ]);
    if (!args || !Number.isInteger(args.units) || args.units <= 0)
      throw new ValueError(`dense: units must be a positive integer, got ${fmtValue(args?.units)}`);
    super(
      'dense',
      args.inputDim !== undefined && !args.inputShape && !args.batchInputShape
        ? { ...args, inputShape: [args.inputDim] }
        : args,
    );
    this.units = args.units;
    this.activation = checkActivation(args.activation, `dense '${this.name}'`);
    this.useBias = args.useBias ?? true;
    this.kernelInit = getInitializer(args.kernelInitializer ?? 'glorotUniform', this.name);
    this.biasInit = getInitializer(args.biasInitializer ?? 'zeros', this.name);
    if (args.seed !== undefined) this.seed = args.seed;
    this.inputSpec = { minNdim: 2, layout: '[N,...,features]' };
  }

  override build(s: SymShape): void {
    const inDim = s[s.length - 1];
    if (inDim === null)
      throw new ShapeError(`layer '${this.name}' (Dense): the last dimension of the input must be known`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit);
    this.inputSpec = { minNdim: 2, layout: '[N,...,features]', axes: { [-1]: inDim } };
    super.build(s);
  }

  computeOutputShape(s: SymShape): SymShape {
    return [...s.slice(0, -1), this.units];
  }

  override get finalActivation(): string {
    return this.activation;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    // The op fuses bias and relu/linear into the GEMM and applies other activations after.
    const act = effectiveActivation(this.activation, args.logits);
    if (x.rank === 2) return ops.dense(x, this.kernel, this.bias, act);
    const y = ops.dense(ops.reshape(x, [-1, x.shape[x.rank - 1]]), this.kernel, this.bias, act);
    return ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override macs(s: SymShape): number {
    return s.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1) * (s[s.length - 1] ?? 0) * this.units;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      use_bias: this.useBias,
      ...kernelBiasConfig(this.kernelInit, this.biasInit),
    };
  }
}

/** Keras Flatten: [N, ...] -> [N, prod(...)]. */
export class Flatten extends Layer {
  static override className = 'Flatten';
  constructor(args: LayerArgs = {}) {
    checkLayerOptions('flatten', args, []);
    super('flatten', args);
    this.inputSpec = { minNdim: 2, layout: '[N,...]' };
  }
  computeOutputShape(s: SymShape): SymShape {
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : sizeOf(rest as number[])];
  }
  call(x: Tensor): Tensor {
    return ops.flatten(x);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

/** Keras Activation: applies relu, sigmoid, tanh, softmax, softplus or linear. */
export class Activation extends Layer {
  static override className = 'Activation';
  readonly activation: ActivationName;
  constructor(args: LayerArgs & { activation: ActivationName }) {
    checkLayerOptions('activation', args, ['activation']);
    super('activation', args);
    if (!args || args.activation === undefined) throw new ValueError(`activation: the 'activation' option is required`);
    this.activation = checkActivation(args.activation, `activation '${this.name}'`);
  }
  override get finalActivation(): string {
    return this.activation;
  }
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  call(x: Tensor, args: CallArgs): Tensor {
    return applyActivation(x, effectiveActivation(this.activation, args.logits));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** Keras Dropout: in training zeroes a fraction `rate` of values and scales the rest by 1/(1-rate); seeded. */
export class Dropout extends Layer {
  static override className = 'Dropout';
  readonly rate: number;
  private calls = 0;
  constructor(args: LayerArgs & { rate: number; seed?: number }) {
    checkLayerOptions('dropout', args, ['rate', 'seed']);
    super('dropout', args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1))
      throw new ValueError(`dropout '${this.name}': rate must be in [0, 1), got ${fmtValue(args.rate)}`);
    this.rate = args.rate;
    if (args.seed !== undefined) this.seed = args.seed;
  }
  /** Restarts the mask sequence (a seeded model calls this so runs repeat). */
  override setSeed(seed: number): void {
    super.setSeed(seed);
    this.calls = 0;
  }
  computeOutputShape(s: SymShape): SymShape {
    return [...s];
  }
  call(x: Tensor, args: CallArgs): Tensor {
    if (!args.training || this.rate === 0) return x;
    if (this.seed === undefined) this.seed = randomSeed();
    // A new mask per call, reproducible from the layer seed.
    return ops.dropout(x, this.rate, (this.seed + 7919 * this.calls++) >>> 0);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noise_shape: null, seed: this.seed ?? null };
  }
}
