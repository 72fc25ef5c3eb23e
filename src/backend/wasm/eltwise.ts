// WASM wrappers (eltwise family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

export function eltwiseKernels(mod: WasmModule): KernelFamily {
  return {};
}
