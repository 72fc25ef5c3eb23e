// QuantizeLinear / DequantizeLinear on import: a QDQ file (ONNX Runtime's static quantisation, or convkit's own
// saveOnnx of a quantised model) loads as a float model. DequantizeLinear of a constant folds here (int8 weights
// and int32 biases become their float values); a QuantizeLinear -> DequantizeLinear pair on an activation loads
// as the identity, so the model computes in float with the file's rounded weights (quantise it again to run int8).
import type { ImportContext, Act, ConstValue } from './graph';

type Converter = (c: ImportContext) => void;

/** Activations that are a QuantizeLinear's output: only a DequantizeLinear may read them. */
const quantised = new WeakSet<Act>();

/** The per-tensor or per-axis parameter of element i (scale or zero point) along `axis` of dims. */
function along(p: ConstValue, dims: number[], axis: number): (i: number) => number {
  const d = p.data as ArrayLike<number>;
  if (p.dims.reduce((a, b) => a * b, 1) === 1) return () => Number(d[0]);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1),
    n = dims[axis];
  return (i) => Number(d[Math.floor(i / inner) % n]);
}

function params(c: ImportContext, dims: number[]) {
  const scale = c.constInput(1, 'scale'),
    zero = c.input(2);
  if (zero && zero.kind !== 'const') c.fail('the zero point must be a constant');
  const r = dims.length,
    a = c.int('axis', 1),
    axis = a < 0 ? a + r : a;
  const perAxis = scale.dims.reduce((x, y) => x * y, 1) > 1;
  if (perAxis && (axis < 0 || axis >= r || scale.dims.reduce((x, y) => x * y, 1) !== dims[axis]))
    c.fail(`the scale has ${scale.data.length} values, axis ${a} of [${dims.join(',')}] does not match`);
  return { scale: along(scale, dims, axis), zero: zero ? along(zero as ConstValue, dims, axis) : () => 0 };
}

const dequantizeLinear: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  if (x.kind === 'act') {
    if (!quantised.has(x)) c.fail('dequantizes an activation that no QuantizeLinear produced');
    c.output({ ...x });
    return;
  }
  const { scale, zero } = params(c, x.dims);
  const d = x.data as ArrayLike<number>;
  c.output({
    kind: 'const',
    dims: x.dims,
    float: true,
    data: Float32Array.from({ length: d.length }, (_, i) => (Number(d[i]) - zero(i)) * scale(i)),
  });
};

const quantizeLinear: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  if (x.kind === 'act') {
    const y = { ...x };
    quantised.add(y);
    c.output(y);
    return;
  }
  // files quantise their constants offline: a constant here would need the zero point's integer type
  c.fail('quantizes a constant; only activations (QuantizeLinear -> DequantizeLinear pairs) are supported');
};

export const QUANT_CONVERTERS: Record<string, Converter> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
};
