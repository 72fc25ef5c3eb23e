// Reference kernels (eltwise family): plain loops, f64 arithmetic. The oracle for tests.
import type { KernelFamily, UnaryOp, BinaryOp } from '../kernels';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  exp: Math.exp,
  log: Math.log,
  neg: (x) => -x,
  abs: Math.abs,
  square: (x) => x * x,
  sqrt: Math.sqrt,
};

// dL/dx from x, y = op(x) and the incoming gradient g.
const BACKWARD: Record<UnaryOp, (x: number, y: number, g: number) => number> = {
  relu: (x, _y, g) => (x > 0 ? g : 0),
  sigmoid: (_x, y, g) => g * y * (1 - y),
  tanh: (_x, y, g) => g * (1 - y * y),
  exp: (_x, y, g) => g * y,
  log: (x, _y, g) => g / x,
  neg: (_x, _y, g) => -g,
  abs: (x, _y, g) => (x > 0 ? g : x < 0 ? -g : 0),
  square: (x, _y, g) => g * 2 * x,
  sqrt: (_x, y, g) => g / (2 * y),
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
};

export const eltwiseKernels = {
  unary(op, x) {
    const f = UNARY[op],
      y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
    return y;
  },
  unaryBackward(op, x, y, dy) {
    const f = BACKWARD[op],
      dx = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) dx[i] = f(x[i], y[i], dy[i]);
    return dx;
  },
  binary(op, a, b) {
    const f = BINARY[op],
      out = new Float32Array(a.length),
      bn = b.length;
    for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i % bn]);
    return out;
  },
  softmax(x, rows, cols) {
    const y = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, x[o + j]);
      let s = 0;
      const e = new Float64Array(cols);
      for (let j = 0; j < cols; j++) {
        e[j] = Math.exp(x[o + j] - m);
        s += e[j];
      }
      for (let j = 0; j < cols; j++) y[o + j] = e[j] / s;
    }
    return y;
  },
} satisfies KernelFamily;
