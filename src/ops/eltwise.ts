// Elementwise ops with numpy/TF broadcasting. Same-shape and "b repeats over a" (bias-add style)
// cases dispatch to the backend's binary kernel; other broadcasts run a plain TS loop. Gradients
// sum over the broadcast axes (sumTo). Unary ops in the kernel contract use unary/unaryBackward.
import { acquire } from '../backend/pool';
import { Tensor, sizeOf } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import type { BinaryOp, UnaryOp } from '../backend/kernels';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { TensorOrNumber, toTensor, checkTensor, sameShape, stridesOf, needsGrad } from './util';
import { sumTo } from './reduce';
import { softmax } from './softmax';

/** The broadcast shape of two shapes (numpy rules), or a ShapeError naming the op. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = 'broadcast'): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1,
      db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(`${op}: cannot broadcast ${fmtShape(a)} with ${fmtShape(b)}`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `shape` inside `outShape` (0 along broadcast axes). */
function bstrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const off = outShape.length - shape.length,
    s = stridesOf(shape);
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}

/** out[i] = f(a[ia], b[ib]) over the broadcast shape (plain TS, any broadcast). */
function bcast(a: Tensor, b: Tensor, outShape: readonly number[], f: (x: number, y: number) => number): Float32Array {
  const out = acquire(sizeOf(outShape)); // every element is written below
  const r = outShape.length;
  if (r === 0) {
    if (out.length) out[0] = f(a.data[0], b.data[0]);
    return out;
  }
  const sa = bstrides(a.shape, outShape),
    sb = bstrides(b.shape, outShape);
  const idx = new Array<number>(r).fill(0);
  let ia = 0,
    ib = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = f(a.data[ia], b.data[ib]);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d];
      ib -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** True when b, without leading 1s, is a suffix of shape: then b repeats over the flat data. */
function repeatsOver(b: readonly number[], shape: readonly number[]): boolean {
  let s = 0;
  while (s < b.length && b[s] === 1) s++;
  const tail = b.slice(s);
  return tail.length <= shape.length && tail.every((d, i) => d === shape[shape.length - tail.length + i]);
}

const SCALAR_F: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y),
  min: (x, y) => Math.min(x, y),
};
const COMMUTES: Record<BinaryOp, boolean> = { add: true, sub: false, mul: true, div: false, max: true, min: true };

/** Forward of a broadcasting binary op, kernel-backed where the contract allows. */
function binaryForward(kind: BinaryOp, a: Tensor, b: Tensor, op: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const size = sizeOf(shape);
  if (size > 0 && sameShape(shape, a.shape) && repeatsOver(b.shape, a.shape) && b.size > 0) {
    return new Tensor(kernels().binary(kind, a.data, b.data), shape);
  }
  if (size > 0 && COMMUTES[kind] && sameShape(shape, b.shape) && repeatsOver(a.shape, b.shape) && a.size > 0) {
    return new Tensor(kernels().binary(kind, b.data, a.data), shape);
  }
  return new Tensor(bcast(a, b, shape, SCALAR_F[kind]), shape);
}

/** Gradient of one operand before the broadcast reduction, or null when it is not wanted. */
type OperandGrads = (dy: Tensor, a: Tensor, b: Tensor, out: Tensor, want: boolean[]) => [Tensor | null, Tensor | null];

function binary(kind: BinaryOp, op: string, x: TensorOrNumber, y: TensorOrNumber, backward: OperandGrads): Tensor {
  const a = toTensor(x, op, 'a'),
    b = toTensor(y, op, 'b');
  const out = binaryForward(kind, a, b, op);
  const want = needsGrad([a, b]);
  return record([a, b], out, (dy) => {
    const [da, db] = backward(dy, a, b, out, want);
    return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
  });
}

/** a + b with broadcasting. */
export const add = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('add', 'add', a, b, (dy) => [dy, dy]);
/** a - b with broadcasting. */
export const sub = (a: TensorOrNumber, b: TensorOrNumber): Tensor =>
  binary('sub', 'sub', a, b, (dy, _a, _b, _o, w) => [dy, w[1] ? neg(dy) : null]);
/** a * b with broadcasting. */
export const mul = (a: TensorOrNumber, b: TensorOrNumber): Tensor =>
  binary('mul', 'mul', a, b, (dy, x, y, _o, w) => [w[0] ? mul(dy, y) : null, w[1] ? mul(dy, x) : null]);
/** a / b with broadcasting. */
export const div = (a: TensorOrNumber, b: TensorOrNumber): Tensor =>
  binary('div', 'div', a, b, (dy, _x, y, out, w) => [
    w[0] ? div(dy, y) : null,
    w[1] ? neg(div(mul(dy, out), y)) : null,
  ]);

/** Routes dy to a where pick(a, b) holds (broadcast), else to b. */
function selectGrad(dy: Tensor, a: Tensor, b: Tensor, pick: (x: number, y: number) => boolean): [Tensor, Tensor] {
  const m = bcast(a, b, dy.shape, (x, y) => (pick(x, y) ? 1 : 0));
  const ga = new Float32Array(dy.size),
    gb = new Float32Array(dy.size);
  for (let i = 0; i < m.length; i++) {
    if (m[i]) ga[i] = dy.data[i];
    else gb[i] = dy.data[i];
  }
  return [new Tensor(ga, dy.shape), new Tensor(gb, dy.shape)];
}

/** Elementwise maximum with broadcasting (ties send the gradient to a). */
export const maximum = (a: TensorOrNumber, b: TensorOrNumber): Tensor =>
  binary('max', 'maximum', a, b, (dy, x, y) => selectGrad(dy, x, y, (p, q) => p >= q));
/** Elementwise minimum with broadcasting (ties send the gradient to a). */
export const minimum = (a: TensorOrNumber, b: TensorOrNumber): Tensor =>
  binary('min', 'minimum', a, b, (dy, x, y) => selectGrad(dy, x, y, (p, q) => p <= q));

/** a ** b with broadcasting (b may be a number); d/db uses log(a) and is 0 where a <= 0. */
export function pow(x: TensorOrNumber, y: TensorOrNumber): Tensor {
  const a = toTensor(x, 'pow', 'a'),
    b = toTensor(y, 'pow', 'b');
  const shape = broadcastShapes(a.shape, b.shape, 'pow');
  const out = new Tensor(bcast(a, b, shape, Math.pow), shape);
  return record([a, b], out, (dy) => {
    const da = new Tensor(
      bcast(a, b, shape, (p, q) => (q === 0 ? 0 : q * Math.pow(p, q - 1))),
      shape,
    );
    const db = new Tensor(
      bcast(a, b, shape, (p, q) => (p > 0 ? Math.pow(p, q) * Math.log(p) : 0)),
      shape,
    );
    return [sumTo(mul(dy, da), a.shape), sumTo(mul(dy, db), b.shape)];
  });
}

function unary(op: UnaryOp, x: Tensor): Tensor {
  checkTensor(x, op);
  if (x.size === 0) return x;
  const y = new Tensor(kernels().unary(op, x.data), x.shape);
  return record([x], y, (dy) => [new Tensor(kernels().unaryBackward(op, x.data, y.data, dy.data), x.shape)]);
}

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** |x| (gradient sign(x), 0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** x² */
export const square = (x: Tensor): Tensor => unary('square', x);
/** √x */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** eˣ */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** max(x, 0) (gradient 0 at 0). */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** 1 / (1 + e⁻ˣ) */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);

/** A TS elementwise op: y = f(x), dy/dx = df(x, y). */
function mapOp(op: string, x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  checkTensor(x, op);
  const y = acquire(x.size),
    xd = x.data;
  for (let i = 0; i < y.length; i++) y[i] = f(xd[i]);
  const out = new Tensor(y, x.shape);
  return record([x], out, (dy) => {
    const g = new Float32Array(x.size);
    for (let i = 0; i < g.length; i++) g[i] = dy.data[i] * df(x.data[i], y[i]);
    return [new Tensor(g, x.shape)];
  });
}

/** log(1 + eˣ), computed stably. */
export const softplus = (x: Tensor): Tensor =>
  mapOp(
    'softplus',
    x,
    (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
    (v) => 1 / (1 + Math.exp(-v)),
  );
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor =>
  mapOp(
    'elu',
    x,
    (v) => (v > 0 ? v : alpha * Math.expm1(v)),
    (v, y) => (v > 0 ? 1 : y + alpha),
  );
/** x for x > 0, alpha·x otherwise (Keras default alpha 0.3, TF.js 0.2; here 0.2). */
export const leakyRelu = (x: Tensor, alpha = 0.2): Tensor =>
  mapOp(
    'leakyRelu',
    x,
    (v) => (v > 0 ? v : alpha * v),
    (v) => (v > 0 ? 1 : alpha),
  );
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor =>
  mapOp(
    'rsqrt',
    x,
    (v) => 1 / Math.sqrt(v),
    (v, y) => (-0.5 * y) / v,
  );
/** 1/x */
export const reciprocal = (x: Tensor): Tensor =>
  mapOp(
    'reciprocal',
    x,
    (v) => 1 / v,
    (_v, y) => -y * y,
  );

/** relu6(x + 3) / 6: PyTorch's and Keras 3's hard sigmoid (ONNX HardSigmoid with alpha 1/6, beta 1/2). */
export const hardSigmoid = (x: Tensor): Tensor =>
  mapOp(
    'hardSigmoid',
    x,
    (v) => Math.min(Math.max(v / 6 + 0.5, 0), 1),
    (v) => (v > -3 && v < 3 ? 1 / 6 : 0),
  );
/** x · hardSigmoid(x) (MobileNetV3's hard-swish). */
export const hardSwish = (x: Tensor): Tensor =>
  mapOp(
    'hardSwish',
    x,
    (v) => v * Math.min(Math.max(v / 6 + 0.5, 0), 1),
    (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 3 + 0.5),
  );

/** Clamps to [lo, hi]; the gradient passes where lo ≤ x ≤ hi. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new ValueError(`clip: expected lo <= hi, got lo=${lo}, hi=${hi}`);
  return mapOp(
    'clip',
    x,
    (v) => Math.min(Math.max(v, lo), hi),
    (v) => (v >= lo && v <= hi ? 1 : 0),
  );
}

/** Names accepted by `activation` (and by the `activation` option of conv and dense). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'sigmoid',
  'tanh',
  'softmax',
  'elu',
  'softplus',
  'leakyRelu',
  'relu6',
  'hardSigmoid',
  'hardSwish',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Applies a named activation (Keras names): 'linear', 'relu', 'sigmoid', 'tanh', 'softmax', ... */
export function activation(x: Tensor, name: ActivationName | string): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return relu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x);
    case 'elu':
      return elu(x);
    case 'softplus':
      return softplus(x);
    case 'leakyRelu':
      return leakyRelu(x);
    case 'relu6':
      return clip(x, 0, 6);
    case 'hardSigmoid':
      return hardSigmoid(x);
    case 'hardSwish':
      return hardSwish(x);
    default:
      throw new ValueError(`activation: unknown activation '${name}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}
