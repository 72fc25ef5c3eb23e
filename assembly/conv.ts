// conv kernels
export const CONV_FAMILY: i32 = 1;
