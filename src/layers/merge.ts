// Merge layers: Add and Concatenate take a list of inputs.
import { Tensor } from '../tensor';
import { ShapeError, ValueError } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions, fmtSymShape } from './base';

/** Shared checks: at least two inputs. */
abstract class Merge extends Layer {
  protected override get multiInput(): boolean { return true; }
  protected override assertInputs(shapes: SymShape[]): void {
    if (shapes.length < 2) throw new ValueError(`layer '${this.name}' (${this.className}) needs a list of at least 2 inputs, got ${shapes.length}`);
    this.checkShapes(shapes);
  }
  protected abstract checkShapes(shapes: SymShape[]): void;
  protected mismatch(shapes: SymShape[]): never {
    throw new ShapeError(`layer '${this.name}' (${this.className}): incompatible input shapes ${shapes.map(fmtSymShape).join(', ')}`);
  }
}

/** Keras Add: elementwise sum of inputs of the same shape. */
export class Add extends Merge {
  static override className = 'Add';
  constructor(args: LayerArgs = {}) { checkLayerOptions('add', args, []); super('add', args); }
  protected checkShapes(shapes: SymShape[]): void {
    const r = shapes[0];
    // the batch axis too: real tensors with different batches must fail here, naming the layer
    for (const s of shapes) if (s.length !== r.length || s.some((d, i) => d !== null && r[i] !== null && d !== r[i])) this.mismatch(shapes);
  }
  computeOutputShape(shapes: SymShape[]): SymShape {
    return shapes[0].map((d, i) => shapes.find((s) => s[i] !== null)?.[i] ?? d);
  }
  call(xs: Tensor[]): Tensor { return xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]); }
}

/** Keras Concatenate along an axis (default -1, channels). */
export class Concatenate extends Merge {
  static override className = 'Concatenate';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    checkLayerOptions('concatenate', args, ['axis']);
    super('concatenate', args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis) || this.axis === 0) throw new ValueError(`concatenate '${this.name}': axis must be a non-batch axis, got ${args.axis}`);
  }
  private resolved(rank: number): number { return this.axis < 0 ? rank + this.axis : this.axis; }
  protected checkShapes(shapes: SymShape[]): void {
    const r = shapes[0].length;
    const a = this.resolved(r);
    if (a <= 0 || a >= r) this.mismatch(shapes);
    for (const s of shapes) if (s.length !== r || s.some((d, i) => i !== a && d !== null && shapes[0][i] !== null && d !== shapes[0][i])) this.mismatch(shapes);
  }
  computeOutputShape(shapes: SymShape[]): SymShape {
    const a = this.resolved(shapes[0].length);
    const out = [...shapes[0]];
    out[a] = shapes.some((s) => s[a] === null) ? null : shapes.reduce((t, s) => t + (s[a] as number), 0);
    return out;
  }
  call(xs: Tensor[]): Tensor { return ops.concat(xs, this.axis); }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), axis: this.axis }; }
}
