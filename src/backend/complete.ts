import type { Kernels, KernelFamily, BackendName } from './kernels';
import { BackendError } from '../errors';

const KERNEL_NAMES: (keyof KernelFamily)[] = [
  'matmul', 'gram', 'conv', 'convBackpropInput', 'convBackpropFilter',
  'depthwiseConv', 'depthwiseConvBackpropInput', 'depthwiseConvBackpropFilter',
  'maxPool', 'maxPoolBackward', 'avgPool', 'avgPoolBackward',
  'unary', 'unaryBackward', 'binary', 'softmax', 'channelAffine', 'channelSums', 'adamUpdate',
];

/** Assembles a backend from kernel families; a missing kernel throws a BackendError naming it when called. */
export function complete(name: BackendName, family: KernelFamily): Kernels {
  const k: any = { name, ...family };
  for (const n of KERNEL_NAMES) {
    if (!k[n]) k[n] = () => { throw new BackendError(`backend '${name}' has no kernel '${n}'`); };
  }
  return k as Kernels;
}
