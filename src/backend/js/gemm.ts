// Reference kernels (gemm family): plain loops, f64 accumulation. The oracle for tests.
import type { KernelFamily } from '../kernels';

export const gemmKernels: KernelFamily = {};
