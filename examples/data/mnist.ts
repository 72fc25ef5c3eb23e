// Examples and tests use the library's MNIST loader (src/datasets).
export { loadDigits } from '../../src/datasets';
export type { DigitSet } from '../../src/datasets';
