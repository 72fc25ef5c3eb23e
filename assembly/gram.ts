// gram kernels
export const GRAM_FAMILY: i32 = 1;
