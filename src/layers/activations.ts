// Activation names a layer accepts: the ops' list (conv and dense pass the name to their op,
// which fuses relu/linear into the kernel).
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import * as ops from '../ops';

/** Activation names: linear, relu, sigmoid, tanh, softmax, elu, softplus, leakyRelu, relu6, hardSigmoid, hardSwish. */
export type ActivationName = ops.ActivationName;

/** Validates an activation name (undefined/null means linear); errors name the layer. */
export function checkActivation(name: unknown, where: string): ActivationName {
  if (name === undefined || name === null) return 'linear';
  if (typeof name !== 'string' || !(ops.ACTIVATIONS as readonly string[]).includes(name)) {
    throw new ValueError(`${where}: unknown activation '${String(name)}' (valid: ${ops.ACTIVATIONS.join(', ')})`);
  }
  return name as ActivationName;
}

/** Applies an activation by name. */
export const applyActivation = (x: Tensor, name: ActivationName): Tensor => ops.activation(x, name);

/** The activation to run given call args: with logits requested, a final softmax/sigmoid is skipped. */
export const effectiveActivation = (name: ActivationName, logits?: boolean): ActivationName =>
  logits && (name === 'softmax' || name === 'sigmoid') ? 'linear' : name;
