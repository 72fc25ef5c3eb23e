import type { Kernels } from '../kernels';
import { gemmKernels } from './gemm';
import { convKernels } from './conv';
import { poolKernels } from './pool';
import { eltwiseKernels } from './eltwise';
import { affineKernels } from './affine';
import { optimKernels } from './optim';
import { complete } from '../complete';

/** The pure-TypeScript reference backend ('js'). */
export const jsKernels: Kernels = complete('js', { ...gemmKernels, ...convKernels, ...poolKernels, ...eltwiseKernels, ...affineKernels, ...optimKernels });
