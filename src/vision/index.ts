// vision: public namespace, a list of re-exports.
export { filters } from './filters';
export { convolve2d, rotate180 } from './convolve';
