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
      arena.reset();
      const xp = arena.put(x),
        yp = arena.alloc(x.length);
      ex.eltUnary(UNARY_CODE[op], xp, yp, x.length);
      return arena.take(yp, x.length);
    },
    unaryBackward(op, x, y, dy) {
      arena.reset();
      // fused-ReLU backward passes its output as both x and y: copy it in once
      const n = x.length,
        xp = arena.put(x),
        yp = y === x ? xp : arena.put(y),
        dyp = arena.put(dy),
        dxp = arena.alloc(n);
      ex.eltUnaryBackward(UNARY_CODE[op], xp, yp, dyp, dxp, n);
      return arena.take(dxp, n);
    },
    binary(op, a, b) {
      arena.reset();
      const ap = arena.put(a),
        bp = arena.put(b),
        outp = arena.alloc(a.length);
      ex.eltBinary(BINARY_CODE[op], ap, a.length, bp, b.length, outp);
      return arena.take(outp, a.length);
    },
    softmax(x, rows, cols) {
      arena.reset();
      const n = rows * cols,
        xp = arena.put(x),
        yp = arena.alloc(n);
      ex.softmaxRows(xp, yp, rows, cols);
      return arena.take(yp, n);
    },
  } satisfies KernelFamily;
}
