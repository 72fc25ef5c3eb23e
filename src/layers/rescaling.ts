// Keras Rescaling: y = x · scale + offset, scale and offset numbers or constant arrays that broadcast
// against the input (batch axis included, numpy rules), as in Keras 3. No weights: the constants are
// part of the config, so imported graphs' constant arithmetic (x / 255, x - mean) stays fixed in training.
import { Tensor, tensor } from '../tensor';
import { ValueError } from '../errors';
import * as ops from '../ops';
import { broadcastShapes } from '../ops/eltwise';
import { Layer, LayerArgs, SymShape, checkLayerOptions } from './base';

/** A scale or offset: a number, or a constant tensor (nested arrays in configs). */
export type RescalingValue = number | Tensor | number[] | number[][] | number[][][] | number[][][][];

const toConstant = (v: RescalingValue, what: string, where: string): number | Tensor => {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValueError(`${where}: ${what} must be finite, got ${v}`);
    return v;
  }
  const t = v instanceof Tensor ? v : tensor(v);
  if (t.data.some((d) => !Number.isFinite(d))) throw new ValueError(`${where}: ${what} must be finite`);
  return t;
};

/** Keras Rescaling: x · scale + offset. */
export class Rescaling extends Layer {
  static override className = 'Rescaling';
  readonly scale: number | Tensor;
  readonly offset: number | Tensor;
  constructor(args: LayerArgs & { scale?: RescalingValue; offset?: RescalingValue } = {}) {
    checkLayerOptions('rescaling', args, ['scale', 'offset']);
    super('rescaling', args);
    const where = `rescaling '${this.name}'`;
    this.scale = toConstant(args.scale ?? 1, 'scale', where);
    this.offset = toConstant(args.offset ?? 0, 'offset', where);
  }
  computeOutputShape(s: SymShape): SymShape {
    let out = [...s];
    for (const c of [this.scale, this.offset]) {
      if (typeof c === 'number') continue;
      const known = out.map((d) => d ?? 1);
      const b = broadcastShapes(known, c.shape, `layer '${this.name}' (Rescaling)`);
      out = b.map((d, i) => (i >= b.length - out.length && out[i - (b.length - out.length)] === null ? null : d));
    }
    return out;
  }
  call(x: Tensor): Tensor {
    const y = this.scale === 1 ? x : ops.mul(x, this.scale);
    return this.offset === 0 ? y : ops.add(y, this.offset);
  }
  override getConfig(): Record<string, unknown> {
    const plain = (c: number | Tensor) => (typeof c === 'number' ? c : c.toArray());
    return { ...super.getConfig(), scale: plain(this.scale), offset: plain(this.offset) };
  }
}
