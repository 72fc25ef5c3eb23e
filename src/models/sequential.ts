// Sequential: a linear stack of layers, built into a functional graph as soon as the input shape
// is known (from the first layer's inputShape, an input() added first, or the first data seen).
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { Layer, SymbolicTensor, SymShape, InputLayer, serialize } from '../layers';
import { Model } from './model';

/** Keras Sequential: new Sequential([layers.conv2d({ ..., inputShape }), ...], { seed }). */
export class Sequential extends Model {
  static override className = 'Sequential';
  private stack: Layer[] = [];
  private input: SymbolicTensor | null = null;

  constructor(layers: (Layer | SymbolicTensor)[] = [], opts: { name?: string; seed?: number } = {}) {
    super({ name: opts.name, seed: opts.seed }, 'sequential');
    if (!Array.isArray(layers)) throw new ValueError(`Sequential: expected an array of layers, got ${typeof layers}`);
    for (const l of layers) this.add(l);
  }

  /** Appends a layer (or, first, a layers.input() tensor). */
  add(layer: Layer | SymbolicTensor): void {
    if (layer instanceof SymbolicTensor) {
      if (this.input || this.stack.length || !(layer.layer instanceof InputLayer))
        throw new ValueError(`Sequential '${this.name}'.add: an input() tensor can only be added first`);
      this.input = layer;
      return;
    }
    if (!(layer instanceof Layer))
      throw new ValueError(
        `Sequential '${this.name}'.add: expected a layer, got ${layer === null ? 'null' : typeof layer}`,
      );
    if (layer instanceof InputLayer)
      throw new ValueError(`Sequential '${this.name}'.add: add layers.input({ shape }) (a tensor), not an InputLayer`);
    if (this.stack.includes(layer))
      throw new ValueError(`Sequential '${this.name}'.add: layer '${layer.name}' is already in the model`);
    const hadInput = this.input;
    this.stack.push(layer);
    try {
      if (!this.input && this.stack.length === 1 && layer.batchInputShape) {
        this.input = new InputLayer({ batchShape: layer.batchInputShape, name: `${layer.name}_input` }).output;
      }
      if (!this.input) return;
      if (this.outputs.length) this.initGraph(this.inputs, [layer.apply(this.outputs[0])]);
      else this.connect();
    } catch (e) {
      // A layer that does not fit leaves the model as it was.
      this.stack.pop();
      this.input = hadInput;
      throw e;
    }
  }

  private connect(): void {
    let t = this.input!;
    for (const l of this.stack) t = l.apply(t);
    this.initGraph([this.input!], [t]);
  }

  /** The stacked layers (the input layer is not listed, as in Keras). */
  override get layers(): Layer[] {
    return this.graphLayers.length ? this.graphLayers.filter((l) => !(l instanceof InputLayer)) : [...this.stack];
  }

  /** Builds the graph for an input shape (batch dimension first, may be null). */
  override build(inputShape: SymShape | SymShape[]): void {
    if (this.built) return;
    if (this.stack.length === 0) throw new ValueError(`Sequential '${this.name}': cannot build a model with no layers`);
    const s = (Array.isArray(inputShape[0]) ? (inputShape as SymShape[])[0] : inputShape) as SymShape;
    this.input = new InputLayer({ batchShape: [null, ...s.slice(1)], name: `${this.stack[0].name}_input` }).output;
    this.connect();
  }

  protected override ensureBuilt(x: unknown): void {
    if (this.built) return;
    const t = Array.isArray(x) ? x[0] : x;
    if (!(t instanceof Tensor))
      throw new ValueError(`Sequential '${this.name}': no input shape known; give the first layer inputShape`);
    this.build([null, ...t.shape.slice(1)]);
  }

  /** Keras config: the input layer (when built) and every layer in order. */
  override getConfig(): Record<string, unknown> {
    const inputs = this.inputs.map((s) => serialize(s.layer));
    return { name: this.name, layers: [...inputs, ...this.stack.map(serialize)] };
  }
}
