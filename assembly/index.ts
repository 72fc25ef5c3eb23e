// One entry, three binaries (scalar, simd, relaxed): see asconfig.json.
// Every kernel works on raw linear memory; the host owns all allocation (a grow-only arena).
export { IS_SIMD, IS_RELAXED_SIMD, heapBase } from './common';
export * from './gemm';
export * from './gram';
export * from './peak';
export * from './conv';
export * from './depthwise';
export * from './pool';
export * from './eltwise';
export * from './affine';
export * from './adam';
export { activateInPlace } from './epilogue';
export { geometryFields } from './convgeom';
export { winogradFilter, winogradFilterBytes, winogradConvTransformed, winogradTransformedScratchBytes } from './winograd';
export * from './layout';
export * from './int8';
