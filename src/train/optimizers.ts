// Optimizers update Variables in place on their Float32Arrays (no tape, no new tensors), with
// Keras's update rules and defaults. Per-variable slots (momentum, moments) live in a WeakMap.
/**
 * Optimizers with Keras's update rules and defaults: SGD (momentum, Nesterov), Adam, RMSprop.
 *
 * @example
 * ```ts
 * import { optimizers, zoo } from 'convkit';
 * const net = zoo.lenet5();
 * net.compile({ optimizer: optimizers.adam({ learningRate: 0.002 }), loss: 'categoricalCrossentropy' });
 * const sgd = optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true });
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { Variable } from '../autograd';
import { ShapeError, ValueError, fmtValue } from '../errors';
import { kernels } from '../backend';

/** Base class: applyGradients(vars, grads) updates each variable in place. */
export abstract class Optimizer {
  abstract readonly className: string;
  /** Number of update steps taken. */
  iterations = 0;
  private slots = new WeakMap<Variable, Float32Array[]>();
  private lr = 0;
  constructor(
    learningRate: number,
    readonly slotCount: number,
  ) {
    this.learningRate = learningRate;
  }

  /** Step size; schedules (callbacks.learningRateScheduler) change it between epochs. */
  get learningRate(): number {
    return this.lr;
  }
  set learningRate(v: number) {
    if (!(v > 0) || !Number.isFinite(v))
      throw new ValueError(`optimizer: learningRate must be a positive number, got ${fmtValue(v)}`);
    this.lr = v;
  }

  /** One update step; grads[i] is the gradient of vars[i]. */
  applyGradients(vars: readonly Variable[], grads: readonly Tensor[]): void {
    if (vars.length !== grads.length)
      throw new ValueError(`${this.className}.applyGradients: ${vars.length} variables but ${grads.length} gradients`);
    this.iterations++;
    vars.forEach((v, i) => {
      if (grads[i].size !== v.size)
        throw new ShapeError(
          `${this.className}.applyGradients: gradient of ${v.name} has ${grads[i].size} values, expected ${v.size}`,
        );
      let s = this.slots.get(v);
      if (!s) {
        s = Array.from({ length: this.slotCount }, () => new Float32Array(v.size));
        this.slots.set(v, s);
      }
      this.update(v.data, grads[i].data, s);
      v.markChanged();
    });
  }

  protected abstract update(w: Float32Array, g: Float32Array, slots: Float32Array[]): void;
  /** Keras config (snake_case). */
  abstract getConfig(): Record<string, unknown>;
}

/** Stochastic gradient descent with optional (Nesterov) momentum. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(o: { learningRate?: number; momentum?: number; nesterov?: boolean } = {}) {
    super(o.learningRate ?? 0.01, o.momentum ? 1 : 0);
    this.momentum = o.momentum ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new ValueError(`sgd: momentum must be in [0, 1), got ${this.momentum}`);
  }
  protected update(w: Float32Array, g: Float32Array, s: Float32Array[]): void {
    const lr = this.learningRate,
      mu = this.momentum;
    if (mu === 0) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      return;
    }
    const v = s[0];
    for (let i = 0; i < w.length; i++) {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += this.nesterov ? mu * v[i] - lr * g[i] : v[i];
    }
  }
  getConfig(): Record<string, unknown> {
    return { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Adam (Kingma & Ba) with Keras's bias-corrected step size. */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(o: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number } = {}) {
    super(o.learningRate ?? 0.001, 2);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-7;
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1))
      throw new ValueError(`adam: beta1 and beta2 must be in [0, 1), got ${this.beta1}, ${this.beta2}`);
  }
  protected update(w: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations;
    const lr = (this.learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    // the backend's kernel: a JS loop spends ~10 ns per weight on its sqrt and divide, SIMD a quarter of that
    kernels().adamUpdate(w, g, m, v, lr, b1, b2, eps);
  }
  getConfig(): Record<string, unknown> {
    return { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

/** RMSprop with optional momentum. */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  constructor(o: { learningRate?: number; rho?: number; momentum?: number; epsilon?: number } = {}) {
    super(o.learningRate ?? 0.001, 2);
    this.rho = o.rho ?? 0.9;
    this.momentum = o.momentum ?? 0;
    this.epsilon = o.epsilon ?? 1e-7;
    if (!(this.rho >= 0 && this.rho < 1)) throw new ValueError(`rmsprop: rho must be in [0, 1), got ${this.rho}`);
  }
  protected update(w: Float32Array, g: Float32Array, [ms, mom]: Float32Array[]): void {
    const { rho, momentum: mu, epsilon: eps, learningRate: lr } = this;
    for (let i = 0; i < w.length; i++) {
      ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
      const step = (lr * g[i]) / (Math.sqrt(ms[i]) + eps);
      if (mu > 0) {
        mom[i] = mu * mom[i] + step;
        w[i] -= mom[i];
      } else w[i] -= step;
    }
  }
  getConfig(): Record<string, unknown> {
    return { learning_rate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon };
  }
}

/** SGD, optionally with momentum / Nesterov (Keras defaults: learningRate 0.01). */
export const sgd = (o?: ConstructorParameters<typeof SGD>[0]): SGD => new SGD(o);
/** Adam (Keras defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7). */
export const adam = (o?: ConstructorParameters<typeof Adam>[0]): Adam => new Adam(o);
/** RMSprop (Keras defaults: learningRate 0.001, rho 0.9). */
export const rmsprop = (o?: ConstructorParameters<typeof RMSprop>[0]): RMSprop => new RMSprop(o);

/** Resolves 'sgd' | 'adam' | 'rmsprop' (Keras defaults) or an Optimizer. */
export function getOptimizer(spec: string | Optimizer): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const f = ({ sgd, adam, rmsprop } as Record<string, () => Optimizer>)[String(spec).toLowerCase()];
  if (!f) throw new ValueError(`compile: unknown optimizer '${String(spec)}' (valid: sgd, adam, rmsprop)`);
  return f();
}
