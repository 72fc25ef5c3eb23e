// Tests share the examples' MNIST loader (the `mnist` package's 10,000 real digits).
export { loadDigits } from '../../examples/data/mnist';
export type { DigitSet } from '../../examples/data/mnist';
