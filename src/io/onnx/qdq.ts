// io.saveOnnx of a quantised model: a QDQ graph (ONNX Runtime's and TensorRT's format for static quantisation).
// Each int8 layer becomes DequantizeLinear(int8 weights, per-channel scales, axis 0) and DequantizeLinear(int32
// bias) feeding a Conv / Gemm / MatMul, its input passing through QuantizeLinear -> DequantizeLinear at the
// calibrated range, and its output too where convkit keeps it int8 (read by another int8 layer or int8 residual add);
// an int8 residual add's sum (after its ReLU) passes through QuantizeLinear -> DequantizeLinear as well. Weights are
// the batch-norm-folded ones the int8 plan uses, so the batch norms and ReLUs folded into an int8 layer are not
// exported again. ONNX Runtime fuses a DQ -> Conv -> Q group into a QLinearConv only when a QuantizeLinear follows
// the Conv (ReLU / ReLU6 between them it drops when the output range already clamps), and DQ, DQ -> Add -> Q into
// QLinearAdd; a Conv whose output stays float (read by float pooling) runs as a float Conv that dequantises its
// weights on every run, with layout transposes around it. The 'fused' form therefore quantises every calibrated
// value between layers, as ORT's own quantiser does. Everything is derived from the model, its settings and its
// calibrated ranges (through the float plan that numbered them), not from the int8 plan. Int16 activations
// (quantize's 16x8 mode) take ONNX Runtime's contrib QuantizeLinear / DequantizeLinear (domain com.microsoft), which
// read int16 at any opset where ONNX's own need opset 21; ORT runs those groups in float (it has no int16 QLinear
// ops), and where convkit shares one scale across an int8 max pool the export gives the pool's input its own.
import { ValueError } from '../../errors';
import { Model } from '../../models/model';
import { lower } from '../../models/plan/lower';
import { fuse } from '../../models/plan/fuse';
import { ACT, type Program, type Step } from '../../models/plan/steps';
import {
  BatchNormalization,
  ReLU,
  Activation,
  ZeroPadding2D,
  type Layer,
  type LayerNode,
  type SymbolicTensor,
} from '../../layers';
import type { QuantizedModel } from '../../quantize';
import { int16Limits, int8Values, valueParams, weightScales } from '../../quantize/program';
import { attr, tr, windowPads, type Exporter, type Out } from './export';
import { floatTensor, intTensor } from './proto';

type Kernel = Extract<Step, { kind: 'conv' | 'depthwise' | 'dense' }>;
const isModel = (l: Layer): l is Model => l instanceof Model;

/** ONNX Runtime's contrib operator domain. */
export const MS_DOMAIN = 'com.microsoft';

/** What an activation's QuantizeLinear takes: scale and zero point. */
interface QParams {
  scale: number;
  zero: number;
}

export class QdqPlan {
  private readonly symbols = new Map<SymbolicTensor, number>();
  private readonly p: Program;
  private readonly ranges: Map<number, [number, number]>;
  /** Values some step of the fused float program writes. */
  private readonly written = new Set<number>();
  /** Each int8 layer's fused float steps, in call order. */
  private readonly kernels = new Map<string, Kernel[]>();
  /** Roots of the values convkit keeps int8 (an int8 step's output that another int8 step or int8 add reads). */
  private readonly quantised: Set<number>;
  /** The residual adds convkit runs int8. */
  private readonly adds: Array<Extract<Step, { kind: 'add' }>>;
  /** Graph tensors that are an int8 step's result (or a folded layer after one): that step's output value. */
  private readonly chain = new Map<SymbolicTensor, number>();
  /** DequantizeLinear outputs already made, by input name and parameters. */
  private readonly dq = new Map<string, string>();
  /** Roots of the program's outputs (left float in either form). */
  private readonly outRoots: Set<number>;
  /** ZeroPadding2D outputs folded into the pads of the int8 convolutions reading them ([[top, bottom], [l, r]]). */
  private readonly padded = new Map<SymbolicTensor, [[number, number], [number, number]]>();
  private readonly signed: boolean;
  /** int16 activations (quantize's 16x8 mode), and each int16 value's largest level by root (int16Limits). */
  private readonly wide: boolean;
  private limits = new Map<number, number>();
  private readonly perTensor: boolean;
  private readonly bias: Map<string, number[]>;

  /**
   * fused: quantise every calibrated value between layers, not only those convkit keeps int8 (see SaveOnnxOptions.qdq).
   */
  constructor(
    model: QuantizedModel,
    private readonly fused = false,
  ) {
    const s = model.saved;
    this.signed = s.activations === 'int8';
    this.wide = s.activations === 'int16';
    this.perTensor = s.weights === 'perTensor';
    this.ranges = new Map(s.ranges.map(([v, lo, hi]) => [v, [lo, hi]]));
    this.bias = new Map(s.bias ?? []);
    // sizes left open (a detector's [null, null, 3]) lower at 224: the steps' weights and numbering do not depend on
    // them, and at 1 a 'valid' conv would not fit
    const shapes = model.inputs.map((t) => [1, ...t.shape.slice(1).map((d) => d ?? 224)]);
    // the program quantize() calibrated (same value numbers), with the aliases the int8 rewrite sees
    let aliases: Array<number | undefined> = [];
    this.p = fuse(lower(model, shapes, isModel, this.symbols), {
      residuals: false,
      rewrite: (p) => (aliases = p.values.map((v) => v.alias)),
    });
    if (this.p.values.length !== s.values)
      throw new ValueError(`saveOnnx: model '${model.name}' lowers to a graph other than the one quantised`);
    this.p.values.forEach((v, i) => (v.alias = aliases[i]));
    const int8 = new Set(s.int8);
    const chosen = this.p.steps.filter(
      (t): t is Kernel =>
        (t.kind === 'conv' || t.kind === 'depthwise' || t.kind === 'dense') &&
        !!t.layer &&
        int8.has(t.layer) &&
        !!this.rangeOf(t.x) &&
        !!this.rangeOf(t.y),
    );
    for (const t of this.p.steps) this.written.add(t.y);
    for (const t of chosen) this.kernels.set(t.layer!, [...(this.kernels.get(t.layer!) ?? []), t]);
    this.outRoots = new Set(this.p.outputs.map((v) => this.root(v)));
    // the int8 plan's choice (program.ts): int8 residual adds, and the values kept int8
    const r = int8Values(
      this.p,
      new Set(chosen),
      (v) => this.rangeOf(v),
      (v) => this.root(v),
      new Set(s.skip),
    );
    this.quantised = r.quantised;
    this.adds = [...r.adds];
    if (this.wide)
      this.limits = int16Limits(
        this.p,
        new Set(chosen),
        (v) => this.rangeOf(v),
        (v) => this.root(v),
        this.bias,
      );
  }

  private root(v: number): number {
    while (this.p.values[v].alias !== undefined) v = this.p.values[v].alias!;
    return v;
  }
  private rangeOf(v: number): [number, number] | undefined {
    for (;;) {
      const r = this.ranges.get(v);
      if (r || this.p.values[v].alias === undefined) return r;
      v = this.p.values[v].alias!;
    }
  }
  private params(v: number): QParams {
    const { scale, zero } = valueParams(
      this.rangeOf(v)!,
      this.wide ? 'int16' : this.signed,
      this.limits.get(this.root(v)),
    );
    return { scale, zero };
  }

  /** 'int8' for a layer call that runs int8, 'folded' for a batch norm or ReLU folded into one, else null. */
  role(node: LayerNode): 'int8' | 'folded' | null {
    const l = node.layer;
    if ((this.kernels.get(l.name)?.length ?? 0) > 0) return 'int8';
    const into = this.chain.get(node.inputs[0]);
    if (into === undefined || !(l instanceof BatchNormalization || l instanceof ReLU || l instanceof Activation))
      return null;
    const v = this.symbols.get(node.outputs[0])!;
    if (v !== into && this.written.has(v)) return null;
    this.chain.set(node.outputs[0], into);
    return 'folded';
  }

  /**
   * Whether a ZeroPadding2D call folds into the pads of the int8 convolutions that alone read it (siblings: the calls
   * of its model, outputs: that model's outputs). Exact: a padded zero quantises to the zero point, which is what
   * QLinearConv pads with; ONNX Runtime has no quantised Pad, so a Pad between DequantizeLinear and QuantizeLinear
   * would run in float and keep the layout transposes around it.
   */
  foldsPad(node: LayerNode, siblings: readonly LayerNode[], outputs: readonly SymbolicTensor[]): boolean {
    const y = node.outputs[0];
    if (!(node.layer instanceof ZeroPadding2D) || outputs.includes(y)) return false;
    const readers = siblings.filter((n) => n.inputs.includes(y));
    const ok =
      readers.length > 0 &&
      y.shape.slice(1).every((d) => d !== null) &&
      readers.every(
        (n) => n.inputs.length === 1 && ['conv', 'depthwise'].includes(this.kernels.get(n.layer.name)?.[0]?.kind ?? ''),
      );
    if (ok) this.padded.set(y, node.layer.padding);
    return ok;
  }

  /**
   * A float layer's output quantised at its calibrated range where convkit keeps it int8 (an int8 residual add's sum,
   * after its ReLU), and in the fused form wherever it is calibrated (ONNX Runtime's QLinearAdd etc.).
   */
  requantised(e: Exporter, node: LayerNode, out: Out): Out {
    const v = this.symbols.get(node.outputs[0]);
    if (v === undefined || this.outRoots.has(this.root(v)) || !this.rangeOf(v)) return out;
    if (!this.fused && !(this.quantised.has(this.root(v)) && this.written.has(v))) return out;
    return { ...out, name: this.fakeQuant(e, out.name, this.params(v), `${node.layer.name}/output`) };
  }

  /**
   * A layer call's inputs, quantised at their calibrated ranges where it is a residual add convkit runs int8 (an input
   * a float layer wrote, such as a pooled shortcut, is rounded there too; an int8 one already is).
   */
  addInputs(e: Exporter, node: LayerNode, ins: Out[], base: string): Out[] {
    const xs = node.inputs.map((t) => this.symbols.get(t));
    if (!this.adds.some((a) => a.xs.length === xs.length && a.xs.every((x, i) => x === xs[i]))) return ins;
    return ins.map((x, i) => ({
      ...x,
      name: this.fakeQuant(e, x.name, this.params(xs[i]!), `${base}/input${i}`),
    }));
  }

  /** x -> QuantizeLinear -> DequantizeLinear at the given parameters (once per tensor and parameters). */
  private fakeQuant(e: Exporter, x: string, q: QParams, base: string): string {
    const key = `${x}|${q.scale}|${q.zero}`;
    if (this.dq.has(key)) return this.dq.get(key)!;
    const zeroData = this.wide ? Int16Array.of(q.zero) : this.signed ? Int8Array.of(q.zero) : Uint8Array.of(q.zero);
    const scale = e.init(`${base}/scale`, Float32Array.of(q.scale), []);
    const zero = e.tensor(`${base}/zero_point`, (n) => intTensor(n, [], zeroData));
    // ONNX's own int16 QuantizeLinear needs opset 21; ONNX Runtime's contrib ops take int16 at any opset
    const domain = this.wide ? MS_DOMAIN : undefined;
    const quant = e.node('QuantizeLinear', [x, scale, zero], `${base}/q`, [], undefined, domain);
    const y = e.node('DequantizeLinear', [quant, scale, zero], `${base}/dq`, [], undefined, domain);
    this.dq.set(key, y);
    this.dq.set(`${y}|${q.scale}|${q.zero}`, y);
    return y;
  }

  /** An int8 layer call: its folded weights as DequantizeLinear of int8, input and output quantised. */
  int8Layer(e: Exporter, l: any, x: Out, node: LayerNode, base: string): Out {
    const s = this.kernels.get(l.name)!.shift()!;
    const inQ = this.params(s.x);
    // the int8 plan's weights: symmetric per output channel (column of [k, n]) or per tensor, after folding
    const n = s.kind === 'dense' ? s.n : s.kind === 'depthwise' ? s.g.inC : s.g.outC,
      k = s.w.length / n;
    const scales = Float32Array.from(weightScales(s.w, k, n, this.perTensor ? 'perTensor' : 'perChannel'));
    const wq = new Float32Array(s.w.length);
    for (let i = 0; i < s.w.length; i++) wq[i] = Math.max(-127, Math.min(127, Math.round(s.w[i] / scales[i % n])));
    const biasScales = Float32Array.from(scales, (w) => inQ.scale * w);
    // quantize's bias correction, added to the folded bias as the int8 plan adds it (program.ts int8Step)
    const corr = this.bias.get(l.name);
    const biasQ = Int32Array.from({ length: n }, (_, j) =>
      Math.max(
        -(2 ** 31) + 1,
        Math.min(2 ** 31 - 1, Math.round(((s.bias ? s.bias[j] : 0) + (corr?.[j] ?? 0)) / biasScales[j])),
      ),
    );
    const dequant = (data: Float32Array | Int32Array, dims: number[], axis: number, sc: Float32Array, what: string) => {
      const q = e.tensor(`${base}/${what}_quantized`, (nm) =>
        intTensor(nm, dims, data instanceof Int32Array ? data : Int8Array.from(data)),
      );
      const zero = e.tensor(`${base}/${what}_zero_point`, (nm) =>
        intTensor(nm, [n], data instanceof Int32Array ? new Int32Array(n) : new Int8Array(n)),
      );
      const scale = e.tensor(`${base}/${what}_scale`, (nm) => floatTensor(nm, [n], sc));
      return e.node('DequantizeLinear', [q, scale, zero], `${base}/${what}`, [attr('axis', axis)]);
    };
    const bias = () => dequant(biasQ, [n], 0, biasScales, 'bias');
    let y: string, out: Out;
    if (s.kind === 'dense') {
      let rows = wq;
      if (x.flat) {
        // convkit row p·C + c is ONNX row c·HW + p (as the float export)
        const { c, hw } = x.flat;
        rows = new Float32Array(k * n);
        for (let p = 0; p < hw; p++)
          for (let ch = 0; ch < c; ch++)
            rows.set(wq.subarray((p * c + ch) * n, (p * c + ch + 1) * n), (ch * hw + p) * n);
      }
      if (x.rank === 2) {
        const input = this.fakeQuant(e, x.flat ? x.name : e.plain(x, base).name, inQ, `${base}/input`);
        const w = dequant(tr(rows, [k, n], [1, 0]), [n, k], 0, scales, 'weight');
        y = e.node('Gemm', [input, w, bias()], base, [attr('transB', 1)]);
      } else {
        const input = this.fakeQuant(e, e.clOrder(x, base), inQ, `${base}/input`);
        y = e.node('Add', [e.node('MatMul', [input, dequant(rows, [k, n], 1, scales, 'weight')], base), bias()], base);
      }
      out = { name: y, cf: false, rank: x.rank };
    } else {
      const shape: number[] = l.kernel.shape,
        r = shape.length - 2;
      const input = this.fakeQuant(e, e.cf(x, base), inQ, `${base}/input`);
      // HWIO -> OIHW; depthwise [fH, fW, C, 1] -> [C, 1, fH, fW]
      const perm = s.kind === 'depthwise' ? [2, 3, 0, 1] : [r + 1, r, ...Array.from({ length: r }, (_, i) => i)];
      const w = dequant(
        tr(wq, shape, perm),
        perm.map((i) => shape[i]),
        0,
        scales,
        'weight',
      );
      const size = shape.slice(0, r);
      let pads = windowPads(l, l.padding, node.inputs[0].shape.slice(1, r + 1), size, l.strides, l.dilationRate);
      const zp = this.padded.get(node.inputs[0]);
      if (zp) {
        const [[t, b], [le, ri]] = zp,
          p = pads[0].ints!;
        pads = [attr('pads', [p[0] + t, p[1] + le, p[2] + b, p[3] + ri])];
      }
      y = e.node('Conv', [input, w, bias()], base, [
        attr('group', s.kind === 'depthwise' ? n : 1),
        attr('kernel_shape', size),
        attr('strides', l.strides),
        attr('dilations', l.dilationRate),
        ...pads,
      ]);
      out = { name: y, cf: true, rank: r + 2 };
    }
    if (s.act === ACT.relu) y = e.node('Relu', [y], `${base}/act`);
    else if (s.act === ACT.relu6) y = e.clip(y, 0, 6, `${base}/act`);
    const r = this.root(s.y);
    if (this.quantised.has(r) || (this.fused && !this.outRoots.has(r)))
      y = this.fakeQuant(e, y, this.params(s.y), `${base}/output`);
    // an activation the epilogue does not fold (sigmoid, softmax, ...) follows as a float step
    if (!['linear', 'relu', 'relu6'].includes(l.activation))
      y = e.activation(l.activation, y, `${base}/act`, out.cf, out.rank);
    this.chain.set(node.outputs[0], s.y);
    return { ...out, name: y };
  }
}
