// Activation functions by Keras name (conv and dense pass the name to their op, which fuses relu/linear).
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import * as ops from '../ops';

/** Activation names a layer accepts. */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'softplus';

const FNS: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu: (x) => ops.relu(x),
  sigmoid: (x) => ops.sigmoid(x),
  tanh: (x) => ops.tanh(x),
  softmax: (x) => ops.softmax(x, -1),
  softplus: (x) => ops.softplus(x),
};

/** Validates an activation name (undefined/null means linear); errors name the layer. */
export function checkActivation(name: unknown, where: string): ActivationName {
  if (name === undefined || name === null) return 'linear';
  if (typeof name !== 'string' || !(name in FNS)) {
    throw new ValueError(`${where}: unknown activation '${String(name)}' (valid: ${Object.keys(FNS).join(', ')})`);
  }
  return name as ActivationName;
}

/** Applies an activation by name. */
export const applyActivation = (x: Tensor, name: ActivationName): Tensor => FNS[name](x);

/** The activation to run given call args: with logits requested, a final softmax/sigmoid is skipped. */
export const effectiveActivation = (name: ActivationName, logits?: boolean): ActivationName =>
  logits && (name === 'softmax' || name === 'sigmoid') ? 'linear' : name;
