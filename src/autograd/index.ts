import { Tensor, NestedArray } from '../tensor';
import { ValueError } from '../errors';
import { runTape } from './tape';
import { Variable } from './variable';

export { Variable } from './variable';
export { noGrad } from './tape';

/** grad(f)(x): the gradient of a scalar-valued f at x (same shape as x). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => runTape(() => f(x), [x], dy).grads[0];
}

/** grads(f)(...xs): gradients of a scalar-valued f with respect to each argument. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => runTape(() => f(...xs), xs, dy).grads;
}

/**
 * valueAndGrads(f, vars): runs f() once, returns its value and the gradient of each of `vars`
 * (Variables or any tensors f reads), in the same order. f must return a scalar unless dy is given.
 */
export function valueAndGrads(
  f: () => Tensor,
  vars: readonly Tensor[],
  dy?: Tensor,
): { value: Tensor; grads: Tensor[] } {
  if (!Array.isArray(vars))
    throw new ValueError('valueAndGrads: expected an array of tensors or Variables to differentiate');
  return runTape(f, vars, dy);
}

/** Creates a trainable Variable from a tensor or nested arrays. */
export function variable(
  initial: Tensor | NestedArray | Float32Array,
  opts?: { name?: string; trainable?: boolean },
): Variable {
  return new Variable(initial, opts);
}
