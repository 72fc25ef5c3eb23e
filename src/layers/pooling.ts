// Pooling layers: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D share one class; global average beside it.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions, fmtSymShape } from './base';
import { type Padding, type CheckedPadding, spatialParam, checkPadding, windowOutputShape } from '../ops/geometry';

/** Options of the pooling layers (Keras names); strides default to poolSize. */
export interface PoolArgs extends LayerArgs {
  poolSize?: number | number[];
  strides?: number | number[];
  padding?: Padding;
}

const LAYOUT = ['', '[N,L,C]', '[N,H,W,C]', '[N,D,H,W,C]'];

/** Max or average pooling over 1..3 spatial axes. */
export class Pool extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  /** Padding as the ops take it (checked): 'same', 'valid' or [before, after] per spatial axis. */
  readonly pad: CheckedPadding;

  constructor(
    readonly kind: 'max' | 'avg',
    readonly rank: number,
    args: PoolArgs = {},
  ) {
    const factory = `${kind === 'max' ? 'maxPooling' : 'averagePooling'}${rank}d`;
    checkLayerOptions(factory, args, ['poolSize', 'strides', 'padding']);
    super(`${kind === 'max' ? 'max' : 'average'}_pooling${rank}d`, args);
    const where = `${factory} '${this.name}'`;
    this.poolSize = spatialParam(where, 'poolSize', args.poolSize ?? 2, rank);
    this.strides = spatialParam(where, 'strides', args.strides ?? this.poolSize, rank);
    this.pad = checkPadding(where, args.padding ?? 'valid', rank);
    this.padding = args.padding ?? 'valid';
    this.inputSpec = { ndim: rank + 2, layout: LAYOUT[rank] };
  }

  computeOutputShape(s: SymShape): SymShape {
    const spatial = windowOutputShape(
      `layer '${this.name}' (${this.className})`,
      'pool',
      s.slice(1, -1),
      this.poolSize,
      this.strides,
      this.poolSize.map(() => 1),
      this.pad,
      `input ${fmtSymShape(s)}`,
    );
    return [s[0], ...spatial, s[s.length - 1]];
  }

  call(x: Tensor): Tensor {
    const one = (t: number[]) => (this.rank === 1 ? t[0] : t);
    const opts = { poolSize: one(this.poolSize), strides: one(this.strides), padding: this.pad };
    const f =
      this.kind === 'max'
        ? [ops.maxPool1d, ops.maxPool2d, ops.maxPool3d][this.rank - 1]
        : [ops.avgPool1d, ops.avgPool2d, ops.avgPool3d][this.rank - 1];
    return f(x, opts);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      pool_size: [...this.poolSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
    };
  }
}

/** Keras MaxPooling1D. */
export class MaxPooling1D extends Pool {
  static override className = 'MaxPooling1D';
  constructor(a?: PoolArgs) {
    super('max', 1, a);
  }
}
/** Keras MaxPooling2D. */
export class MaxPooling2D extends Pool {
  static override className = 'MaxPooling2D';
  constructor(a?: PoolArgs) {
    super('max', 2, a);
  }
}
/** Keras MaxPooling3D. */
export class MaxPooling3D extends Pool {
  static override className = 'MaxPooling3D';
  constructor(a?: PoolArgs) {
    super('max', 3, a);
  }
}
/** Keras AveragePooling1D. */
export class AveragePooling1D extends Pool {
  static override className = 'AveragePooling1D';
  constructor(a?: PoolArgs) {
    super('avg', 1, a);
  }
}
/** Keras AveragePooling2D. */
export class AveragePooling2D extends Pool {
  static override className = 'AveragePooling2D';
  constructor(a?: PoolArgs) {
    super('avg', 2, a);
  }
}
/** Keras AveragePooling3D. */
export class AveragePooling3D extends Pool {
  static override className = 'AveragePooling3D';
  constructor(a?: PoolArgs) {
    super('avg', 3, a);
  }
}

/** Global pooling over height and width: [N,H,W,C] -> [N,C], or [N,1,1,C] with keepdims (Keras). */
abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  constructor(
    private readonly kind: 'avg' | 'max',
    factory: string,
    prefix: string,
    args: LayerArgs & { keepdims?: boolean },
  ) {
    checkLayerOptions(factory, args, ['keepdims']);
    super(prefix, args);
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
  }
  computeOutputShape(s: SymShape): SymShape {
    return this.keepdims ? [s[0], 1, 1, s[3]] : [s[0], s[3]];
  }
  call(x: Tensor): Tensor {
    const y = this.kind === 'avg' ? ops.globalAvgPool2d(x) : ops.globalMaxPool2d(x);
    return this.keepdims ? ops.reshape(y, [x.shape[0], 1, 1, x.shape[3]]) : y;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last', keepdims: this.keepdims };
  }
}

/** Keras GlobalAveragePooling2D: [N,H,W,C] -> [N,C] ([N,1,1,C] with keepdims). */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  static override className = 'GlobalAveragePooling2D';
  constructor(args: LayerArgs & { keepdims?: boolean } = {}) {
    super('avg', 'globalAveragePooling2d', 'global_average_pooling2d', args);
  }
}

/** Keras GlobalMaxPooling2D: [N,H,W,C] -> [N,C] ([N,1,1,C] with keepdims). */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  static override className = 'GlobalMaxPooling2D';
  constructor(args: LayerArgs & { keepdims?: boolean } = {}) {
    super('max', 'globalMaxPooling2d', 'global_max_pooling2d', args);
  }
}
