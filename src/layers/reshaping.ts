// Reshaping layers: Keras Reshape and Permute (shapes and dims exclude the batch axis, Permute's dims
// count from 1 as in Keras), and Slice, a box of every sample (ONNX Slice/Split, tf.slice).
import { Tensor, sizeOf } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions, fmtSymShape } from './base';

/** Keras Reshape: [N, ...] -> [N, ...targetShape]; one entry may be -1. */
export class Reshape extends Layer {
  static override className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    checkLayerOptions('reshape', args, ['targetShape']);
    super('reshape', args);
    const t = args?.targetShape;
    if (
      !Array.isArray(t) ||
      t.some((d) => !Number.isInteger(d) || d < -1 || d === 0) ||
      t.filter((d) => d === -1).length > 1
    ) {
      throw new ValueError(
        `reshape '${this.name}': targetShape must be positive integers with at most one -1, got ${JSON.stringify(t)}`,
      );
    }
    this.targetShape = [...t];
  }
  computeOutputShape(s: SymShape): SymShape {
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) return [s[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const n = sizeOf(rest as number[]),
      known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (out.some((d) => !Number.isInteger(d)) || sizeOf(out) !== n) {
      throw new ShapeError(
        `layer '${this.name}' (Reshape): cannot reshape ${fmtSymShape(s)} to (None, ${this.targetShape.join(', ')})`,
      );
    }
    return [s[0], ...out];
  }
  call(x: Tensor): Tensor {
    return ops.reshape(x, [x.shape[0], ...this.targetShape]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), target_shape: [...this.targetShape] };
  }
}

/** Keras Permute: reorders the non-batch axes; dims is a permutation of 1..rank-1. */
export class Permute extends Layer {
  static override className = 'Permute';
  readonly dims: number[];
  constructor(args: LayerArgs & { dims: number[] }) {
    checkLayerOptions('permute', args, ['dims']);
    super('permute', args);
    const d = args?.dims;
    if (!Array.isArray(d) || [...d].sort((a, b) => a - b).some((v, i) => v !== i + 1)) {
      throw new ValueError(
        `permute '${this.name}': dims must be a permutation of 1..${Array.isArray(d) ? d.length : 'n'}, got ${JSON.stringify(d)}`,
      );
    }
    this.dims = [...d];
    this.inputSpec = { ndim: d.length + 1 };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [s[0], ...this.dims.map((a) => s[a])];
  }
  call(x: Tensor): Tensor {
    return ops.transpose(x, [0, ...this.dims]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

/** The box begin..begin+size of every sample (batch axis excluded from both; size -1 runs to the end). */
export class Slice extends Layer {
  static override className = 'Slice';
  readonly begin: number[];
  readonly size: number[];
  constructor(args: LayerArgs & { begin: number[]; size: number[] }) {
    checkLayerOptions('slice', args, ['begin', 'size']);
    super('slice', args);
    const { begin, size } = args ?? {};
    if (
      !Array.isArray(begin) ||
      !Array.isArray(size) ||
      begin.length !== size.length ||
      begin.some((b) => !Number.isInteger(b) || b < 0) ||
      size.some((n) => !Number.isInteger(n) || n < -1)
    ) {
      throw new ValueError(
        `slice '${this.name}': begin and size must be lists of equal length (begin >= 0, size >= -1), got ${JSON.stringify(begin)} and ${JSON.stringify(size)}`,
      );
    }
    this.begin = [...begin];
    this.size = [...size];
    this.inputSpec = { ndim: begin.length + 1 };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [
      s[0],
      ...this.begin.map((b, i) => {
        const d = s[i + 1];
        const n = this.size[i] === -1 ? (d === null ? null : d - b) : this.size[i];
        if (d !== null && (n === null || n < 0 || b + n > d)) {
          throw new ShapeError(
            `layer '${this.name}' (Slice): begin ${fmtShape(this.begin)} size ${fmtShape(this.size)} does not fit ${fmtSymShape(s)}`,
          );
        }
        return n;
      }),
    ];
  }
  call(x: Tensor): Tensor {
    return ops.slice(x, [0, ...this.begin], [-1, ...this.size]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), begin: [...this.begin], size: [...this.size] };
  }
}
