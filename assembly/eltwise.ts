// eltwise kernels
export const ELTWISE_FAMILY: i32 = 1;
