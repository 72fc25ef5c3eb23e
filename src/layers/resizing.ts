// Keras UpSampling2D (integer factors) and Resizing (a fixed output size), both over [N,H,W,C] on
// ops.resize2d. UpSampling2D follows Keras: nearest copies (asymmetric, floor), bilinear samples at
// half-pixel centres. Resizing also takes ONNX's coordinate and nearest modes, so imported Resize
// nodes keep their exact semantics.
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions } from './base';
import { spatialParam } from '../ops/geometry';

/** Keras UpSampling2D: repeats rows and columns size[0] and size[1] times (nearest) or interpolates (bilinear). */
export class UpSampling2D extends Layer {
  static override className = 'UpSampling2D';
  readonly size: number[];
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: LayerArgs & { size?: number | number[]; interpolation?: 'nearest' | 'bilinear' } = {}) {
    checkLayerOptions('upSampling2d', args, ['size', 'interpolation']);
    super('up_sampling2d', args);
    this.size = spatialParam(`upSampling2d '${this.name}'`, 'size', args.size ?? 2, 2);
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear')
      throw new ValueError(
        `upSampling2d '${this.name}': interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(args.interpolation)}`,
      );
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [s[0], s[1] === null ? null : s[1] * this.size[0], s[2] === null ? null : s[2] * this.size[1], s[3]];
  }
  call(x: Tensor): Tensor {
    const nearest = this.interpolation === 'nearest';
    return ops.resize2d(x, {
      size: [x.shape[1] * this.size[0], x.shape[2] * this.size[1]],
      interpolation: this.interpolation,
      coordinateTransformation: nearest ? 'asymmetric' : 'half_pixel',
      nearestMode: 'floor',
    });
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      size: [...this.size],
      interpolation: this.interpolation,
      data_format: 'channels_last',
    };
  }
}

/** Options of resizing (Keras names, plus ONNX's sampling modes). */
export interface ResizingArgs extends LayerArgs {
  height: number;
  width: number;
  interpolation?: 'nearest' | 'bilinear';
  /** How output pixels map to input coordinates (default 'half_pixel', Keras's). */
  coordinateTransformation?: ops.CoordinateMode;
  /** Rounding of nearest sampling (default 'round_prefer_ceil'). */
  nearestMode?: ops.NearestMode;
  /** Scale factors when they differ from output/input (ONNX Resize given scales). */
  scale?: number[] | null;
  /** Keras's crop_to_aspect_ratio: only false (stretch) is supported. */
  cropToAspectRatio?: boolean;
}

/** Keras Resizing: resamples every image to height x width. */
export class Resizing extends Layer {
  static override className = 'Resizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: 'nearest' | 'bilinear';
  readonly coordinateTransformation: ops.CoordinateMode;
  readonly nearestMode: ops.NearestMode;
  readonly scale: number[] | null;
  constructor(args: ResizingArgs) {
    checkLayerOptions('resizing', args, [
      'height',
      'width',
      'interpolation',
      'coordinateTransformation',
      'nearestMode',
      'scale',
      'cropToAspectRatio',
    ]);
    super('resizing', args);
    if (args.cropToAspectRatio) throw new ValueError(`resizing '${this.name}': cropToAspectRatio is not supported`);
    [this.height, this.width] = spatialParam(
      `resizing '${this.name}'`,
      'height and width',
      [args?.height, args?.width] as number[],
      2,
    );
    this.interpolation = args.interpolation ?? 'bilinear';
    this.coordinateTransformation = args.coordinateTransformation ?? 'half_pixel';
    this.nearestMode = args.nearestMode ?? 'round_prefer_ceil';
    this.scale = args.scale ? [...args.scale] : null;
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
    // checks the modes now rather than at the first call
    ops.resize2d(new Tensor(new Float32Array(1), [1, 1, 1, 1]), this.options());
  }
  private options(): ops.ResizeOptions {
    return {
      size: [this.height, this.width],
      interpolation: this.interpolation,
      coordinateTransformation: this.coordinateTransformation,
      nearestMode: this.nearestMode,
      ...(this.scale ? { scale: this.scale } : {}),
    };
  }
  computeOutputShape(s: SymShape): SymShape {
    return [s[0], this.height, this.width, s[3]];
  }
  call(x: Tensor): Tensor {
    return ops.resize2d(x, this.options());
  }
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      coordinate_transformation: this.coordinateTransformation,
      nearest_mode: this.nearestMode,
      scale: this.scale,
      crop_to_aspect_ratio: false,
    };
  }
}
