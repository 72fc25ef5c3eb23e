// WASM wrappers (eltwise family): copy inputs into the arena, call the AssemblyScript kernel, copy out.
import type { KernelFamily, UnaryOp, BinaryOp } from '../kernels';
import type { WasmModule } from './module';

// Op codes expected by assembly/eltwise.ts.
const UNARY_CODE: Record<UnaryOp, number> = {
  relu: 0,
  sigmoid: 1,
  tanh: 2,
  exp: 3,
  log: 4,
  neg: 5,
  abs: 6,
  square: 7,
  sqrt: 8,
};
const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };

/** Elementwise kernels backed by one WASM build. */
export function eltwiseKernels(mod: WasmModule) {
  const { arena, exports: ex } = mod;
  return {
    unary(op, x) {
      return arena.call([x], x.length, ([xp, yp]) => ex.eltUnary(UNARY_CODE[op], xp, yp, x.length));
    },
    unaryBackward(op, x, y, dy) {
      // fused-ReLU backward passes its output as both x and y: the arena copies it in once
      return arena.call([x, y, dy], x.length, ([xp, yp, dyp, dxp]) =>
        ex.eltUnaryBackward(UNARY_CODE[op], xp, yp, dyp, dxp, x.length),
      );
    },
    binary(op, a, b) {
      return arena.call([a, b], a.length, ([ap, bp, outp]) =>
        ex.eltBinary(BINARY_CODE[op], ap, a.length, bp, b.length, outp),
      );
    },
    softmax(x, rows, cols) {
      return arena.call([x], rows * cols, ([xp, yp]) => ex.softmaxRows(xp, yp, rows, cols));
    },
  } satisfies KernelFamily;
}
