// Weight initialisers (Keras names). Glorot and He are variance scaling with different scale,
// fan mode and distribution, as in Keras, so one implementation serves all of them.
/**
 * Weight initialisers with Keras names (Glorot, He, LeCun, variance scaling, constants), by name or object.
 *
 * @example
 * ```ts
 * import { layers } from 'convkit';
 * const kernelInitializer = layers.initializers.heNormal({ seed: 1 });
 * const conv = layers.conv2d({ filters: 16, kernelSize: 3, kernelInitializer });
 * const dense = layers.dense({ units: 10, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' });
 * ```
 * @module
 */
import { Tensor, sizeOf } from '../tensor';
import { ValueError, fmtValue } from '../errors';
import * as ops from '../ops';

/** Creates initial values; seed is used unless the initialiser carries its own. */
export interface Initializer {
  readonly className: string;
  generate(shape: number[], seed: number): Tensor;
  getConfig(): Record<string, unknown>;
}

/** A name ('glorotUniform', 'heNormal', 'zeros', 'ones', ...) or an Initializer object. */
export type InitializerSpec = string | Initializer;

/** Keras fans: dense [in, out]; conv [...receptive, in, out]. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

/** What VarianceScaling divides the scale by: fan-in, fan-out or their mean. */
export type Mode = 'fanIn' | 'fanOut' | 'fanAvg';
/** VarianceScaling's distribution. */
export type Distribution = 'uniform' | 'normal' | 'truncatedNormal';

/** Stddev of a standard normal truncated at ±2 (Keras divides by it so the variance is kept). */
const TRUNC_STD = 0.87962566103423978;

class VarianceScaling implements Initializer {
  constructor(
    readonly className: string,
    readonly scale: number,
    readonly mode: Mode,
    readonly distribution: Distribution,
    readonly seed?: number,
  ) {}

  generate(shape: number[], seed: number): Tensor {
    const [fanIn, fanOut] = fans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    const rng = ops.rng(this.seed ?? seed);
    const out = new Float32Array(sizeOf(shape));
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
    } else {
      const std = this.distribution === 'normal' ? Math.sqrt(variance) : Math.sqrt(variance) / TRUNC_STD;
      for (let i = 0; i < out.length; i++) {
        let z = rng.normal();
        if (this.distribution === 'truncatedNormal') while (Math.abs(z) > 2) z = rng.normal();
        out[i] = z * std;
      }
    }
    return new Tensor(out, shape);
  }

  getConfig(): Record<string, unknown> {
    const dist = this.distribution === 'truncatedNormal' ? 'truncated_normal' : this.distribution;
    const mode = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' }[this.mode];
    return this.className === 'VarianceScaling'
      ? { scale: this.scale, mode, distribution: dist, seed: this.seed ?? null }
      : { seed: this.seed ?? null };
  }
}

class Constant implements Initializer {
  constructor(
    readonly className: string,
    readonly value: number,
  ) {}
  generate(shape: number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)).fill(this.value), shape);
  }
  getConfig(): Record<string, unknown> {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
}

/** Uniform in ±sqrt(6 / (fanIn + fanOut)); the Keras default for kernels. */
export const glorotUniform = (o: { seed?: number } = {}): Initializer =>
  new VarianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', o.seed);
/** Normal (truncated at 2σ) with variance 2 / (fanIn + fanOut). */
export const glorotNormal = (o: { seed?: number } = {}): Initializer =>
  new VarianceScaling('GlorotNormal', 1, 'fanAvg', 'truncatedNormal', o.seed);
/** Normal (truncated at 2σ) with variance 2 / fanIn: suits ReLU networks. */
export const heNormal = (o: { seed?: number } = {}): Initializer =>
  new VarianceScaling('HeNormal', 2, 'fanIn', 'truncatedNormal', o.seed);
/** Uniform in ±sqrt(6 / fanIn). */
export const heUniform = (o: { seed?: number } = {}): Initializer =>
  new VarianceScaling('HeUniform', 2, 'fanIn', 'uniform', o.seed);
/** Uniform in ±sqrt(3 / fanIn). */
export const lecunUniform = (o: { seed?: number } = {}): Initializer =>
  new VarianceScaling('LecunUniform', 1, 'fanIn', 'uniform', o.seed);
/** Keras's general VarianceScaling initialiser. */
export const varianceScaling = (
  o: { scale?: number; mode?: Mode; distribution?: Distribution; seed?: number } = {},
): Initializer =>
  new VarianceScaling('VarianceScaling', o.scale ?? 1, o.mode ?? 'fanIn', o.distribution ?? 'truncatedNormal', o.seed);
/** All zeros (the default for biases). */
export const zeros = (): Initializer => new Constant('Zeros', 0);
/** All ones. */
export const ones = (): Initializer => new Constant('Ones', 1);
/** Every value equal to `value`. */
export const constant = (o: { value: number }): Initializer => new Constant('Constant', o.value);

const BY_NAME: Record<string, () => Initializer> = {
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  lecunUniform,
  zeros,
  ones,
  glorot_uniform: glorotUniform,
  glorot_normal: glorotNormal,
  he_normal: heNormal,
  he_uniform: heUniform,
  lecun_uniform: lecunUniform,
};

/** Resolves a name or object to an Initializer; errors name the layer. */
export function getInitializer(spec: InitializerSpec, where: string): Initializer {
  if (typeof spec === 'string') {
    const f = BY_NAME[spec];
    if (!f)
      throw new ValueError(
        `${where}: unknown initializer '${spec}' (valid: glorotUniform, glorotNormal, heNormal, heUniform, lecunUniform, zeros, ones)`,
      );
    return f();
  }
  if (spec && typeof (spec as Initializer).generate === 'function') return spec;
  throw new ValueError(`${where}: expected an initializer name or object, got ${fmtValue(spec)}`);
}

/** Keras { class_name, config } form of an initialiser. */
export const serializeInitializer = (i: Initializer): { class_name: string; config: Record<string, unknown> } => ({
  class_name: i.className,
  config: i.getConfig(),
});

/** The weight fields of a Keras kernel + bias layer's config (convkit has no regularisers or constraints). */
export const kernelBiasConfig = (kernel: Initializer, bias: Initializer): Record<string, unknown> => ({
  kernel_initializer: serializeInitializer(kernel),
  bias_initializer: serializeInitializer(bias),
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
});

/** Builds an initialiser from its Keras { class_name, config } form. */
export function deserializeInitializer(
  c: { class_name: string; config?: Record<string, any> },
  where: string,
): Initializer {
  const cfg = c.config ?? {};
  const seed = cfg.seed ?? undefined;
  switch (c.class_name) {
    case 'GlorotUniform':
      return glorotUniform({ seed });
    case 'GlorotNormal':
      return glorotNormal({ seed });
    case 'HeNormal':
      return heNormal({ seed });
    case 'HeUniform':
      return heUniform({ seed });
    case 'LecunUniform':
      return lecunUniform({ seed });
    case 'Zeros':
      return zeros();
    case 'Ones':
      return ones();
    case 'Constant':
      return constant({ value: cfg.value ?? 0 });
    case 'VarianceScaling': {
      const mode = ({ fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' } as Record<string, Mode>)[
        cfg.mode ?? 'fan_in'
      ];
      const distribution = (
        {
          uniform: 'uniform',
          normal: 'truncatedNormal',
          truncated_normal: 'truncatedNormal',
          untruncated_normal: 'normal',
        } as Record<string, Distribution>
      )[cfg.distribution ?? 'truncated_normal'];
      if (!mode || !distribution) throw new ValueError(`${where}: bad VarianceScaling config ${JSON.stringify(cfg)}`);
      return varianceScaling({ scale: cfg.scale ?? 1, mode, distribution, seed });
    }
    default:
      throw new ValueError(`${where}: unknown initializer class '${c.class_name}'`);
  }
}
