/** Which build this binary is, so hosts and tests can ask what loaded. */
export const IS_SIMD: bool = ASC_FEATURE_SIMD;
export const IS_RELAXED_SIMD: bool = ASC_FEATURE_RELAXED_SIMD;

/** First free byte after static data: the host's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
