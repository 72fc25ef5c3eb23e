// Elementwise kernels and row softmax on f32 arrays. Op codes follow the order of UnaryOp / BinaryOp
// in src/backend/kernels.ts. Everything but log runs 4 lanes per v128 in the SIMD build; exp (and
// sigmoid, tanh, softmax built on it) uses a polynomial there, within a few ulp of Mathf.exp.

const RELU = 0, SIGMOID = 1, TANH = 2, EXP = 3, LOG = 4, NEG = 5, ABS = 6, SQUARE = 7, SQRT = 8;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;

@inline function f(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
@inline function put(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }

// exp on 4 lanes: x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two for accuracy), e^r by the Cephes
// degree-6 polynomial, 2^n built in the exponent bits as 2^(n>>1)·2^(n-(n>>1)) so both factors stay
// normal over the whole f32 range (denormal results included); +inf above overflow, 0 below the
// smallest denormal.
@inline function expv(x: v128): v128 {
  // pmin/pmax are single instructions on x64 (min/max are NaN-exact sequences); a NaN still passes through.
  const c = f32x4.pmin(f32x4.pmax(x, f32x4(-103.9, -103.9, -103.9, -103.9)), f32x4(88.7228, 88.7228, 88.7228, 88.7228));
  // Adding 1.5·2^23 rounds c·log2(e) to an integer held in the low mantissa bits: n as float and as
  // int without nearest/trunc_sat (the latter is a long sequence on x64).
  const magic = f32x4(12582912.0, 12582912.0, 12582912.0, 12582912.0);
  const nm = f32x4.add(f32x4.mul(c, f32x4(1.44269504, 1.44269504, 1.44269504, 1.44269504)), magic);
  const n = f32x4.sub(nm, magic);
  let r = f32x4.sub(c, f32x4.mul(n, f32x4(0.693359375, 0.693359375, 0.693359375, 0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4(-2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4)));
  let p = f32x4(1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4(1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4(8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4(4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4(1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4(5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4(1, 1, 1, 1));
  const ni = i32x4.sub(nm, magic), half = i32x4.shr_s(ni, 1), bias = i32x4(127, 127, 127, 127);
  const y = f32x4.mul(f32x4.mul(p, i32x4.shl(i32x4.add(half, bias), 23)), i32x4.shl(i32x4.add(i32x4.sub(ni, half), bias), 23));
  const big = f32x4.gt(x, f32x4(88.7228394, 88.7228394, 88.7228394, 88.7228394)), tiny = f32x4.lt(x, f32x4(-103.972084, -103.972084, -103.972084, -103.972084));
  return v128.andnot(v128.bitselect(f32x4(Infinity, Infinity, Infinity, Infinity), y, big), tiny);
}

// tanh: for |x| < 0.625 the Cephes odd polynomial (keeps relative accuracy near 0); beyond it
// sign(x)·(1 − 2/(e^{2|x|} + 1)), which never overflows.
@inline function tanhv(x: v128): v128 {
  const a = f32x4.abs(x), z = f32x4.mul(x, x);
  let p = f32x4(-5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4(2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4(-5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4(1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4(-3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = expv(f32x4.mul(a, f32x4(2, 2, 2, 2)));
  const large = v128.or(f32x4.sub(f32x4(1, 1, 1, 1), f32x4.div(f32x4(2, 2, 2, 2), f32x4.add(e, f32x4(1, 1, 1, 1)))), v128.and(x, i32x4(0x80000000, 0x80000000, 0x80000000, 0x80000000)));
  return v128.bitselect(small, large, f32x4.lt(a, f32x4(0.625, 0.625, 0.625, 0.625)));
}

// sigmoid, 16 values a turn, from e = e^-|x| (never overflows): sigmoid(x) = e / (1 + e) for x < 0 and 1 / (1 + e)
// for x >= 0 (the sign picks the numerator: no 1 - f afterwards). e = 2^n·e^-t with n = round(-|x|·log2 e) read
// from the low mantissa bits of a magic sum (127 added, so shifting them into the exponent gives s = 2^n) and
// t = |x| + n·ln2 in [-ln2/2, ln2/2] (ln2 in two parts: n·LN2_HI is exact); e^-t = 1 + t·q(t) with q of degree 4
// (a minimax fit for the relative error of e^-t, 9.2e-8), so e = s + (t·s)·q. Past |x| = 87.33 e^-|x| would be
// denormal (and n out of range): e is zeroed there, giving 0 or 1. A NaN passes through the arithmetic.
// Error against the correctly rounded value: at most 3 ulp (2.7e-7 relative) over [-90, 90] (a float32
// simulation of these steps on 3 million points; the tests check the kernel against the reference).
// The constants come from memory into locals before the loop: as v128.const V8 rebuilds each one every time
// round. Same idea as XNNPACK's rr2-p5-div kernel, one step shorter. Measured (56x56x64, Node, under load,
// resident input): 0.65 ms with expv and a division per vector, 0.25 with a degree-6 polynomial four vectors
// a turn, this one in bench/RESULTS.md.
const SIGMOID_K = memory.data<f32>([
  12583039.0, -1.44269504, 0.693145751953125, 1.428606765330187e-6, -0.008290236815810204, 0.041898105293512344,
  -0.1666763871908188, 0.4999914765357971, -0.9999997019767761, 1, 87.33,
]);
function sigmoidLoop(x: usize, y: usize, n: i32): i32 {
  const k = SIGMOID_K;
  const magic = v128.load32_splat(k), log2e = v128.load32_splat(k, 4);
  const ln2hi = v128.load32_splat(k, 8), ln2lo = v128.load32_splat(k, 12);
  const q4 = v128.load32_splat(k, 16), q3 = v128.load32_splat(k, 20), q2 = v128.load32_splat(k, 24);
  const q1 = v128.load32_splat(k, 28), q0 = v128.load32_splat(k, 32);
  const one = v128.load32_splat(k, 36), cutoff = v128.load32_splat(k, 40);
  let i = 0;
  // four vectors a turn: the polynomial is a chain of dependent steps, and four chains fill the pipeline
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const va = v128.load(x + o), vb = v128.load(x + o, 16), vc = v128.load(x + o, 32), vd = v128.load(x + o, 48);
    const za = f32x4.abs(va), zb = f32x4.abs(vb), zc = f32x4.abs(vc), zd = f32x4.abs(vd);
    const ma = f32x4.add(f32x4.mul(za, log2e), magic), mb = f32x4.add(f32x4.mul(zb, log2e), magic);
    const mc = f32x4.add(f32x4.mul(zc, log2e), magic), md = f32x4.add(f32x4.mul(zd, log2e), magic);
    const na = f32x4.sub(ma, magic), nb = f32x4.sub(mb, magic), nc = f32x4.sub(mc, magic), nd = f32x4.sub(md, magic);
    let ta = f32x4.add(f32x4.mul(na, ln2hi), za), tb = f32x4.add(f32x4.mul(nb, ln2hi), zb);
    let tc = f32x4.add(f32x4.mul(nc, ln2hi), zc), td = f32x4.add(f32x4.mul(nd, ln2hi), zd);
    ta = f32x4.add(f32x4.mul(na, ln2lo), ta);
    tb = f32x4.add(f32x4.mul(nb, ln2lo), tb);
    tc = f32x4.add(f32x4.mul(nc, ln2lo), tc);
    td = f32x4.add(f32x4.mul(nd, ln2lo), td);
    let qa = f32x4.add(f32x4.mul(ta, q4), q3), qb = f32x4.add(f32x4.mul(tb, q4), q3);
    let qc = f32x4.add(f32x4.mul(tc, q4), q3), qd = f32x4.add(f32x4.mul(td, q4), q3);
    qa = f32x4.add(f32x4.mul(qa, ta), q2);
    qb = f32x4.add(f32x4.mul(qb, tb), q2);
    qc = f32x4.add(f32x4.mul(qc, tc), q2);
    qd = f32x4.add(f32x4.mul(qd, td), q2);
    qa = f32x4.add(f32x4.mul(qa, ta), q1);
    qb = f32x4.add(f32x4.mul(qb, tb), q1);
    qc = f32x4.add(f32x4.mul(qc, tc), q1);
    qd = f32x4.add(f32x4.mul(qd, td), q1);
    qa = f32x4.add(f32x4.mul(qa, ta), q0);
    qb = f32x4.add(f32x4.mul(qb, tb), q0);
    qc = f32x4.add(f32x4.mul(qc, tc), q0);
    qd = f32x4.add(f32x4.mul(qd, td), q0);
    const sa = i32x4.shl(ma, 23), sb = i32x4.shl(mb, 23), sc = i32x4.shl(mc, 23), sd = i32x4.shl(md, 23);
    const ea = v128.andnot(f32x4.add(f32x4.mul(f32x4.mul(ta, sa), qa), sa), f32x4.gt(za, cutoff));
    const eb = v128.andnot(f32x4.add(f32x4.mul(f32x4.mul(tb, sb), qb), sb), f32x4.gt(zb, cutoff));
    const ec = v128.andnot(f32x4.add(f32x4.mul(f32x4.mul(tc, sc), qc), sc), f32x4.gt(zc, cutoff));
    const ed = v128.andnot(f32x4.add(f32x4.mul(f32x4.mul(td, sd), qd), sd), f32x4.gt(zd, cutoff));
    // x < 0 (sign bit set) takes e as the numerator, x >= 0 takes 1
    v128.store(y + o, f32x4.div(v128.bitselect(ea, one, i32x4.shr_s(va, 31)), f32x4.add(ea, one)));
    v128.store(y + o, f32x4.div(v128.bitselect(eb, one, i32x4.shr_s(vb, 31)), f32x4.add(eb, one)), 16);
    v128.store(y + o, f32x4.div(v128.bitselect(ec, one, i32x4.shr_s(vc, 31)), f32x4.add(ec, one)), 32);
    v128.store(y + o, f32x4.div(v128.bitselect(ed, one, i32x4.shr_s(vd, 31)), f32x4.add(ed, one)), 48);
  }
  return i;
}

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
  // Each case inlines the loop with a constant op, so the optimiser drops the per-element dispatch.
  switch (op) {
    case RELU: { unaryLoop(RELU, x, y, n); break; }
    case SIGMOID: { unaryLoop(SIGMOID, x, y, n); break; }
    case TANH: { unaryLoop(TANH, x, y, n); break; }
    case EXP: { unaryLoop(EXP, x, y, n); break; }
    case LOG: { unaryLoop(LOG, x, y, n); break; }
    case NEG: { unaryLoop(NEG, x, y, n); break; }
    case ABS: { unaryLoop(ABS, x, y, n); break; }
    case SQUARE: { unaryLoop(SQUARE, x, y, n); break; }
    default: unaryLoop(SQRT, x, y, n);
  }
}

@inline function unaryLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (op == RELU) {
      // x & ~(x <= 0): two instructions on x64 where f32x4.max is a NaN-exact sequence of about seven; the
      // same values as max(x, 0) (NaN kept, -0 to +0). Sixteen lanes a turn keep the loop's overhead small.
      const zero = f32x4(0, 0, 0, 0);
      for (; i + 16 <= n; i += 16) {
        const o = <usize>i << 2;
        const a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
        v128.store(y + o, v128.andnot(a, f32x4.le(a, zero)));
        v128.store(y + o, v128.andnot(b, f32x4.le(b, zero)), 16);
        v128.store(y + o, v128.andnot(c, f32x4.le(c, zero)), 32);
        v128.store(y + o, v128.andnot(d, f32x4.le(d, zero)), 48);
      }
    }
    // sigmoid's last 0-15 values take the scalar path
    if (op == SIGMOID) i = sigmoidLoop(x, y, n);
    else if (op != LOG) {
      const zero = f32x4(0, 0, 0, 0), one = f32x4(1, 1, 1, 1);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const v = v128.load(x + o);
        let r: v128;
        if (op == RELU) r = v128.andnot(v, f32x4.le(v, zero));
        else if (op == TANH) r = tanhv(v);
        else if (op == EXP) r = expv(v);
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
  switch (op) {
    case RELU: { backLoop(RELU, x, y, dy, dx, n); break; }
    case SIGMOID: { backLoop(SIGMOID, x, y, dy, dx, n); break; }
    case TANH: { backLoop(TANH, x, y, dy, dx, n); break; }
    case EXP: { backLoop(EXP, x, y, dy, dx, n); break; }
    case LOG: { backLoop(LOG, x, y, dy, dx, n); break; }
    case NEG: { backLoop(NEG, x, y, dy, dx, n); break; }
    case ABS: { backLoop(ABS, x, y, dy, dx, n); break; }
    case SQUARE: { backLoop(SQUARE, x, y, dy, dx, n); break; }
    default: backLoop(SQRT, x, y, dy, dx, n);
  }
}

@inline function backLoop(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4(0, 0, 0, 0), one = f32x4(1, 1, 1, 1), two = f32x4(2, 2, 2, 2);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const xv = v128.load(x + o), yv = v128.load(y + o), g = v128.load(dy + o);
      let r: v128;
      if (op == RELU) r = v128.and(g, f32x4.gt(xv, zero));
      else if (op == SIGMOID) r = f32x4.mul(g, f32x4.mul(yv, f32x4.sub(one, yv)));
      else if (op == TANH) r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(yv, yv)));
      else if (op == EXP) r = f32x4.mul(g, yv);
      else if (op == LOG) r = f32x4.div(g, xv);
      else if (op == NEG) r = f32x4.neg(g);
      else if (op == ABS) r = v128.or(v128.and(g, f32x4.gt(xv, zero)), v128.and(f32x4.neg(g), f32x4.lt(xv, zero)));
      else if (op == SQUARE) r = f32x4.mul(g, f32x4.mul(two, xv));
      else r = f32x4.div(g, f32x4.mul(two, yv));
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
  switch (op) {
    case ADD: { binaryLoop(ADD, a, an, b, bn, out); break; }
    case SUB: { binaryLoop(SUB, a, an, b, bn, out); break; }
    case MUL: { binaryLoop(MUL, a, an, b, bn, out); break; }
    case DIV: { binaryLoop(DIV, a, an, b, bn, out); break; }
    case MAX: { binaryLoop(MAX, a, an, b, bn, out); break; }
    default: binaryLoop(MIN, a, an, b, bn, out);
  }
}

@inline function binaryLoop(op: i32, a: usize, an: i32, b: usize, bn: i32, out: usize): void {
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
    const ap = a + (<usize>base << 2), outp = out + (<usize>base << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= bn; j += 4) {
        const o = <usize>j << 2;
        v128.store(outp + o, binVec(op, v128.load(ap + o), v128.load(b + o)));
      }
    }
    for (; j < bn; j++) put(outp, j, binScalar(op, f(ap, j), f(b, j)));
  }
}

/** Row-wise softmax of x [rows, cols] into y: exp(x - rowmax) / sum, so large logits cannot overflow. */
export function softmaxRows(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2), yr = y + (<usize>(r * cols) << 2);
    let m = f(xr, 0), j = 0;
    if (ASC_FEATURE_SIMD) {
      let mv = f32x4.splat(m);
      for (; j + 4 <= cols; j += 4) mv = f32x4.max(mv, v128.load(xr + (<usize>j << 2)));
      m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    }
    for (; j < cols; j++) m = max(m, f(xr, j));
    let s: f32 = 0;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f32x4.splat(m);
      let sv = f32x4(0, 0, 0, 0);
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        const e = expv(f32x4.sub(v128.load(xr + o), mv));
        v128.store(yr + o, e);
        sv = f32x4.add(sv, e);
      }
      s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    }
    for (; j < cols; j++) { const e = Mathf.exp(f(xr, j) - m); put(yr, j, e); s += e; }
    const inv: f32 = 1 / s;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const iv = f32x4.splat(inv);
      for (; j + 4 <= cols; j += 4) { const o = <usize>j << 2; v128.store(yr + o, f32x4.mul(v128.load(yr + o), iv)); }
    }
    for (; j < cols; j++) put(yr, j, f(yr, j) * inv);
  }
}
