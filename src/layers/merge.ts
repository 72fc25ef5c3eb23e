// Merge layers: Add and Concatenate take a list of inputs.
import { Tensor } from '../tensor';
import { ShapeError, ValueError } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions, fmtSymShape } from './base';

/** Shared checks: at least two inputs. */
abstract class Merge extends Layer {
  protected override get multiInput(): boolean {
    return true;
  }
  protected override assertInputs(shapes: SymShape[]): void {
    if (shapes.length < 2)
      throw new ValueError(
        `layer '${this.name}' (${this.className}) needs a list of at least 2 inputs, got ${shapes.length}`,
      );
    this.checkShapes(shapes);
  }
  protected abstract checkShapes(shapes: SymShape[]): void;
  protected mismatch(shapes: SymShape[]): never {
    throw new ShapeError(
      `layer '${this.name}' (${this.className}): incompatible input shapes ${shapes.map(fmtSymShape).join(', ')}`,
    );
  }
}

/** Keras Add: elementwise sum of inputs of the same shape. */
export class Add extends Merge {
  static override className = 'Add';
  constructor(args: LayerArgs = {}) {
    checkLayerOptions('add', args, []);
    super('add', args);
  }
  protected checkShapes(shapes: SymShape[]): void {
    const r = shapes[0];
    // the batch axis too: real tensors with different batches must fail here, naming the layer
    for (const s of shapes)
      if (s.length !== r.length || s.some((d, i) => d !== null && r[i] !== null && d !== r[i])) this.mismatch(shapes);
  }
  computeOutputShape(shapes: SymShape[]): SymShape {
    return shapes[0].map((d, i) => shapes.find((s) => s[i] !== null)?.[i] ?? d);
  }
  call(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]);
  }
}

/**
 * Shapes that broadcast (numpy rules, unknown sizes taken as compatible): Multiply and Subtract accept them, as Keras 3
 * does.
 */
function broadcastSym(shapes: SymShape[]): SymShape | null {
  const r = Math.max(...shapes.map((s) => s.length));
  const out: SymShape = [];
  for (let i = 0; i < r; i++) {
    let d: number | null = 1;
    for (const s of shapes) {
      // a missing leading axis broadcasts as 1; an unknown size (null, the batch) stays unknown
      const j = s.length - r + i,
        v = j < 0 ? 1 : s[j];
      if (v === 1) continue;
      if (d === 1 || d === null) d = v;
      else if (v !== null && v !== d) return null;
    }
    out.push(d);
  }
  return out;
}

/** Elementwise ops over inputs that broadcast against each other. */
abstract class BroadcastMerge extends Merge {
  protected checkShapes(shapes: SymShape[]): void {
    if (!broadcastSym(shapes)) this.mismatch(shapes);
  }
  computeOutputShape(shapes: SymShape[]): SymShape {
    return broadcastSym(shapes)!;
  }
}

/** Keras Multiply: elementwise product (inputs broadcast, e.g. [N,H,W,C] by [N,1,1,C] gates). */
export class Multiply extends BroadcastMerge {
  static override className = 'Multiply';
  constructor(args: LayerArgs = {}) {
    checkLayerOptions('multiply', args, []);
    super('multiply', args);
  }
  call(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.mul(a, b), xs[0]);
  }
}

/** Keras Subtract: the first input minus the second (broadcasting). */
export class Subtract extends BroadcastMerge {
  static override className = 'Subtract';
  constructor(args: LayerArgs = {}) {
    checkLayerOptions('subtract', args, []);
    super('subtract', args);
  }
  protected override checkShapes(shapes: SymShape[]): void {
    if (shapes.length !== 2)
      throw new ValueError(`layer '${this.name}' (Subtract) takes exactly 2 inputs, got ${shapes.length}`);
    super.checkShapes(shapes);
  }
  call(xs: Tensor[]): Tensor {
    return ops.sub(xs[0], xs[1]);
  }
}

/** Keras Concatenate along an axis (default -1, channels). */
export class Concatenate extends Merge {
  static override className = 'Concatenate';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    checkLayerOptions('concatenate', args, ['axis']);
    super('concatenate', args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis) || this.axis === 0)
      throw new ValueError(`concatenate '${this.name}': axis must be a non-batch axis, got ${args.axis}`);
  }
  private resolved(rank: number): number {
    return this.axis < 0 ? rank + this.axis : this.axis;
  }
  protected checkShapes(shapes: SymShape[]): void {
    const r = shapes[0].length;
    const a = this.resolved(r);
    if (a <= 0 || a >= r) this.mismatch(shapes);
    for (const s of shapes)
      if (s.length !== r || s.some((d, i) => i !== a && d !== null && shapes[0][i] !== null && d !== shapes[0][i]))
        this.mismatch(shapes);
  }
  computeOutputShape(shapes: SymShape[]): SymShape {
    const a = this.resolved(shapes[0].length);
    const out = [...shapes[0]];
    out[a] = shapes.some((s) => s[a] === null) ? null : shapes.reduce((t, s) => t + (s[a] as number), 0);
    return out;
  }
  call(xs: Tensor[]): Tensor {
    return ops.concat(xs, this.axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}
