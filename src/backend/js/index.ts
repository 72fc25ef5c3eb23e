import type { Kernels } from '../kernels';
import { gemmKernels } from './gemm';
import { convKernels } from './conv';
import { poolKernels } from './pool';
import { eltwiseKernels } from './eltwise';
import { affineKernels } from './affine';
import { optimKernels } from './optim';

/** The pure-TypeScript reference backend ('js'); `satisfies` makes the compiler prove it complete. */
export const jsKernels = {
  name: 'js',
  ...gemmKernels,
  ...convKernels,
  ...poolKernels,
  ...eltwiseKernels,
  ...affineKernels,
  ...optimKernels,
} satisfies Kernels;
