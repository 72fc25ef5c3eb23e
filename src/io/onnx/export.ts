// io.saveOnnx: a convkit model as a clean NCHW ONNX graph. Constant weights are transposed here
// (HWIO -> OIHW, depthwise as group = C, Dense as Gemm with transB, the first Dense after a Flatten of
// an image with its rows permuted from H,W,C to C,H,W order), so the only Transposes are at the
// boundary when inputLayout is 'nhwc' (tf2onnx's --inputs-as-nchw is the same idea) and around the
// few layers whose meaning depends on the memory order (Reshape, Permute).
import { Tensor } from '../../tensor';
import * as ops from '../../ops';
import { ValueError } from '../../errors';
import { nodeImport } from '../../platform';
import { Layer, SymbolicTensor, LayerNode } from '../../layers';
import type { Model } from '../../models';
import { QuantizedModel } from '../../quantize';
import { MS_DOMAIN, QdqPlan } from './qdq';
import { resolvePadding } from '../../ops/geometry';
import { convTransposeGeometry } from '../../ops/convtranspose';
import {
  encodeModel,
  floatTensor,
  int64Tensor,
  NodeProto,
  TensorProto,
  ValueInfoProto,
  AttributeProto,
  AttrType,
} from './proto';

/** Options of saveOnnx. */
export interface SaveOnnxOptions {
  /** ONNX opset, 11 to 17 (default 13, or 14 when the model uses hard-swish). */
  opset?: number;
  /** 'nhwc' (default): the file's inputs and outputs are channels-last like convkit's; 'nchw': channels-first. */
  inputLayout?: 'nhwc' | 'nchw';
  /**
   * A quantised model's QDQ form. 'exact' (default): activations are quantised where convkit's int8 plan keeps them
   * int8, so ONNX Runtime reproduces convkit's int8 answers. 'fused': every calibrated value between layers is
   * quantised (ONNX Runtime's own quantiser does this), so ONNX Runtime runs each group as QLinearConv, QLinearAdd,
   * QGemm and so on, at the cost of one more rounding wherever convkit keeps a value float (residual branches).
   */
  qdq?: 'exact' | 'fused';
}

/** An exported value: its ONNX name and whether it holds the convkit tensor's channels-first form. */
export interface Out {
  name: string;
  cf: boolean;
  rank: number;
  /** A Flatten of channels-first data: ONNX flattened C,H,W where convkit flattens H,W,C. */
  flat?: { c: number; hw: number; from: Out };
}

/** ONNX attribute from a JS value. */
export function attr(name: string, v: number | number[] | string, float = false): AttributeProto {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v))
    return float ? { name, type: AttrType.FLOATS, floats: v } : { name, type: AttrType.INTS, ints: v };
  return float ? { name, type: AttrType.FLOAT, f: v } : { name, type: AttrType.INT, i: v };
}

/** Channels-first permutation for rank r: [0, r-1, 1, ..., r-2]. */
const toCfPerm = (r: number): number[] => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
/** Channels-last permutation for rank r: [0, 2, ..., r-1, 1]. */
const toClPerm = (r: number): number[] => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
const known = (s: (number | null)[], what: string): number[] =>
  s.map((d) => {
    if (d === null) throw new ValueError(`saveOnnx: ${what} needs known sizes, got ${JSON.stringify(s)}`);
    return d;
  });
export const tr = (t: Tensor | Float32Array, dims: number[], perm: number[]): Float32Array =>
  ops.transpose(t instanceof Tensor ? t : new Tensor(t, dims), perm).data;

export class Exporter {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private n = 0;
  private readonly names = new Set<string>();
  /** A quantised model's QDQ form (qdq.ts): its int8 layers, and the layers folded into them. */
  qdq: QdqPlan | null = null;
  constructor(readonly opset: number) {}

  fresh(base: string): string {
    let name = base,
      i = 1;
    while (this.names.has(name)) name = `${base}_${i++}`;
    this.names.add(name);
    return name;
  }
  init(base: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(base);
    this.inits.push(floatTensor(name, dims, data));
    return name;
  }
  /** An initializer made by make(name) (integer tensors). */
  tensor(base: string, make: (name: string) => TensorProto): string {
    const name = this.fresh(base);
    this.inits.push(make(name));
    return name;
  }
  ints(base: string, v: number[]): string {
    const name = this.fresh(base);
    this.inits.push(int64Tensor(name, v));
    return name;
  }
  node(
    op: string,
    inputs: string[],
    base: string,
    attrs: AttributeProto[] = [],
    outName?: string,
    domain?: string,
  ): string {
    const out = outName ?? this.fresh(base);
    this.nodes.push({
      op_type: op,
      input: inputs,
      output: [out],
      name: this.fresh(`${base}/${op}_${this.n++}`),
      attribute: attrs,
      ...(domain ? { domain } : {}),
    });
    return out;
  }
  /** The value in channels-first order (rank >= 3). */
  cf(v: Out, base: string): string {
    const p = this.plain(v, base);
    if (p.cf || p.rank < 3) return p.name;
    return this.node('Transpose', [p.name], `${base}_nchw`, [attr('perm', toCfPerm(p.rank))]);
  }
  /** The value in convkit's own order. */
  plain(v: Out, base: string): Out {
    if (v.flat)
      return {
        name: this.node(
          'Flatten',
          [this.node('Transpose', [v.flat.from.name], `${base}_nhwc`, [attr('perm', toClPerm(v.flat.from.rank))])],
          `${base}_flat`,
        ),
        cf: false,
        rank: 2,
      };
    return v;
  }
  clOrder(v: Out, base: string): string {
    const p = this.plain(v, base);
    if (!p.cf || p.rank < 3) return p.name;
    return this.node('Transpose', [p.name], `${base}_nhwc`, [attr('perm', toClPerm(p.rank))]);
  }
  /** Clip to [lo, hi] (attributes before opset 11). */
  clip(x: string, lo: number | null, hi: number | null, base: string): string {
    if (this.opset < 11)
      return this.node('Clip', [x], base, [attr('min', lo ?? -3.4e38, true), attr('max', hi ?? 3.4e38, true)]);
    const c = (v: number | null) => (v === null ? '' : this.init(`${base}_bound`, new Float32Array([v]), []));
    return this.node('Clip', [x, c(lo), c(hi)], base);
  }
  /** A named activation applied to x (channels-first if axisOne). */
  activation(name: string, x: string, base: string, cf: boolean, rank: number): string {
    switch (name) {
      case 'linear':
        return x;
      case 'relu':
        return this.node('Relu', [x], base);
      case 'sigmoid':
        return this.node('Sigmoid', [x], base);
      case 'tanh':
        return this.node('Tanh', [x], base);
      case 'softmax':
        return this.node('Softmax', [x], base, [attr('axis', cf && rank >= 3 ? 1 : -1)]);
      case 'elu':
        return this.node('Elu', [x], base, [attr('alpha', 1, true)]);
      case 'softplus':
        return this.node('Softplus', [x], base);
      case 'leakyRelu':
        return this.node('LeakyRelu', [x], base, [attr('alpha', 0.2, true)]);
      case 'relu6':
        return this.clip(x, 0, 6, base);
      case 'hardSigmoid':
        return this.node('HardSigmoid', [x], base, [attr('alpha', 1 / 6, true), attr('beta', 0.5, true)]);
      case 'hardSwish':
        return this.opset >= 14
          ? this.node('HardSwish', [x], base)
          : this.node(
              'Mul',
              [x, this.node('HardSigmoid', [x], base, [attr('alpha', 1 / 6, true), attr('beta', 0.5, true)])],
              base,
            );
      default:
        throw new ValueError(`saveOnnx: activation '${name}' has no ONNX counterpart here`);
    }
  }
}

/** Explicit ONNX pads [begin..., end...] for a window op, or SAME_UPPER when sizes are unknown. */
export function windowPads(
  layer: Layer,
  padding: unknown,
  inSize: (number | null)[],
  f: number[],
  strides: number[],
  dilation: number[],
): AttributeProto[] {
  if (padding === 'same' && inSize.some((d) => d === null)) return [attr('auto_pad', 'SAME_UPPER')];
  const fe = f.map((k, i) => (k - 1) * dilation[i] + 1);
  // explicit and 'valid' padding do not depend on the input size (which may be unknown)
  const sizes = padding === 'same' ? known(inSize, `layer '${layer.name}'`) : inSize.map((d) => d ?? 1);
  const pads = resolvePadding(`saveOnnx: layer '${layer.name}'`, padding as never, sizes, fe, strides);
  return [attr('pads', [...pads.map((p) => p[0]), ...pads.map((p) => p[1])])];
}

type LayerConverter = (e: Exporter, layer: any, ins: Out[], node: LayerNode, base: string) => Out;

const cfOut = (name: string, rank: number): Out => ({ name, cf: rank >= 3, rank });

const CONVERTERS: Record<string, LayerConverter> = {
  Conv1D: convLayer,
  Conv2D: convLayer,
  Conv3D: convLayer,
  DepthwiseConv2D: (e, l, [x], node, base) => {
    const [fh, fw, c, mult] = l.kernel.shape;
    const w = e.init(`${base}/weight`, tr(l.kernel, l.kernel.shape, [2, 3, 0, 1]), [c * mult, 1, fh, fw]);
    const b = l.bias ? [e.init(`${base}/bias`, l.bias.data, [c * mult])] : [];
    const y = e.node('Conv', [e.cf(x, base), w, ...b], base, [
      attr('group', c),
      attr('kernel_shape', [fh, fw]),
      attr('strides', l.strides),
      attr('dilations', l.dilationRate),
      ...windowPads(l, l.padding, node.inputs[0].shape.slice(1, 3), [fh, fw], l.strides, l.dilationRate),
    ]);
    return cfOut(e.activation(l.activation, y, `${base}/act`, true, 4), 4);
  },
  Conv2DTranspose: (e, l, [x], node, base) => {
    const [fh, fw, o, i] = l.kernel.shape;
    const w = e.init(`${base}/weight`, tr(l.kernel, l.kernel.shape, [3, 2, 0, 1]), [i, o, fh, fw]);
    const b = l.bias ? [e.init(`${base}/bias`, l.bias.data, [o])] : [];
    const inShape = known(node.inputs[0].shape.slice(1), `layer '${l.name}'`);
    const { g } = convTransposeGeometry(`saveOnnx: layer '${l.name}'`, [1, ...inShape], l.kernel.shape, {
      strides: l.strides,
      dilation: l.dilationRate,
      padding: l.padding,
      outputPadding: l.outputPadding ?? 0,
    });
    const outShape = known(node.outputs[0].shape.slice(1, 3), `layer '${l.name}'`);
    const padBottom = (inShape[0] - 1) * l.strides[0] + (fh - 1) * l.dilationRate[0] + 1 - g.padTop - outShape[0];
    const padRight = (inShape[1] - 1) * l.strides[1] + (fw - 1) * l.dilationRate[1] + 1 - g.padLeft - outShape[1];
    // output_padding is folded into negative end pads where needed: ONNX takes pads >= 0, so split
    const outPad = [Math.max(-padBottom, 0), Math.max(-padRight, 0)];
    const y = e.node('ConvTranspose', [e.cf(x, base), w, ...b], base, [
      attr('kernel_shape', [fh, fw]),
      attr('strides', l.strides),
      attr('dilations', l.dilationRate),
      attr('pads', [g.padTop, g.padLeft, Math.max(padBottom, 0), Math.max(padRight, 0)]),
      attr('output_padding', outPad),
    ]);
    return cfOut(e.activation(l.activation, y, `${base}/act`, true, 4), 4);
  },
  Dense: (e, l, [x], node, base) => {
    const [k, n] = l.kernel.shape;
    let kernel: Float32Array = l.kernel.data;
    if (x.flat) {
      // convkit row p·C + c is ONNX row c·HW + p
      const { c, hw } = x.flat;
      kernel = new Float32Array(k * n);
      for (let p = 0; p < hw; p++)
        for (let ch = 0; ch < c; ch++)
          kernel.set(l.kernel.data.subarray((p * c + ch) * n, (p * c + ch + 1) * n), (ch * hw + p) * n);
    }
    const act = (y: string, rank: number) => ({
      name: e.activation(l.activation, y, `${base}/act`, false, rank),
      cf: false,
      rank,
    });
    if (x.rank === 2) {
      const w = e.init(`${base}/weight`, tr(kernel, [k, n], [1, 0]), [n, k]);
      const b = l.bias ? [e.init(`${base}/bias`, l.bias.data, [n])] : [];
      return act(e.node('Gemm', [x.flat ? x.name : e.plain(x, base).name, w, ...b], base, [attr('transB', 1)]), 2);
    }
    const y = e.node('MatMul', [e.clOrder(x, base), e.init(`${base}/weight`, kernel, [k, n])], base);
    return act(l.bias ? e.node('Add', [y, e.init(`${base}/bias`, l.bias.data, [n])], base) : y, x.rank);
  },
  Flatten: (e, _l, [x], node, base) => {
    if (x.rank < 3 || !x.cf) return { name: e.node('Flatten', [e.plain(x, base).name], base), cf: false, rank: 2 };
    const s = node.inputs[0].shape;
    const c = s[s.length - 1],
      hw = s.slice(1, -1).reduce<number>((a, d) => a * (d ?? NaN), 1);
    const name = e.node('Flatten', [x.name], base);
    return hw === 1 || !Number.isFinite(hw) || c === null
      ? { name: e.node('Flatten', [e.clOrder(x, base)], `${base}_hwc`), cf: false, rank: 2 }
      : { name, cf: false, rank: 2, flat: { c, hw, from: x } };
  },
  Activation: (e, l, [x], _n, base) => {
    const p = e.plain(x, base);
    return { ...p, name: e.activation(l.activation, p.name, base, p.cf, p.rank) };
  },
  ReLU: (e, l, [x], _n, base) => {
    const p = e.plain(x, base);
    let y =
      l.negativeSlope > 0
        ? e.node('LeakyRelu', [p.name], base, [attr('alpha', l.negativeSlope, true)])
        : e.node('Relu', [p.name], base);
    if (l.maxValue !== null) y = e.clip(y, null, l.maxValue, `${base}/max`);
    return { ...p, name: y };
  },
  LeakyReLU: (e, l, [x], _n, base) => {
    const p = e.plain(x, base);
    return { ...p, name: e.node('LeakyRelu', [p.name], base, [attr('alpha', l.alpha, true)]) };
  },
  PReLU: (e, l, [x], _n, base) => {
    const p = e.plain(x, base);
    const a: Tensor = l.alpha,
      r = a.rank + 1;
    const slope =
      p.cf && r >= 3
        ? e.init(
            `${base}/slope`,
            tr(
              a,
              a.shape,
              toCfPerm(r)
                .slice(1)
                .map((d) => d - 1),
            ),
            toCfPerm(r)
              .slice(1)
              .map((d) => a.shape[d - 1]),
          )
        : e.init(`${base}/slope`, a.data, a.shape);
    return { ...p, name: e.node('PRelu', [p.name, slope], base) };
  },
  Softmax: (e, l, [x], _n, base) => {
    const p = e.plain(x, base);
    const a = l.axis < 0 ? l.axis + p.rank : l.axis;
    const axis = p.cf && p.rank >= 3 ? (a === p.rank - 1 ? 1 : a + 1) : a;
    if (e.opset < 13 && axis !== p.rank - 1)
      return { name: e.node('Softmax', [e.clOrder(p, base)], base, [attr('axis', a)]), cf: false, rank: p.rank };
    return { ...p, name: e.node('Softmax', [p.name], base, [attr('axis', axis)]) };
  },
  BatchNormalization: (e, l, [x], _n, base) => {
    const c = l.movingMean.size;
    const ps = [
      l.gamma?.data ?? new Float32Array(c).fill(1),
      l.beta?.data ?? new Float32Array(c),
      l.movingMean.data,
      l.movingVariance.data,
    ].map((d, i) => e.init(`${base}/${['scale', 'bias', 'mean', 'var'][i]}`, d, [c]));
    const input = x.rank >= 3 ? e.cf(x, base) : e.plain(x, base).name;
    return cfOut(
      e.node('BatchNormalization', [input, ...ps], base, [
        attr('epsilon', l.epsilon, true),
        attr('momentum', l.momentum, true),
      ]),
      x.rank,
    );
  },
  Dropout: (_e, _l, [x]) => x,
  Add: merge('Add'),
  Multiply: merge('Mul'),
  Subtract: merge('Sub'),
  Concatenate: (e, l, ins, _n, base) => {
    const r = ins[0].rank,
      a = l.axis < 0 ? l.axis + r : l.axis;
    const cf = r >= 3;
    const names = ins.map((v) => (cf ? e.cf(v, base) : e.plain(v, base).name));
    return cfOut(e.node('Concat', names, base, [attr('axis', cf ? (a === r - 1 ? 1 : a + 1) : a)]), r);
  },
  ZeroPadding2D: (e, l, [x], _n, base) => {
    const [[t, b], [le, r]] = l.padding;
    return cfOut(pad(e, e.cf(x, base), [0, 0, t, le, 0, 0, b, r], base), 4);
  },
  ZeroChannels: (e, l, [x], _n, base) => cfOut(pad(e, e.cf(x, base), [0, 0, 0, 0, 0, l.channels, 0, 0], base), 4),
  MaxPooling1D: poolLayer('MaxPool'),
  MaxPooling2D: poolLayer('MaxPool'),
  MaxPooling3D: poolLayer('MaxPool'),
  AveragePooling1D: poolLayer('AveragePool'),
  AveragePooling2D: poolLayer('AveragePool'),
  AveragePooling3D: poolLayer('AveragePool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  Reshape: (e, l, [x], _n, base) => {
    const y = e.node('Reshape', [e.clOrder(x, base), e.ints(`${base}/shape`, [0, ...l.targetShape])], base);
    const r = l.targetShape.length + 1;
    return r >= 3
      ? { name: e.node('Transpose', [y], `${base}_nchw`, [attr('perm', toCfPerm(r))]), cf: true, rank: r }
      : { name: y, cf: false, rank: r };
  },
  Permute: (e, l, [x], _n, base) => {
    const r = x.rank;
    // in channels-first terms: convkit order -> permuted -> channels-first, as one Transpose
    const perm = [0, ...l.dims];
    const src = e.clOrder(x, base);
    const total = r >= 3 ? toCfPerm(r).map((i) => perm[i]) : perm;
    return { name: e.node('Transpose', [src], base, [attr('perm', total)]), cf: r >= 3, rank: r };
  },
  Slice: (e, l, [x], node, base) => {
    const p = e.plain(x, base),
      r = p.rank;
    const axes = l.begin.map((_: number, i: number) => (p.cf && r >= 3 ? (i + 1 === r - 1 ? 1 : i + 2) : i + 1));
    const ends = l.begin.map((b: number, i: number) => (l.size[i] === -1 ? 2 ** 31 - 1 : b + l.size[i]));
    void node;
    return {
      ...p,
      name: e.node(
        'Slice',
        [p.name, e.ints(`${base}/starts`, l.begin), e.ints(`${base}/ends`, ends), e.ints(`${base}/axes`, axes)],
        base,
      ),
    };
  },
  UpSampling2D: (e, l, [x], _n, base) =>
    cfOut(
      resize(
        e,
        e.cf(x, base),
        base,
        l.interpolation === 'nearest' ? 'nearest' : 'linear',
        l.interpolation === 'nearest' ? 'asymmetric' : 'half_pixel',
        'floor',
        [1, 1, l.size[0], l.size[1]],
      ),
      4,
    ),
  Resizing: (e, l, [x], node, base) => {
    const inS = known(node.inputs[0].shape.slice(1, 3), `layer '${l.name}'`);
    const scale = l.scale ?? [l.height / inS[0], l.width / inS[1]];
    // ONNX sizes its output floor(in · scale): nudge a scale whose float product falls short
    const fit = scale.map((s: number, i: number) =>
      Math.floor(Math.fround(s) * inS[i]) === [l.height, l.width][i] ? s : ([l.height, l.width][i] + 1e-4) / inS[i],
    );
    return cfOut(
      resize(
        e,
        e.cf(x, base),
        base,
        l.interpolation === 'nearest' ? 'nearest' : 'linear',
        l.coordinateTransformation,
        l.nearestMode,
        [1, 1, ...fit],
      ),
      4,
    );
  },
  Rescaling: (e, l, [x], node, base) => {
    const p = e.plain(x, base),
      r = p.rank;
    const constant = (v: number | Tensor, what: string): string => {
      if (typeof v === 'number') return e.init(`${base}/${what}`, new Float32Array([v]), []);
      const dims = [...new Array(r - v.rank).fill(1), ...v.shape];
      return p.cf && r >= 3
        ? e.init(
            `${base}/${what}`,
            tr(v.data, dims, toCfPerm(r)),
            toCfPerm(r).map((i) => dims[i]),
          )
        : e.init(`${base}/${what}`, v.data, dims);
    };
    void node;
    let y = p.name;
    if (l.scale !== 1) y = e.node('Mul', [y, constant(l.scale, 'scale')], base);
    if (l.offset !== 0) y = e.node('Add', [y, constant(l.offset, 'offset')], base);
    return { ...p, name: y === p.name ? e.node('Identity', [y], base) : y };
  },
  UnitNormalization: (e, _l, [x], _n, base) => {
    const p = e.plain(x, base);
    return {
      ...p,
      name: e.node('LpNormalization', [p.name], base, [attr('axis', p.cf && p.rank >= 3 ? 1 : -1), attr('p', 2)]),
    };
  },
};

function convLayer(e: Exporter, l: any, [x]: Out[], node: LayerNode, base: string): Out {
  const r = l.rank as number,
    k: Tensor = l.kernel;
  const perm = [r + 1, r, ...Array.from({ length: r }, (_, i) => i)];
  const w = e.init(
    `${base}/weight`,
    tr(k, k.shape, perm),
    perm.map((i) => k.shape[i]),
  );
  const b = l.bias ? [e.init(`${base}/bias`, l.bias.data, [l.filters])] : [];
  const y = e.node('Conv', [e.cf(x, base), w, ...b], base, [
    attr('group', l.groups ?? 1),
    attr('kernel_shape', l.kernelSize),
    attr('strides', l.strides),
    attr('dilations', l.dilationRate),
    ...windowPads(l, l.padding, node.inputs[0].shape.slice(1, r + 1), l.kernelSize, l.strides, l.dilationRate),
  ]);
  return cfOut(e.activation(l.activation, y, `${base}/act`, true, r + 2), r + 2);
}

function poolLayer(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (e, l, [x], node, base) => {
    const r = l.rank as number;
    const y = e.node(op, [e.cf(x, base)], base, [
      attr('kernel_shape', l.poolSize),
      attr('strides', l.strides),
      ...windowPads(
        l,
        l.padding,
        node.inputs[0].shape.slice(1, r + 1),
        l.poolSize,
        l.strides,
        l.poolSize.map(() => 1),
      ),
      ...(op === 'AveragePool' ? [attr('count_include_pad', 0)] : []),
    ]);
    return cfOut(y, r + 2);
  };
}

function globalPool(op: string): LayerConverter {
  return (e, l, [x], _n, base) => {
    const y = e.node(op, [e.cf(x, base)], base);
    return l.keepdims ? cfOut(y, 4) : { name: e.node('Flatten', [y], `${base}_flat`), cf: false, rank: 2 };
  };
}

function merge(op: string): LayerConverter {
  return (e, _l, ins, _n, base) => {
    const cf = ins.every((v) => v.rank === ins[0].rank && v.rank >= 3);
    const names = ins.map((v) => (cf ? e.cf(v, base) : e.plain(v, base).name));
    const y = names.slice(1).reduce((a, b) => e.node(op, [a, b], base), names[0]);
    return { name: y, cf, rank: Math.max(...ins.map((v) => v.rank)) };
  };
}

function pad(e: Exporter, x: string, pads: number[], base: string): string {
  return e.opset < 11
    ? e.node('Pad', [x], base, [attr('pads', pads), attr('mode', 'constant')])
    : e.node('Pad', [x, e.ints(`${base}/pads`, pads)], base, [attr('mode', 'constant')]);
}

function resize(
  e: Exporter,
  x: string,
  base: string,
  mode: string,
  coord: string,
  nearest: string,
  scales: number[],
): string {
  const s = e.init(`${base}/scales`, Float32Array.from(scales), [4]);
  return e.node('Resize', [x, '', s], base, [
    attr('mode', mode),
    attr('coordinate_transformation_mode', coord),
    attr('nearest_mode', nearest),
  ]);
}

/** The model's layer nodes with nested models inlined, in execution order. */
function walk(e: Exporter, model: Model, values: Map<SymbolicTensor, Out>, prefix: string): void {
  for (const node of model.nodes) {
    const layer = node.layer;
    const ins = node.inputs.map((s) => values.get(s)!);
    if ((layer as Model).nodes && (layer as Model).inputs) {
      const inner = layer as Model;
      inner.inputs.forEach((s, i) => values.set(s, ins[i]));
      walk(e, inner, values, `${prefix}${layer.name}/`);
      values.set(node.outputs[0], values.get(inner.outputs[0])!);
      continue;
    }
    if (e.qdq?.foldsPad(node, model.nodes, model.outputs)) {
      values.set(node.outputs[0], ins[0]);
      continue;
    }
    const q = e.qdq?.role(node);
    if (q === 'folded') {
      values.set(node.outputs[0], ins[0]);
      continue;
    }
    if (q === 'int8') {
      values.set(node.outputs[0], e.qdq!.int8Layer(e, layer, ins[0], node, `${prefix}${layer.name}`));
      continue;
    }
    const conv = CONVERTERS[layer.className];
    if (!conv) throw new ValueError(`saveOnnx: layer '${layer.name}' (${layer.className}) has no ONNX export`);
    const base = `${prefix}${layer.name}`;
    const out = conv(e, layer, e.qdq ? e.qdq.addInputs(e, node, ins, base) : ins, node, base);
    values.set(node.outputs[0], e.qdq ? e.qdq.requantised(e, node, out) : out);
  }
}

/** Layers of a model (nested ones included) that saveOnnx cannot export, as "name (Class)". */
export function unexportableLayers(model: Model): string[] {
  const out: string[] = [];
  for (const n of model.nodes) {
    const l = n.layer as Model;
    if (l.nodes && l.inputs) out.push(...unexportableLayers(l));
    else if (!CONVERTERS[l.className]) out.push(`'${l.name}' (${l.className})`);
  }
  return out;
}

const usesHardSwish = (m: Model): boolean =>
  m.nodes.some((n) => {
    const l = n.layer as any;
    return (l.nodes && l.inputs && usesHardSwish(l)) || l.activation === 'hardSwish';
  });

/**
 * The model as ONNX bytes (and written to destination when given, in Node). A quantised model (quantize()) is
 * written as a QDQ graph: int8 weights per channel, activations per tensor at its calibrated ranges (opset 13+).
 */
export async function saveOnnx(model: Model, destination?: string, opts: SaveOnnxOptions = {}): Promise<Uint8Array> {
  const bytes = toOnnx(model, opts);
  if (destination !== undefined) {
    if (typeof destination !== 'string')
      throw new ValueError(`saveOnnx: destination must be a file path, got ${typeof destination}`);
    const { writeFile, mkdir } = await nodeImport('node:fs/promises');
    const { dirname } = await nodeImport('node:path');
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(destination, bytes);
  }
  return bytes;
}

/** Encodes a model as ONNX bytes. */
export function toOnnx(model: Model, opts: SaveOnnxOptions = {}): Uint8Array {
  if (!model || !Array.isArray((model as Model).nodes))
    throw new ValueError('saveOnnx: expected a convkit Model or Sequential');
  const quantised = model instanceof QuantizedModel;
  const opset = opts.opset ?? (usesHardSwish(model) ? 14 : 13);
  if (quantised && opset < 13)
    throw new ValueError(
      `saveOnnx: a quantised model needs opset 13 or later (per-channel DequantizeLinear), got ${opset}`,
    );
  const layout = opts.inputLayout ?? 'nhwc';
  if (!Number.isInteger(opset) || opset < 11 || opset > 17)
    throw new ValueError(`saveOnnx: opset must be 11 to 17, got ${opts.opset}`);
  if (opts.qdq !== undefined && opts.qdq !== 'exact' && opts.qdq !== 'fused')
    throw new ValueError(`saveOnnx: qdq must be 'exact' or 'fused', got ${JSON.stringify(opts.qdq)}`);
  if (layout !== 'nhwc' && layout !== 'nchw')
    throw new ValueError(`saveOnnx: inputLayout must be 'nhwc' or 'nchw', got ${JSON.stringify(layout)}`);
  const bad = unexportableLayers(model);
  if (bad.length) throw new ValueError(`saveOnnx: ${bad.length} layer(s) have no ONNX export: ${bad.join(', ')}`);
  const e = new Exporter(opset);
  if (quantised) e.qdq = new QdqPlan(model, opts.qdq === 'fused');
  const values = new Map<SymbolicTensor, Out>();
  const info = (name: string, shape: (number | null)[]): ValueInfoProto => ({
    name,
    type: {
      tensor_type: {
        elem_type: 1,
        shape: {
          dim: shape.map((d, i) => (d === null ? { dim_param: i === 0 ? 'batch' : `d${i}` } : { dim_value: d })),
        },
      },
    },
  });
  const inputs = model.inputs.map((s) => {
    const r = s.shape.length,
      name = e.fresh(s.layer.name);
    const cfShape = r >= 3 ? toCfPerm(r).map((i) => s.shape[i]) : s.shape;
    // NHWC files transpose once at the boundary, so everything inside is NCHW (and loadOnnx recognises the input)
    values.set(
      s,
      layout === 'nchw' || r < 3
        ? { name, cf: r >= 3, rank: r }
        : { name: e.node('Transpose', [name], `${name}_nchw`, [attr('perm', toCfPerm(r))]), cf: true, rank: r },
    );
    return info(name, layout === 'nchw' ? cfShape : s.shape);
  });
  walk(e, model, values, '');
  const outputs = model.outputs.map((s, i) => {
    const v = values.get(s)!,
      r = s.shape.length;
    const name = e.fresh(model.outputs.length === 1 ? 'output' : `output_${i}`);
    const src = layout === 'nchw' ? e.cf(v, name) : e.clOrder(v, name);
    e.node('Identity', [src], name, [], name);
    return info(name, layout === 'nchw' && r >= 3 ? toCfPerm(r).map((j) => s.shape[j]) : s.shape);
  });
  return encodeModel({
    ir_version: opset >= 15 ? 8 : 7,
    producer_name: 'convkit',
    // ONNX Runtime's contrib domain: the int16 QuantizeLinear / DequantizeLinear of int16 activations
    opset_import: [
      { domain: '', version: opset },
      ...(e.nodes.some((n) => n.domain === MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : []),
    ],
    graph: { name: model.name, node: e.nodes, initializer: e.inits, input: inputs, output: outputs },
  });
}
