// Elementwise kernels and row softmax on f32 arrays. Op codes follow the order of UnaryOp / BinaryOp
// in src/backend/kernels.ts. Cheap ops run 4 lanes per v128; transcendental ones (sigmoid, tanh,
// exp, log) use scalar Mathf in every build, so all builds round them identically.

const RELU = 0, SIGMOID = 1, TANH = 2, EXP = 3, LOG = 4, NEG = 5, ABS = 6, SQUARE = 7, SQRT = 8;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;

@inline function f(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
@inline function put(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }

@inline function sigmoidf(x: f32): f32 { return 1 / (1 + Mathf.exp(-x)); }

@inline function unaryScalar(op: i32, x: f32): f32 {
  switch (op) {
    case RELU: return max(x, <f32>0);
    case SIGMOID: return sigmoidf(x);
    case TANH: return Mathf.tanh(x);
    case EXP: return Mathf.exp(x);
    case LOG: return Mathf.log(x);
    case NEG: return -x;
    case ABS: return abs(x);
    case SQUARE: return x * x;
    default: return Mathf.sqrt(x);
  }
}

/** y[i] = op(x[i]) for n elements (op: 0 relu, 1 sigmoid, 2 tanh, 3 exp, 4 log, 5 neg, 6 abs, 7 square, 8 sqrt). */
export function eltUnary(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (op == RELU || op >= NEG) {
      const zero = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const v = v128.load(x + o);
        let r: v128;
        if (op == RELU) r = f32x4.max(v, zero);
        else if (op == NEG) r = f32x4.neg(v);
        else if (op == ABS) r = f32x4.abs(v);
        else if (op == SQUARE) r = f32x4.mul(v, v);
        else r = f32x4.sqrt(v);
        v128.store(y + o, r);
      }
    }
  }
  for (; i < n; i++) put(y, i, unaryScalar(op, f(x, i)));
}

@inline function backScalar(op: i32, x: f32, y: f32, g: f32): f32 {
  switch (op) {
    case RELU: return x > 0 ? g : 0;
    case SIGMOID: return g * (y * (1 - y));
    case TANH: return g * (1 - y * y);
    case EXP: return g * y;
    case LOG: return g / x;
    case NEG: return -g;
    case ABS: return x > 0 ? g : (x < 0 ? -g : 0);
    case SQUARE: return g * (2 * x);
    default: return g / (2 * y);
  }
}

/** dx[i] = dL/dx of op at x[i] given y[i] = op(x[i]) and dy[i]; all ops are cheap here, so all run in SIMD. */
export function eltUnaryBackward(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), one = f32x4.splat(1), two = f32x4.splat(2);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const xv = v128.load(x + o), yv = v128.load(y + o), g = v128.load(dy + o);
      let r: v128;
      switch (op) {
        case RELU: { r = v128.and(g, f32x4.gt(xv, zero)); break; }
        case SIGMOID: { r = f32x4.mul(g, f32x4.mul(yv, f32x4.sub(one, yv))); break; }
        case TANH: { r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(yv, yv))); break; }
        case EXP: { r = f32x4.mul(g, yv); break; }
        case LOG: { r = f32x4.div(g, xv); break; }
        case NEG: { r = f32x4.neg(g); break; }
        case ABS: {
          r = v128.or(v128.and(g, f32x4.gt(xv, zero)), v128.and(f32x4.neg(g), f32x4.lt(xv, zero)));
          break;
        }
        case SQUARE: { r = f32x4.mul(g, f32x4.mul(two, xv)); break; }
        default: r = f32x4.div(g, f32x4.mul(two, yv));
      }
      v128.store(dx + o, r);
    }
  }
  for (; i < n; i++) put(dx, i, backScalar(op, f(x, i), f(y, i), f(dy, i)));
}

@inline function binScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case MAX: return max(a, b);
    default: return min(a, b);
  }
}

@inline function binVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAX: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

/**
 * out[i] = a[i] op b[i % bn] for i < an (op: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min); bn divides an.
 * A single b is splatted; otherwise b is walked once per repeat, 4 lanes at a time.
 */
export function eltBinary(op: i32, a: usize, an: i32, b: usize, bn: i32, out: usize): void {
  if (an == 0) return;
  if (bn == 1) {
    const s = f(b, 0);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const sv = f32x4.splat(s);
      for (; i + 4 <= an; i += 4) { const o = <usize>i << 2; v128.store(out + o, binVec(op, v128.load(a + o), sv)); }
    }
    for (; i < an; i++) put(out, i, binScalar(op, f(a, i), s));
    return;
  }
  for (let base = 0; base < an; base += bn) {
    const ap = a + (<usize>base << 2), op_ = out + (<usize>base << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= bn; j += 4) {
        const o = <usize>j << 2;
        v128.store(op_ + o, binVec(op, v128.load(ap + o), v128.load(b + o)));
      }
    }
    for (; j < bn; j++) put(op_, j, binScalar(op, f(ap, j), f(b, j)));
  }
}

/** Row-wise softmax of x [rows, cols] into y: exp(x - rowmax) / sum, so large logits cannot overflow. */
export function softmaxRows(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2), yr = y + (<usize>(r * cols) << 2);
    let m = f(xr, 0);
    for (let j = 1; j < cols; j++) m = max(m, f(xr, j));
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) { const e = Mathf.exp(f(xr, j) - m); put(yr, j, e); s += e; }
    const inv: f32 = 1 / s;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const iv = f32x4.splat(inv);
      for (; j + 4 <= cols; j += 4) { const o = <usize>j << 2; v128.store(yr + o, f32x4.mul(v128.load(yr + o), iv)); }
    }
    for (; j < cols; j++) put(yr, j, f(yr, j) * inv);
  }
}
