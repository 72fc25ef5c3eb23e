import { Tensor, tensor, NestedArray } from '../tensor';
import { ShapeError, fmtShape } from '../errors';
import { keep } from '../memory';

let nextId = 0;

/** A mutable tensor that holds a model's weights; optimizers update it in place with assign(). */
export class Variable extends Tensor {
  name: string;
  trainable: boolean;
  /**
   * Counts changes of the value (assign, optimizer steps, moving statistics): an inference plan that
   * packed this weight is rebuilt when it moved. Code writing into `data` directly calls markChanged().
   */
  version = 0;

  constructor(initial: Tensor | NestedArray | Float32Array, opts: { name?: string; trainable?: boolean } = {}) {
    const t = initial instanceof Tensor ? initial : tensor(initial);
    super(new Float32Array(t.data), t.shape);
    this.name = opts.name ?? `variable_${nextId++}`;
    this.trainable = opts.trainable ?? true;
    keep(this); // weights outlive every tidy scope
  }

  /** Overwrites the value (same shape required). */
  assign(value: Tensor | Float32Array): void {
    const data = value instanceof Tensor ? value.data : value;
    if (
      value instanceof Tensor &&
      (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i]))
    ) {
      throw new ShapeError(
        `Variable ${this.name}.assign: expected shape ${fmtShape(this.shape)}, got ${fmtShape(value.shape)}`,
      );
    }
    if (data.length !== this.size)
      throw new ShapeError(`Variable ${this.name}.assign: expected ${this.size} values, got ${data.length}`);
    this.data.set(data);
    this.markChanged();
  }

  /** Records that the value changed in place. */
  markChanged(): void {
    this.version++;
  }
}
