// The Layer base class and symbolic tensors. A layer holds Variables and calls ops; applied to a
// SymbolicTensor it records a graph node (functional models), applied to a Tensor it computes.
import { Tensor, sizeOf } from '../tensor';
import { Variable } from '../autograd';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../errors';
import { checkOptions } from '../options';
import { Initializer, getInitializer, InitializerSpec } from './initializers';

/** The most values one weight may hold (2^30 float32 values: 4 GiB). */
const MAX_WEIGHT_VALUES = 2 ** 30;

/** A shape whose batch (or any unknown) dimension is null, as in Keras: [null, 28, 28, 1]. */
export type SymShape = (number | null)[];

/** Options every layer accepts (Keras base-layer arguments). */
export interface LayerArgs {
  /** Unique layer name; defaults to the snake_case class name with a counter (conv2d, conv2d_1, ...). */
  name?: string;
  /** Input shape without the batch dimension, for the first layer of a Sequential model. */
  inputShape?: number[];
  /** Input shape with the batch dimension (null for any batch). */
  batchInputShape?: SymShape;
  /** Fixed batch size used with inputShape. */
  batchSize?: number;
  /** False freezes every weight of the layer. */
  trainable?: boolean;
  /** Only 'float32' is supported. */
  dtype?: 'float32';
}

/** Option names every layer factory accepts. */
export const BASE_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable', 'dtype'];

/** Arguments of a forward call. */
export interface CallArgs {
  /** Training mode: dropout drops, batch normalization uses batch statistics. */
  training?: boolean;
  /** Skip a final softmax/sigmoid so the loss can fuse it (used by Model.fit). */
  logits?: boolean;
}

/** checkOptions for a layer factory: its own options plus BASE_OPTIONS. */
export function checkLayerOptions(layer: string, opts: unknown, allowed: readonly string[]): void {
  checkOptions(layer, opts, [...allowed, ...BASE_OPTIONS]);
}

const nameCounts = new Map<string, number>();
/** Keras-style unique names: conv2d, conv2d_1, conv2d_2, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/**
 * Restarts the automatic names (the next conv2d layer is 'conv2d' again), as Keras's clear_session():
 * for tests and notebooks that build the same model twice and compare names or summaries.
 */
export function resetNames(): void {
  nameCounts.clear();
}

/** A layer's call in a functional graph: which symbolic tensors went in and came out. */
export interface LayerNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** A placeholder carrying a shape through a functional graph (Keras's KerasTensor). */
export class SymbolicTensor {
  constructor(
    readonly shape: SymShape,
    /** The node that produced it. */
    readonly node: LayerNode,
    readonly outputIndex: number,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get layer(): Layer {
    return this.node.layer;
  }
  toString(): string {
    return `SymbolicTensor(${this.layer.name}, ${fmtShape(this.shape.map((d) => (d === null ? -1 : d)))})`;
  }
}

/** Formats a symbolic shape as Keras does: (None, 28, 28, 6). */
export const fmtSymShape = (s: SymShape): string =>
  `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;

/** What a layer expects of its (single) input: rank and fixed axes. */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  /** Layout shown in errors, e.g. [N,H,W,C]. */
  layout?: string;
  /** axis (negative from the end) -> required size. */
  axes?: Record<number, number>;
}

let randomSeeds = 0;
/** A fresh seed for an unseeded layer (not reproducible, like Keras without a seed). */
export const randomSeed = (): number => (Math.floor(Math.random() * 0x7fffffff) + randomSeeds++) >>> 0;

/** Mixes a model seed with a layer index into a per-layer seed (splitmix-style). */
export function deriveSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

interface WeightSpec {
  variable: Variable;
  init: Initializer;
  fanShape: number[];
  trainable: boolean;
}

/** Base class of every layer (and of Model). */
export abstract class Layer {
  /** Keras class name used in configs (Conv2D, Dense, ...). */
  static className = 'Layer';
  readonly name: string;
  built = false;
  /** Input shape including batch, when given at construction (first layer of a Sequential). */
  batchInputShape?: SymShape;
  /** Graph nodes where this layer was applied to symbolic tensors. */
  readonly inboundNodes: LayerNode[] = [];
  /** Seed for initialisers without their own seed and for dropout; set by a seeded model. */
  seed?: number;
  protected inputSpec: InputSpec | null = null;
  private specs: WeightSpec[] = [];
  private _trainable: boolean;

  constructor(prefix: string, args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(prefix);
    if (typeof this.name !== 'string' || this.name === '')
      throw new ValueError(`${prefix}: name must be a non-empty string`);
    this._trainable = args.trainable ?? true;
    if (args.dtype !== undefined && args.dtype !== 'float32')
      throw new ValueError(`${prefix}: dtype must be 'float32', got '${args.dtype}'`);
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) {
      if (
        !Array.isArray(args.inputShape) ||
        args.inputShape.some((d) => d !== null && (!Number.isInteger(d) || d <= 0))
      ) {
        throw new ValueError(
          `${prefix}: inputShape must be an array of positive integers, got ${fmtValue(args.inputShape)}`,
        );
      }
      this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    }
  }

  /** The Keras class name. */
  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Every weight the layer stores (trainable first, in creation order, as Keras lists them). */
  get weights(): Variable[] {
    return this.specs.map((s) => s.variable);
  }
  /** Weights updated by training. */
  get trainableWeights(): Variable[] {
    return this._trainable ? this.specs.filter((s) => s.trainable).map((s) => s.variable) : [];
  }
  /** Weights never updated by gradients (frozen ones, batch-norm moving statistics). */
  get nonTrainableWeights(): Variable[] {
    return this.weights.filter((w) => !this.trainableWeights.includes(w));
  }

  /** False freezes the layer: its Variables get no gradient updates. */
  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(v: boolean) {
    this._trainable = v;
    // counted as a change: an inference plan built before freezing or unfreezing is rebuilt
    for (const s of this.specs) {
      s.variable.trainable = v && s.trainable;
      s.variable.markChanged();
    }
  }

  /** Creates a weight from an initialiser (called from build()). */
  protected addWeight(name: string, shape: number[], init: InitializerSpec, trainable = true): Variable {
    // A config (possibly from an untrusted model.json) must not size an allocation past what a Float32Array holds.
    const size = sizeOf(shape);
    if (!(size <= MAX_WEIGHT_VALUES)) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): weight '${name}' of shape ${fmtShape(shape)} would hold ${size} values, over the limit of ${MAX_WEIGHT_VALUES}`,
      );
    }
    const initializer = getInitializer(init, this.name);
    const index = this.specs.length;
    const value = initializer.generate(shape, deriveSeed(this.seed ?? randomSeed(), index));
    const variable = new Variable(value, { name: `${this.name}/${name}`, trainable: trainable && this._trainable });
    this.specs.push({ variable, init: initializer, fanShape: shape, trainable });
    return variable;
  }

  /** Re-runs every initialiser with a new seed (a seeded model calls this once per layer). */
  setSeed(seed: number): void {
    this.seed = seed;
    this.specs.forEach((s, i) => s.variable.assign(s.init.generate(s.fanShape, deriveSeed(seed, i))));
  }

  /** Creates the weights for an input shape (batch dimension null). */
  build(_inputShape: SymShape | SymShape[]): void {
    this.built = true;
  }

  /** Output shape for an input shape (batch dimension null). */
  abstract computeOutputShape(inputShape: SymShape | SymShape[]): SymShape;

  /** The forward computation on real tensors; apply() validates and builds first. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor;

  /** Total number of stored values (Keras's count: non-trainable ones included). */
  countParams(): number {
    return this.weights.reduce((a, w) => a + w.size, 0);
  }

  /** Multiply-adds of one forward pass at batch 1. */
  macs(_inputShape: SymShape | SymShape[]): number {
    return 0;
  }

  /** The activation applied last, if any (lets a loss fuse softmax/sigmoid). */
  get finalActivation(): string | undefined {
    return undefined;
  }

  /** Keras config (snake_case keys, TF.js Layers format). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this._trainable, dtype: 'float32' };
    if (this.batchInputShape) c.batch_input_shape = [...this.batchInputShape];
    return c;
  }

  /** Copies of the weight values. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => new Tensor(new Float32Array(w.data), w.shape));
  }
  /** Overwrites the weights in order (shapes must match). */
  setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length)
      throw new ValueError(
        `layer '${this.name}' (${this.className}).setWeights: expected ${ws.length} tensors, got ${values.length}`,
      );
    ws.forEach((w, i) => w.assign(values[i]));
  }

  /** Checks a (single) input shape against inputSpec; errors name the layer and both shapes. */
  protected assertInput(shape: SymShape): void {
    const spec = this.inputSpec;
    if (!spec) return;
    const show = fmtShape(shape.map((d) => (d === null ? -1 : d)));
    const want = spec.layout ? ` ${spec.layout}` : '';
    if (spec.ndim !== undefined && shape.length !== spec.ndim) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): expected input of rank ${spec.ndim}${want}, got shape ${show}`,
      );
    }
    if (spec.minNdim !== undefined && shape.length < spec.minNdim) {
      throw new ShapeError(
        `layer '${this.name}' (${this.className}): expected input of rank >= ${spec.minNdim}${want}, got shape ${show}`,
      );
    }
    for (const [k, size] of Object.entries(spec.axes ?? {})) {
      const axis = Number(k) < 0 ? shape.length + Number(k) : Number(k);
      if (shape[axis] !== null && shape[axis] !== size) {
        throw new ShapeError(
          `layer '${this.name}' (${this.className}): expected axis ${k} of the input to be ${size}, got shape ${show}`,
        );
      }
    }
  }

  /** Validates every input (multi-input layers override). */
  protected assertInputs(shapes: SymShape[]): void {
    if (shapes.length !== 1)
      throw new ValueError(`layer '${this.name}' (${this.className}) takes one input, got ${shapes.length}`);
    this.assertInput(shapes[0]);
  }

  /** True when the layer takes a list of inputs. */
  protected get multiInput(): boolean {
    return false;
  }

  /**
   * Applies the layer: to SymbolicTensors it adds a graph node and returns a SymbolicTensor;
   * to Tensors it builds on first use and computes.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  apply(inputs: Tensor | Tensor[], args?: CallArgs): Tensor;
  apply(inputs: SymbolicTensor | Tensor | (SymbolicTensor | Tensor)[], args: CallArgs = {}): SymbolicTensor | Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0)
      throw new ValueError(`layer '${this.name}' (${this.className}): apply() needs at least one input`);
    const symbolic = list.every((x) => x instanceof SymbolicTensor);
    if (!symbolic && !list.every((x) => x instanceof Tensor)) {
      throw new ValueError(
        `layer '${this.name}' (${this.className}): inputs must be all Tensors or all symbolic tensors (from layers.input)`,
      );
    }
    const shapes: SymShape[] = list.map((x) =>
      x instanceof SymbolicTensor ? [...x.shape] : [null, ...(x as Tensor).shape.slice(1)],
    );
    if (!symbolic) {
      for (const x of list as Tensor[]) {
        if (x.rank === 0)
          throw new ShapeError(`layer '${this.name}' (${this.className}): expected a batch of inputs, got a scalar`);
      }
    }
    // Errors show real tensors' shapes as given (batch included).
    const shown: SymShape[] = symbolic ? shapes : (list as Tensor[]).map((t) => [...t.shape]);
    this.assertInputs(shown);
    const inShape = this.multiInput ? shapes : shapes[0];
    if (!this.built) {
      this.build(inShape);
      this.built = true;
      this.assertInputs(shown);
    }
    if (!symbolic) {
      const xs = list as Tensor[];
      return this.call(this.multiInput ? xs : xs[0], args);
    }
    const node: LayerNode = { layer: this, inputs: list as SymbolicTensor[], outputs: [] };
    const out = new SymbolicTensor(this.computeOutputShape(inShape), node, 0);
    node.outputs.push(out);
    this.inboundNodes.push(node);
    return out;
  }
}
