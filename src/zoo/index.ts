// zoo: classic networks ready to train.
export { lenet5 } from './lenet';
export type { LeNet5Args } from './lenet';
