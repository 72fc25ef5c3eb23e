// WASM wrappers (pool family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily } from '../kernels';
import type { WasmModule } from './module';

export function poolKernels(mod: WasmModule): KernelFamily {
  return {};
}
