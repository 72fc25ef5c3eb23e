// pool kernels
export const POOL_FAMILY: i32 = 1;
