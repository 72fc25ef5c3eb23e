// The steps an inference plan runs, over numbered values (tensors of known shape). Lowering (lower.ts)
// turns a model's graph into steps, fusion (fuse.ts) merges them, memory.ts places the values in one
// arena and run.ts executes them on a WebAssembly build.
import type { ConvGeometry, DepthwiseGeometry, PoolGeometry } from '../../backend/kernels';
import type { Layer } from '../../layers';
import type { Tensor } from '../../tensor';
import type { QAddParams } from '../../backend/js/int8';

/** Activations a step applies in place or in its kernel's epilogue (codes of assembly/epilogue.ts). */
export const ACT = { linear: 0, relu: 1, relu6: 2, leaky: 3, reluMax: 4 } as const;
/** The codes every conv/GEMM epilogue applies as it stores; the others run as an activate step. */
export const EPILOGUE_ACTS: readonly number[] = [ACT.linear, ACT.relu, ACT.relu6];

/** A value: shape (batch first) and, after fusion, the value whose memory it shares (views, in-place ops). */
export interface Value {
  shape: number[];
  size: number;
  alias?: number;
  /** Quantised values (int8 plans): one byte per element ('u8', 'i8') or two ('i16'); float32 when absent. */
  dtype?: 'u8' | 'i8' | 'i16';
}

/** Bytes per element of a value. */
export const bytesOf = (v: Value): number => (v.dtype === 'i16' ? 2 : v.dtype ? 1 : 4);

/** The kernels' element type code of a quantised value (assembly/int8.ts T_U8, T_I8, T_I16). */
export const qTypeOfValue = (v: Value): number => (v.dtype === 'i16' ? 2 : v.dtype === 'i8' ? 1 : 0);

/** Arena floats a value takes (bytes rounded up to whole floats, plus one v128 of slack for quantised tails). */
export const floatsOf = (v: Value): number => (v.dtype ? Math.ceil((v.size * bytesOf(v)) / 4) + 4 : v.size);

/** Weights the plan owns: folded copies, or a Variable's data when nothing folds into it. */
export type Weights = Float32Array;

export type Step =
  /** y = act(conv(x, w) + bias) (+ the old y first, for a fused residual: accumulate). */
  | {
      kind: 'conv';
      x: number;
      y: number;
      g: ConvGeometry;
      w: Weights;
      bias: Weights | null;
      act: number;
      residual?: number;
      layer?: string;
    }
  | {
      kind: 'depthwise';
      x: number;
      y: number;
      g: DepthwiseGeometry;
      w: Weights;
      bias: Weights | null;
      act: number;
      layer?: string;
    }
  /** y [m, n] = act(x [m, k] · w [k, n] + bias). */
  | {
      kind: 'dense';
      x: number;
      y: number;
      m: number;
      k: number;
      n: number;
      w: Weights;
      bias: Weights | null;
      act: number;
      layer?: string;
    }
  /**
   * An int8 GEMM (a dense layer or 1x1 convolution: x [m, k]), im2col convolution or depthwise convolution
   * (assembly/int8.ts): w packed, channels the per-channel corrections then multipliers, params the call's block.
   */
  | {
      kind: 'int8';
      op: 'gemm' | 'conv' | 'depthwise';
      x: number;
      y: number;
      m: number;
      k: number;
      n: number;
      g: ConvGeometry | null;
      w: Int16Array;
      channels: Int32Array;
      params: Int32Array;
      layer?: string;
    }
  /** y (int8 or uint8) = clamp(nearest(x / scale)) + zero. */
  | { kind: 'quantize'; x: number; y: number; scale: number; zero: number; qmin: number; qmax: number }
  /** y (float) = (x - zero)·scale. */
  | { kind: 'dequantize'; x: number; y: number; scale: number; zero: number }
  /** Pooling; int8 plans' max pooling over quantised x and y (one scale) carries their zero point. */
  | { kind: 'pool'; x: number; y: number; max: boolean; g: PoolGeometry; zero?: number }
  /** y [batch, channels] = mean over the cells of x [batch, cells, channels]. */
  | { kind: 'mean'; x: number; y: number; batch: number; cells: number; channels: number }
  /** Per-channel y = x·scale + shift (a batch norm with nothing to fold into). */
  | { kind: 'affine'; x: number; y: number; scale: Weights; shift: Weights; channels: number }
  /** y = act(x) with parameter alpha (leaky slope, ReLU cap). */
  | { kind: 'activate'; x: number; y: number; act: number; alpha: number }
  /** y = sigmoid(x) or tanh(x) (the eltwise kernels' codes). */
  | { kind: 'unary'; x: number; y: number; op: 'sigmoid' | 'tanh' }
  | { kind: 'softmax'; x: number; y: number; rows: number; cols: number }
  /** y = act(x0 + x1 + ...). */
  | { kind: 'add'; xs: number[]; y: number; act: number; layer?: string }
  /** y = x0 + x1 on quantised values (assembly/int8.ts qadd): requantised at y's scale, ReLU / ReLU6 in the clamp. */
  | { kind: 'qadd'; xs: number[]; y: number; q: QAddParams }
  /** y = the inputs side by side along the last axis (each input `cols` wide, `rows` rows). */
  | { kind: 'concat'; xs: number[]; y: number; rows: number; cols: number[] }
  /** y = x zero-padded in height and width ([N,H,W,C]). */
  | { kind: 'pad'; x: number; y: number; top: number; bottom: number; left: number; right: number }
  /** A layer with no kernel here: its inputs leave WebAssembly memory, it runs eagerly, its output comes back. */
  | { kind: 'eager'; layer: Layer; xs: number[]; y: number; run: (xs: Tensor[]) => Tensor };

/** The values a step reads. */
export const inputsOf = (s: Step): number[] =>
  'xs' in s ? s.xs : s.kind === 'conv' && s.residual !== undefined ? [s.x, s.residual] : [s.x];

/** A lowered network: its values, steps, and which values are the inputs and outputs. */
export interface Program {
  values: Value[];
  steps: Step[];
  inputs: number[];
  outputs: number[];
}

/** A 1x1x1 convolution, stride 1, no padding: a GEMM of the input's pixels by the filters. */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.fD * g.fH * g.fW === 1 &&
    g.strideD * g.strideH * g.strideW === 1 &&
    g.padFront + g.padTop + g.padLeft === 0 &&
    g.outD === g.inD &&
    g.outH === g.inH &&
    g.outW === g.inW
  );
}
