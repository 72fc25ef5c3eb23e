// Keras ZeroPadding2D: pads height and width with zeros.
import { Tensor } from '../tensor';
import { ValueError, fmtValue } from '../errors';
import * as ops from '../ops';
import { Layer, LayerArgs, SymShape, checkLayerOptions } from './base';

/** Keras ZeroPadding2D; padding n, [h, w] (symmetric) or [[top, bottom], [left, right]]. */
export class ZeroPadding2D extends Layer {
  static override className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];

  constructor(args: LayerArgs & { padding?: number | [number, number] | [[number, number], [number, number]] } = {}) {
    checkLayerOptions('zeroPadding2d', args, ['padding']);
    super('zero_padding2d', args);
    const p = args.padding ?? 1;
    const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    if (ok(p))
      this.padding = [
        [p, p],
        [p, p],
      ];
    else if (Array.isArray(p) && p.length === 2 && p.every(ok))
      this.padding = [
        [p[0], p[0]],
        [p[1], p[1]],
      ];
    else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))) {
      const q = p as [[number, number], [number, number]];
      this.padding = [
        [q[0][0], q[0][1]],
        [q[1][0], q[1][1]],
      ];
    } else
      throw new ValueError(
        `zeroPadding2d '${this.name}': padding must be n, [h, w] or [[top, bottom], [left, right]], got ${fmtValue(p)}`,
      );
    this.inputSpec = { ndim: 4, layout: '[N,H,W,C]' };
  }

  computeOutputShape(s: SymShape): SymShape {
    const [[t, b], [l, r]] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + t + b, s[2] === null ? null : s[2] + l + r, s[3]];
  }

  call(x: Tensor): Tensor {
    return ops.pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((q) => [...q]), data_format: 'channels_last' };
  }
}
