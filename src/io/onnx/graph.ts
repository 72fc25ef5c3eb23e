// The import context: every ONNX value is either a constant (folded on the host) or an activation, a
// symbolic tensor of the convkit graph being built. Activations of rank >= 3 may be stored channels
// last (NHWC, `cl`), convkit's layout, while the ONNX graph means NCHW: converters map axes through
// the layout and ask for a Permute only where an op needs the other order (a Reshape, a Transpose).
import { Tensor } from '../../tensor';
import { ModelFormatError } from '../../errors';
import { Layer, SymbolicTensor, Permute, Flatten } from '../../layers';
import type { NodeProto, AttributeProto } from './proto';
import { AttrType, tensorValue } from './proto';
import type { Const } from './fold';

/** An activation: its symbolic tensor and whether it is stored channels-last. */
export interface Act {
  kind: 'act';
  sym: SymbolicTensor;
  cl: boolean;
  /**
   * Set on the output of a Flatten of channels-last data: the flat order is H,W,C where ONNX means
   * C,H,W. A Gemm/MatMul that consumes it permutes its weight rows instead (`rowOrder[i]` is the ONNX
   * row of convkit's row i); anything else gets `from` permuted to NCHW and flattened again.
   */
  flat?: { from: Act; rowOrder: Int32Array };
}
export interface ConstValue extends Const {
  kind: 'const';
}
export type Value = Act | ConstValue;

/** Channels-last position of ONNX axis a in rank r (N,C,D1..Dk -> N,D1..Dk,C). */
export const clAxis = (a: number, r: number): number => (a === 0 ? 0 : a === 1 ? r - 1 : a - 1);
/** ONNX shape of an activation (batch may be null). */
export const onnxShape = (v: Act): (number | null)[] => {
  const s = v.sym.shape;
  return v.cl ? [s[0], s[s.length - 1], ...s.slice(1, -1)] : [...s];
};

export class ImportContext {
  readonly values = new Map<string, Value>();
  private readonly names = new Set<string>();
  private readonly toCl = new Map<SymbolicTensor, SymbolicTensor>();
  private readonly toCf = new Map<SymbolicTensor, SymbolicTensor>();
  node: NodeProto = { op_type: '' };

  constructor(readonly opset: number) {}

  /** Where errors happen: the current node and op. */
  get where(): string {
    return `node '${this.node.name || this.node.output?.[0] || '?'}' (${this.node.op_type})`;
  }

  fail(msg: string): never {
    throw new ModelFormatError(`loadOnnx: ${this.where}: ${msg}`);
  }

  /** A unique, Keras-safe layer name derived from the node. */
  layerName(suffix = ''): string {
    const base =
      ((this.node.name || this.node.output?.[0] || this.node.op_type)
        .replace(/[^A-Za-z0-9_.-]+/g, '_')
        .replace(/^[_.-]+/, '') || 'onnx') + suffix;
    let name = base,
      i = 1;
    while (this.names.has(name)) name = `${base}_${i++}`;
    this.names.add(name);
    return name;
  }

  /** Reserves names used outside node conversion (graph inputs). */
  reserve(name: string): void {
    this.names.add(name);
  }

  /** Input i of the current node, or undefined when absent or ''. */
  input(i: number): Value | undefined {
    const name = this.node.input?.[i];
    if (!name) return undefined;
    const v = this.values.get(name);
    if (!v) this.fail(`input '${name}' is not produced by any node, initializer or graph input`);
    return v;
  }
  /** A required constant input. */
  constInput(i: number, what: string): ConstValue {
    const v = this.input(i);
    if (!v) this.fail(`missing ${what} (input ${i})`);
    if (v.kind !== 'const')
      this.fail(`${what} (input ${i}) must be a constant (initializer), it is computed in the graph`);
    return v;
  }
  /** A required activation input. */
  actInput(i: number): Act {
    const v = this.input(i);
    if (!v) this.fail(`missing input ${i}`);
    if (v.kind !== 'act') this.fail(`input ${i} is a constant where an activation is expected`);
    return v;
  }
  /** Sets output i of the current node. */
  output(v: Value, i = 0): void {
    const name = this.node.output?.[i];
    if (name) this.values.set(name, v);
  }

  attr(name: string): AttributeProto | undefined {
    return this.node.attribute?.find((a) => a.name === name);
  }
  int(name: string, def: number): number {
    const a = this.attr(name);
    return a?.i !== undefined ? Number(a.i) : def;
  }
  float(name: string, def: number): number {
    const a = this.attr(name);
    return a?.f !== undefined ? a.f : def;
  }
  ints(name: string): number[] | undefined {
    const a = this.attr(name);
    return a ? (a.ints ?? []).map(Number) : undefined;
  }
  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }
  str(name: string, def: string): string {
    const a = this.attr(name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }
  /** A tensor attribute as a constant (Constant's value). */
  tensorAttr(a: AttributeProto): ConstValue {
    if (a.type === AttrType.TENSOR || a.t) {
      const t = tensorValue(a.t!, `loadOnnx: ${this.where}`);
      return { kind: 'const', dims: t.dims, data: t.data, float: t.float };
    }
    this.fail(`attribute '${a.name}' is not a tensor`);
  }

  /** Applies a layer to symbolic inputs. */
  apply(layer: Layer, inputs: SymbolicTensor[]): SymbolicTensor {
    return layer.apply(inputs.length === 1 ? inputs[0] : inputs) as SymbolicTensor;
  }

  /** Creates, applies and fills a layer; weights are given in the layer's own order and layout. */
  layer(layer: Layer, inputs: SymbolicTensor[], weights: Float32Array[] = []): SymbolicTensor {
    const out = this.apply(layer, inputs);
    if (weights.length) {
      const ws = layer.weights;
      if (ws.length !== weights.length)
        this.fail(`internal: ${layer.className} has ${ws.length} weights, ${weights.length} given`);
      layer.setWeights(
        ws.map((w, i) => {
          if (weights[i].length !== w.size)
            this.fail(
              `weight ${w.name} needs ${w.size} values for shape [${w.shape}], the file gives ${weights[i].length}`,
            );
          return new Tensor(weights[i], w.shape);
        }),
      );
    }
    return out;
  }

  /** The activation with flatten-order fixes applied (anything but Gemm/MatMul calls this). */
  plainAct(v: Act): Act {
    if (!v.flat) return v;
    const sym = this.layer(new Flatten({ name: this.layerName('_flatten_nchw') }), [this.channelsFirst(v.flat.from)]);
    return { kind: 'act', sym, cl: false };
  }

  /** The activation in ONNX's own (channels-first) order. */
  channelsFirst(v: Act): SymbolicTensor {
    const a = this.plainAct(v);
    if (!a.cl) return a.sym;
    const r = a.sym.rank;
    let out = this.toCf.get(a.sym);
    if (!out) {
      out = this.apply(
        new Permute({
          dims: [r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)],
          name: this.layerName('_to_nchw'),
        }),
        [a.sym],
      );
      this.toCf.set(a.sym, out);
    }
    return out;
  }

  /** The activation stored channels-last (rank >= 3). */
  channelsLast(v: Act): SymbolicTensor {
    const a = this.plainAct(v);
    const r = a.sym.rank;
    if (a.cl || r < 3) return a.sym;
    let out = this.toCl.get(a.sym);
    if (!out) {
      out = this.apply(
        new Permute({ dims: [...Array.from({ length: r - 2 }, (_, i) => i + 2), 1], name: this.layerName('_to_nhwc') }),
        [a.sym],
      );
      this.toCl.set(a.sym, out);
    }
    return out;
  }
}
