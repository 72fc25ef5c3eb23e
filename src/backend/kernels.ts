// The kernel contract: every backend ('js' reference, 'wasm' scalar, 'wasm-simd') implements these
// with the same semantics. Kernels take flat row-major Float32Arrays plus precomputed geometry,
// assume valid input (ops validate first) and return fresh output arrays they never reuse.

export type BackendName = 'js' | 'wasm' | 'wasm-simd' | 'wasm-relaxed-simd';

/** Fused epilogue applied when storing a result. */
export type Activation = 'linear' | 'relu';

/**
 * Geometry of a convolution over NDHWC data; 2D uses inD = outD = fD = 1, 1D also inH = outH = fH = 1.
 * Filters are [fD, fH, fW, inC, outC]. Padding at the back/bottom/right is implied by the output size.
 * out = floor((in + padBefore + padAfter - dilation*(f-1) - 1) / stride) + 1.
 */
export interface ConvGeometry {
  batch: number;
  inD: number;
  inH: number;
  inW: number;
  inC: number;
  outD: number;
  outH: number;
  outW: number;
  outC: number;
  fD: number;
  fH: number;
  fW: number;
  strideD: number;
  strideH: number;
  strideW: number;
  dilationD: number;
  dilationH: number;
  dilationW: number;
  padFront: number;
  padTop: number;
  padLeft: number;
}

/**
 * Depthwise 2D convolution: filters [fH, fW, inC, multiplier], output channel c*multiplier+m.
 * Uses ConvGeometry with inD = outD = fD = 1 and outC = inC * multiplier.
 */
export interface DepthwiseGeometry extends ConvGeometry {
  multiplier: number;
}

/** Geometry of pooling over NDHWC data (2D: inD = outD = poolD = 1). Padded cells are ignored by both max and avg. */
export interface PoolGeometry {
  batch: number;
  channels: number;
  inD: number;
  inH: number;
  inW: number;
  outD: number;
  outH: number;
  outW: number;
  poolD: number;
  poolH: number;
  poolW: number;
  strideD: number;
  strideH: number;
  strideW: number;
  padFront: number;
  padTop: number;
  padLeft: number;
}

export type UnaryOp = 'relu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'neg' | 'abs' | 'square' | 'sqrt';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

export interface Kernels {
  readonly name: BackendName;

  /**
   * C[m,n] = op(A)·op(B) (+ bias[n]) then activation. op(A) is m×k: A is stored [m,k], or [k,m] when transA.
   * op(B) is k×n: B is stored [k,n], or [n,k] when transB. bias may be null.
   */
  matmul(
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    bias: Float32Array | null,
    activation: Activation,
  ): Float32Array;

  /** Batched Gram matrix: a is [batch, hw, c] → [batch, c, c], G[k][k'] = Σ_i a[i][k]·a[i][k']. */
  gram(a: Float32Array, batch: number, hw: number, c: number): Float32Array;

  /**
   * Cross-correlation, x [batch,inD,inH,inW,inC], w [fD,fH,fW,inC,outC] → [batch,outD,outH,outW,outC] (+ bias[outC],
   * activation).
   */
  conv(
    x: Float32Array,
    w: Float32Array,
    g: ConvGeometry,
    bias: Float32Array | null,
    activation: Activation,
  ): Float32Array;
  /** dL/dx of conv given dy [batch,outD,outH,outW,outC] → [batch,inD,inH,inW,inC]. */
  convBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array;
  /** dL/dw of conv given x and dy → [fD,fH,fW,inC,outC]. */
  convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array;

  /**
   * Depthwise 2D convolution, x [batch,1,inH,inW,inC], w [fH,fW,inC,multiplier] → [batch,1,outH,outW,inC*multiplier].
   */
  depthwiseConv(x: Float32Array, w: Float32Array, g: DepthwiseGeometry): Float32Array;
  depthwiseConvBackpropInput(dy: Float32Array, w: Float32Array, g: DepthwiseGeometry): Float32Array;
  depthwiseConvBackpropFilter(x: Float32Array, dy: Float32Array, g: DepthwiseGeometry): Float32Array;

  /** Max pooling over windows (padded cells ignored) → [batch,outD,outH,outW,channels]. */
  maxPool(x: Float32Array, g: PoolGeometry): Float32Array;
  /**
   * Routes each dy to the first maximal input cell of its window (ties: first in scan order). With
   * positiveOnly, a window whose maximum is not > 0 routes nothing: for a ReLU output x this is the
   * ReLU's backward mask applied too (it zeroes exactly those cells).
   */
  maxPoolBackward(x: Float32Array, dy: Float32Array, g: PoolGeometry, positiveOnly?: boolean): Float32Array;
  /** Average pooling: divides by the number of window cells inside the input (Keras/TF). */
  avgPool(x: Float32Array, g: PoolGeometry): Float32Array;
  avgPoolBackward(dy: Float32Array, g: PoolGeometry): Float32Array;

  /** Elementwise y = op(x). */
  unary(op: UnaryOp, x: Float32Array): Float32Array;
  /** dL/dx of unary op given x, y = op(x) and dy. */
  unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array): Float32Array;
  /** Elementwise a op b where b.length divides a.length: b repeats over a (bias-add style broadcast). */
  binary(op: BinaryOp, a: Float32Array, b: Float32Array): Float32Array;
  /** Row-wise softmax of x [rows, cols]. */
  softmax(x: Float32Array, rows: number, cols: number): Float32Array;
  /** Per-channel y = x·scale[k] + shift[k] over channels-last x [rows, channels] (inference batch norm). */
  channelAffine(x: Float32Array, scale: Float32Array, shift: Float32Array, channels: number): Float32Array;
  /**
   * Per-channel sums over channels-last x [rows, channels] → [channels] (bias gradients; f64 or blocked f32 partial
   * sums).
   */
  channelSums(x: Float32Array, channels: number): Float32Array;

  /**
   * One Adam step in place (the exception to fresh outputs: optimizer state): m = b1·m + (1-b1)·g,
   * v = b2·v + (1-b2)·g², w -= lr·m / (√v + epsilon); lr already bias-corrected. w, g, m, v have equal lengths.
   */
  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
}

/** One family of kernels (conv, pool, ...); a backend is the union of its families. */
export type KernelFamily = Partial<Omit<Kernels, 'name'>>;
