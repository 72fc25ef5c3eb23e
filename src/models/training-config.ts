// A model's compile settings in the form TF.js writes to model.json as `trainingConfig` (and Keras as
// modelTopology.training_config): snake_case loss and metric names and { class_name, config } for the
// optimizer, with TF.js's optimizer class names (SGD, Momentum, Adam, RMSProp), so a model saved here
// loads compiled in TF.js and the other way round.
import { ModelFormatError } from '../errors';
import { Optimizer, SGD, Adam, RMSprop } from '../train/optimizers';
import { getLoss } from '../train/losses';
import { getMetric } from '../train/metrics';
import type { Model } from './model';

/** TF.js's TrainingConfig (the compile() arguments of a saved model). */
export interface TrainingConfig {
  loss: string;
  metrics?: string[];
  optimizer_config: { class_name: string; config: Record<string, unknown> };
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** TF.js's class name and camelCase config for an optimizer. */
function optimizerConfig(o: Optimizer): TrainingConfig['optimizer_config'] {
  if (o instanceof Adam) {
    return {
      class_name: 'Adam',
      config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon },
    };
  }
  if (o instanceof RMSprop) {
    // TF.js calls Keras's rho `decay` (Keras's own `decay` is a learning-rate decay; rho is read first)
    const config = {
      learningRate: o.learningRate,
      decay: o.rho,
      momentum: o.momentum,
      epsilon: o.epsilon,
      centered: false,
    };
    return { class_name: 'RMSProp', config };
  }
  if (o instanceof SGD && o.momentum > 0) {
    return {
      class_name: 'Momentum',
      config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.nesterov },
    };
  }
  if (o instanceof SGD) return { class_name: 'SGD', config: { learningRate: o.learningRate } };
  throw new Error(`no TF.js form for optimizer ${o.className}`);
}

/** The compile settings of a model as TF.js saves them; undefined when uncompiled or compiled with custom functions. */
export function trainingConfig(m: Model): TrainingConfig | undefined {
  if (!m.optimizer || !m.loss) return undefined;
  // a custom loss or metric function has no name another library could resolve
  const resolves = (get: () => unknown): boolean => {
    try {
      get();
      return true;
    } catch {
      return false;
    }
  };
  const loss = m.loss;
  if (!resolves(() => getLoss(loss.name)) || !m.metrics.every((x) => resolves(() => getMetric(x.name, loss.name))))
    return undefined;
  let optimizer_config: TrainingConfig['optimizer_config'];
  try {
    optimizer_config = optimizerConfig(m.optimizer);
  } catch {
    return undefined;
  }
  return { loss: snake(m.loss.name), metrics: m.metrics.map((x) => snake(x.name)), optimizer_config };
}

/** A number field of an optimizer config under any of its names (TF.js camelCase or Keras snake_case). */
function num(c: Record<string, unknown>, names: string[], where: string): number | undefined {
  for (const n of names) {
    if (c[n] === undefined || c[n] === null) continue;
    if (typeof c[n] !== 'number')
      throw new ModelFormatError(
        `${where}: optimizer_config.config.${n} must be a number, got ${JSON.stringify(c[n])}`,
      );
    return c[n] as number;
  }
  return undefined;
}

/** The optimizer a TF.js or Keras optimizer_config describes. */
function optimizerFrom(spec: unknown, where: string): Optimizer {
  const s = spec as { class_name?: unknown; config?: unknown } | null;
  if (!s || typeof s !== 'object' || typeof s.class_name !== 'string')
    throw new ModelFormatError(`${where}: training config has no optimizer_config.class_name`);
  const c = (s.config && typeof s.config === 'object' ? s.config : {}) as Record<string, unknown>;
  const learningRate = num(c, ['learningRate', 'learning_rate', 'lr'], where);
  switch (s.class_name.toLowerCase()) {
    case 'sgd':
    case 'momentum':
      return new SGD({
        learningRate,
        momentum: num(c, ['momentum'], where),
        nesterov: !!(c.useNesterov ?? c.nesterov),
      });
    case 'adam':
      return new Adam({
        learningRate,
        beta1: num(c, ['beta1', 'beta_1'], where),
        beta2: num(c, ['beta2', 'beta_2'], where),
        epsilon: num(c, ['epsilon'], where),
      });
    case 'rmsprop':
      return new RMSprop({
        learningRate,
        rho: num(c, ['rho', 'decay'], where),
        momentum: num(c, ['momentum'], where),
        epsilon: num(c, ['epsilon'], where),
      });
    default:
      throw new ModelFormatError(
        `${where}: training config uses optimizer '${s.class_name}'; convkit has SGD, Momentum, Adam and RMSProp`,
      );
  }
}

/** Compiles a loaded model with the settings a model.json carries (TF.js's loadTrainingConfig). */
export function compileFrom(m: Model, cfg: unknown, where: string): void {
  const c = cfg as Partial<TrainingConfig> | null;
  if (!c || typeof c !== 'object') throw new ModelFormatError(`${where}: the training config is not an object`);
  if (typeof c.loss !== 'string')
    throw new ModelFormatError(`${where}: the training config's loss must be one name (got ${JSON.stringify(c.loss)})`);
  const metrics = c.metrics ?? [];
  if (!Array.isArray(metrics) || metrics.some((x) => typeof x !== 'string'))
    throw new ModelFormatError(`${where}: the training config's metrics must be a list of names`);
  const camel = (s: string): string => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  try {
    m.compile({
      optimizer: optimizerFrom(c.optimizer_config, where),
      loss: camel(c.loss),
      metrics: metrics.map(camel),
    });
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where}: cannot restore the training config: ${(e as Error).message}`);
  }
}
