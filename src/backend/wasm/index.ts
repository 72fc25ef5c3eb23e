import type { Kernels, BackendName } from '../kernels';
import type { WasmModule } from './module';
import { gemmKernels } from './gemm';
import { convKernels } from './conv';
import { poolKernels } from './pool';
import { eltwiseKernels } from './eltwise';
import { affineKernels } from './affine';
import { optimKernels } from './optim';

/** Kernels backed by one loaded WASM build; `satisfies` makes the compiler prove the set complete. */
export function wasmKernels(name: BackendName, mod: WasmModule): Kernels {
  return {
    name,
    ...gemmKernels(mod),
    ...convKernels(mod),
    ...poolKernels(mod),
    ...eltwiseKernels(mod),
    ...affineKernels(mod),
    ...optimKernels(mod),
  } satisfies Kernels;
}
