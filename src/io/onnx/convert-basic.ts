// ONNX operators that become weightless layers (activations, arithmetic, reshaping) or fold away as
// constants (Shape, Gather, Unsqueeze, Concat, ... on constants), with the opset-dependent forms:
// Clip's and Pad's attributes before opset 11, Softmax's 2-D coercion before 13, Reshape's allowzero,
// Squeeze/Unsqueeze/Split taking their axes as inputs from 13.
import {
  Activation,
  ReLU,
  LeakyReLU,
  PReLU,
  Softmax,
  Rescaling,
  Add,
  Multiply,
  Subtract,
  Concatenate,
  Flatten,
  Reshape,
  Permute,
  Slice,
  ZeroPadding2D,
  ZeroChannels,
} from '../../layers';
import type { ActivationName } from '../../ops';
import { Tensor, sizeOf } from '../../tensor';
import { ImportContext, Act, Value, ConstValue, onnxShape, clAxis } from './graph';
import { Const, broadcast, transposeConst, gatherConst, concatConst, sliceConst, ints, floats, axisOf } from './fold';

type Converter = (c: ImportContext) => void;
const act = (sym: Act['sym'], cl: boolean): Act => ({ kind: 'act', sym, cl });
const konst = (k: Const): ConstValue => ({ kind: 'const', ...k });
const layerAct = (c: ImportContext, layer: ConstructorParameters<typeof Activation>[0]['activation']) => {
  const x = c.plainAct(c.actInput(0));
  c.output(act(c.layer(new Activation({ activation: layer, name: c.layerName() }), [x.sym]), x.cl));
};
const activation =
  (name: ActivationName): Converter =>
  (c: ImportContext) =>
    layerAct(c, name);

/** y = x · scale + offset on an activation (numbers or constants in ONNX layout, broadcast). */
function rescale(c: ImportContext, x: Act, scale: number | Const, offset: number | Const): Act {
  x = c.plainAct(x);
  const r = x.sym.rank;
  const place = (k: number | Const): number | Tensor => {
    if (typeof k === 'number') return k;
    if (k.data.length === 1) return Number(k.data[0]);
    if (k.dims.length > r)
      c.fail(`constant [${k.dims}] has more axes than the activation ${JSON.stringify(onnxShape(x))}`);
    let full: Const = { ...k, dims: [...new Array(r - k.dims.length).fill(1), ...k.dims] };
    if (x.cl)
      full = transposeConst(
        full,
        Array.from({ length: r }, (_, i) => (i === 0 ? 0 : i === r - 1 ? 1 : i + 1)),
      );
    return new Tensor(floats(full, 'constant'), full.dims);
  };
  const layer = new Rescaling({ scale: place(scale), offset: place(offset), name: c.layerName() });
  return act(c.layer(layer, [x.sym]), x.cl);
}

/** Add, Sub, Mul, Div: folded on constants, Rescaling with one constant, a merge layer for two activations. */
const arithmetic =
  (op: 'Add' | 'Sub' | 'Mul' | 'Div'): Converter =>
  (c: ImportContext) => {
    const a = c.input(0),
      b = c.input(1);
    if (!a || !b) c.fail('needs two inputs');
    if (a.kind === 'const' && b.kind === 'const') {
      const int = !a.float && !b.float;
      const f = {
        Add: (x: number, y: number) => x + y,
        Sub: (x: number, y: number) => x - y,
        Mul: (x: number, y: number) => x * y,
        Div: (x: number, y: number) => (int ? Math.trunc(x / y) : x / y),
      }[op];
      c.output(konst(broadcast(a, b, f)));
      return;
    }
    if (a.kind === 'const' || b.kind === 'const') {
      const [x, k] = a.kind === 'act' ? [a, b as ConstValue] : [b as Act, a];
      const first = a.kind === 'act';
      const neg = (q: Const): Const => ({ ...q, data: Array.from(q.data, (v) => (v === null ? null : -v)) });
      const inv = (q: Const): Const => ({ ...q, data: Array.from(q.data, (v) => (v === null ? null : 1 / v)) });
      if (op === 'Add') c.output(rescale(c, x, 1, k));
      else if (op === 'Sub') c.output(first ? rescale(c, x, 1, neg(k)) : rescale(c, x, -1, k));
      else if (op === 'Mul') c.output(rescale(c, x, k, 0));
      else if (first) c.output(rescale(c, x, inv(k), 0));
      else c.fail('dividing a constant by an activation is not supported');
      return;
    }
    const [x, y] = [c.plainAct(a), c.plainAct(b)];
    const sameRank = x.sym.rank === y.sym.rank && x.sym.rank >= 3;
    // both channels-last when the ranks match (broadcasting then maps axis by axis), else both in ONNX order
    const xs =
      sameRank && (x.cl || y.cl) ? [c.channelsLast(x), c.channelsLast(y)] : [c.channelsFirst(x), c.channelsFirst(y)];
    const cl = sameRank && (x.cl || y.cl);
    if (op === 'Div') c.fail('dividing two activations is not supported');
    const same = xs[0].shape.length === xs[1].shape.length && xs[0].shape.every((d, i) => d === xs[1].shape[i]);
    if (op === 'Add' && !same)
      c.fail(
        `adding activations of different shapes ${JSON.stringify(onnxShape(x))} and ${JSON.stringify(onnxShape(y))} is not supported`,
      );
    const Cls = op === 'Add' ? Add : op === 'Mul' ? Multiply : Subtract;
    c.output(act(c.layer(new Cls({ name: c.layerName() }), xs), cl));
  };

/** Clip: min/max attributes before opset 11, optional constant inputs after; ReLU with maxValue plus shifts. */
const clip: Converter = (c: ImportContext) => {
  const x = c.actInput(0);
  let lo = -Infinity,
    hi = Infinity;
  if (c.opset < 11) {
    lo = c.float('min', -Infinity);
    hi = c.float('max', Infinity);
  } else {
    const a = c.input(1),
      b = c.input(2);
    if (a) lo = floats(a.kind === 'const' ? a : c.fail('min must be a constant'), 'min')[0];
    if (b) hi = floats(b.kind === 'const' ? b : c.fail('max must be a constant'), 'max')[0];
  }
  if (!(lo <= hi)) c.fail(`min ${lo} > max ${hi}`);
  const p = c.plainAct(x);
  if (lo === -Infinity && hi === Infinity) {
    c.output(p);
    return;
  }
  if (lo === -Infinity) {
    // min(x, hi) = hi - relu(hi - x)
    const t = rescale(c, p, -1, hi);
    const r = act(c.layer(new ReLU({ name: c.layerName() }), [t.sym]), t.cl);
    c.output(rescale(c, r, -1, hi));
    return;
  }
  // clip(x, lo, hi) = relu_{max hi-lo}(x - lo) + lo
  const shifted = lo === 0 ? p : rescale(c, p, 1, -lo);
  const r = act(
    c.layer(new ReLU({ maxValue: hi === Infinity ? null : hi - lo, name: c.layerName() }), [shifted.sym]),
    p.cl,
  );
  c.output(lo === 0 ? r : rescale(c, r, 1, lo));
};

const hardSigmoid: Converter = (c: ImportContext) => {
  const alpha = c.float('alpha', 0.2),
    beta = c.float('beta', 0.5);
  if (Math.abs(alpha - 1 / 6) < 1e-6 && Math.abs(beta - 0.5) < 1e-7) {
    layerAct(c, 'hardSigmoid');
    return;
  }
  const t = rescale(c, c.actInput(0), alpha, beta);
  c.output(act(c.layer(new ReLU({ maxValue: 1, name: c.layerName() }), [t.sym]), t.cl));
};

const prelu: Converter = (c: ImportContext) => {
  const x = c.plainAct(c.actInput(0)),
    slope = c.constInput(1, 'slope');
  const shape = onnxShape(x),
    r = shape.length;
  if (slope.dims.length > r - 1) c.fail(`slope [${slope.dims}] does not broadcast over ${JSON.stringify(shape)}`);
  // slope over the non-batch ONNX axes, then in the activation's layout
  let k: Const = { ...slope, dims: [1, ...new Array(r - 1 - slope.dims.length).fill(1), ...slope.dims] };
  if (x.cl)
    k = transposeConst(
      k,
      Array.from({ length: r }, (_, i) => (i === 0 ? 0 : i === r - 1 ? 1 : i + 1)),
    );
  const sym = x.sym.shape;
  if (k.dims.some((d, i) => i > 0 && d !== 1 && d !== sym[i]))
    c.fail(`slope [${slope.dims}] does not broadcast over ${JSON.stringify(shape)}`);
  const shared = k.dims.map((d, i) => (i > 0 && d === 1 && sym[i] !== 1 ? i : 0)).filter((i) => i > 0);
  // PReLU's alpha has every unshared axis at full size: broadcast the slope out
  const full = broadcast(
    k,
    { dims: sym.map((d, i) => (i === 0 || shared.includes(i) ? 1 : d!)), data: [0], float: true },
    (s) => s,
  );
  const layer = new PReLU({ sharedAxes: shared, name: c.layerName() });
  c.output(act(c.layer(layer, [x.sym], [floats(full, 'slope')]), x.cl));
};

const softmax: Converter = (c: ImportContext) => {
  const x = c.plainAct(c.actInput(0));
  const r = x.sym.rank;
  let axis = c.int('axis', c.opset < 13 ? 1 : -1);
  axis = axis < 0 ? axis + r : axis;
  if (!(axis >= 0 && axis < r)) c.fail(`axis ${c.int('axis', -1)} is out of range for rank ${r}`);
  // before opset 13 the input is coerced to 2-D at axis: the same as one axis only when it is the last
  if (c.opset < 13 && axis !== r - 1)
    c.fail(`softmax over the flattened axes ${axis}..${r - 1} (opset ${c.opset}) is not supported`);
  const a = x.cl ? clAxis(axis, r) : axis;
  if (a === 0) c.fail('softmax over the batch axis is not supported');
  const layer =
    a === r - 1
      ? new Activation({ activation: 'softmax', name: c.layerName() })
      : new Softmax({ axis: a, name: c.layerName() });
  c.output(act(c.layer(layer, [x.sym]), x.cl));
};

/** The ONNX-order shape with the batch kept symbolic, for Reshape/Flatten/Squeeze targets. */
function reshapeTo(c: ImportContext, x: Act, target: (number | null)[]): void {
  const shape = onnxShape(x);
  if (x.cl && x.sym.rank >= 3 && target.length === 2 && shape.slice(2).every((d) => d !== null)) {
    const rest = shape.slice(1) as number[];
    const n = sizeOf(rest);
    if (target[1] === -1 || target[1] === n) {
      flattenCl(c, x);
      return;
    }
  }
  const sym = c.layer(
    new Reshape({ targetShape: target.slice(1).map((d) => (d === null ? -1 : d)), name: c.layerName() }),
    [c.channelsFirst(x)],
  );
  c.output(act(sym, false));
}

/** Flatten of channels-last data: flattens as stored and records the ONNX row of each flat position. */
function flattenCl(c: ImportContext, x: Act): void {
  const [, ch, ...sp] = onnxShape(x) as number[];
  const hw = sizeOf(sp);
  const sym = c.layer(new Flatten({ name: c.layerName() }), [x.sym]);
  if (hw === 1) {
    c.output(act(sym, false));
    return;
  }
  // position p·C + k (channels last) holds ONNX row k·HW + p
  const rowOrder = new Int32Array(hw * ch);
  for (let p = 0; p < hw; p++) for (let k = 0; k < ch; k++) rowOrder[p * ch + k] = k * hw + p;
  c.output({ kind: 'act', sym, cl: false, flat: { from: x, rowOrder } });
}

const reshape: Converter = (c: ImportContext) => {
  const data = c.input(0),
    s = c.constInput(1, 'shape');
  if (!data) c.fail('missing data');
  const target = Array.from(s.data);
  const allowzero = c.int('allowzero', 0) === 1;
  if (data.kind === 'const') {
    const n = data.data.length;
    const dims = target.map((d, i) => (d === 0 && !allowzero ? data.dims[i] : d));
    const known = dims.reduce<number>((a, d) => (d === -1 || d === null ? a : a * d), 1);
    c.output(konst({ ...data, dims: dims.map((d) => (d === -1 || d === null ? n / known : d)) }));
    return;
  }
  const x = c.plainAct(data),
    shape = onnxShape(x);
  const out = target.map((d, i) => (d === 0 && !allowzero ? shape[i] : d));
  // the batch: unknown, copied, or a fixed 1-batch export's number
  if (out[0] !== null && out[0] !== -1 && shape[0] !== null && out[0] !== shape[0])
    c.fail(`reshaping across the batch axis is not supported (target [${target}])`);
  reshapeTo(c, x, [null, ...out.slice(1)]);
};

const flatten: Converter = (c: ImportContext) => {
  const x = c.plainAct(c.actInput(0));
  const shape = onnxShape(x),
    r = shape.length;
  const axis = axisOf(c.int('axis', 1), r + 1, 'axis');
  if (axis === 0 || shape.slice(1, axis).some((d) => d !== 1))
    c.fail(`flattening into the batch axis (axis ${axis} of ${JSON.stringify(shape)}) is not supported`);
  if (r === 2) {
    c.output(x);
    return;
  }
  if (x.cl && axis === 1) {
    flattenCl(c, x);
    return;
  }
  const rest = shape.slice(axis);
  reshapeTo(c, x, [null, rest.some((d) => d === null) ? -1 : sizeOf(rest as number[])]);
};

const transpose: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  const perm =
    c.ints('perm') ??
    (x.kind === 'const'
      ? x.dims.map((_, i) => x.dims.length - 1 - i)
      : onnxShape(x).map((_, i, s) => s.length - 1 - i));
  if (x.kind === 'const') {
    c.output(konst(transposeConst(x, perm)));
    return;
  }
  const a = c.plainAct(x),
    r = a.sym.rank;
  if (perm[0] !== 0) c.fail(`transposing the batch axis (perm [${perm}]) is not supported`);
  // NCHW -> NHWC of channels-last data is the stored tensor itself
  if (a.cl && perm.join() === [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1].join()) {
    c.output(act(a.sym, false));
    return;
  }
  // and NHWC -> NCHW of plain data is that data stored channels-last (an NHWC file's input boundary)
  if (!a.cl && r >= 3 && perm.join() === [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)].join()) {
    c.output(act(a.sym, true));
    return;
  }
  const sym = c.layer(new Permute({ dims: perm.slice(1), name: c.layerName() }), [c.channelsFirst(a)]);
  c.output(act(sym, false));
};

/** The convkit axis of ONNX axis a for activation x, refusing the batch axis. */
function axisFor(c: ImportContext, x: Act, a: number, what: string): number {
  const r = x.sym.rank,
    n = a < 0 ? a + r : a;
  if (n <= 0 || n >= r) c.fail(`${what} axis ${a} is the batch axis or out of range for rank ${r}`);
  return x.cl ? clAxis(n, r) : n;
}

const concat: Converter = (c: ImportContext) => {
  const ins = (c.node.input ?? []).map((_, i) => c.input(i)).filter((v): v is Value => !!v);
  const axis = c.int('axis', 1);
  if (ins.every((v) => v.kind === 'const')) {
    c.output(konst(concatConst(ins as ConstValue[], axis)));
    return;
  }
  if (ins.some((v) => v.kind === 'const')) c.fail('concatenating constants with activations is not supported');
  const xs = (ins as Act[]).map((v) => c.plainAct(v));
  const cl = xs[0].sym.rank >= 3 && xs.some((v) => v.cl);
  const syms = xs.map((v) => (cl ? c.channelsLast(v) : c.channelsFirst(v)));
  const a = axisFor(c, { ...xs[0], cl }, axis, 'Concat');
  c.output(act(syms.length === 1 ? syms[0] : c.layer(new Concatenate({ axis: a, name: c.layerName() }), syms), cl));
};

/** Slice with steps of 1 along one convkit axis of an activation. */
function sliceAct(c: ImportContext, x: Act, axis: number, begin: number, size: number, suffix = ''): Act {
  const r = x.sym.rank;
  const b = new Array<number>(r - 1).fill(0),
    s = new Array<number>(r - 1).fill(-1);
  b[axis - 1] = begin;
  s[axis - 1] = size;
  return act(c.layer(new Slice({ begin: b, size: s, name: c.layerName(suffix) }), [x.sym]), x.cl);
}

const slice: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing data');
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = c.ints('starts') ?? [];
    ends = c.ints('ends') ?? [];
    axes = c.ints('axes');
  } else {
    starts = ints(c.constInput(1, 'starts'), 'starts');
    ends = ints(c.constInput(2, 'ends'), 'ends');
    const a = c.input(3),
      s = c.input(4);
    axes = a ? ints(a.kind === 'const' ? a : c.fail('axes must be constant'), 'axes') : undefined;
    steps = s ? ints(s.kind === 'const' ? s : c.fail('steps must be constant'), 'steps') : undefined;
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (x.kind === 'const') {
    c.output(konst(sliceConst(x, starts, ends, axes, steps)));
    return;
  }
  let v = c.plainAct(x);
  const shape = onnxShape(v);
  axes.forEach((ax, i) => {
    const n = ax < 0 ? ax + shape.length : ax,
      d = shape[n];
    if (steps![i] !== 1) c.fail(`slicing with step ${steps![i]} is not supported on activations`);
    if (d === null) {
      if (starts[i] === 0 && ends[i] >= 2 ** 31 - 1) return;
      c.fail(`slicing axis ${ax} of unknown size is not supported`);
    }
    const clamp = (q: number) => Math.min(Math.max(q < 0 ? q + d : q, 0), d);
    const b = clamp(starts[i]),
      e = Math.max(clamp(ends[i]), b);
    if (b === 0 && e === d) return;
    v = sliceAct(c, v, axisFor(c, v, n, 'Slice'), b, e - b, i ? `_${i}` : '');
  });
  c.output(v);
};

const split: Converter = (c: ImportContext) => {
  const x = c.plainAct(c.actInput(0));
  const shape = onnxShape(x),
    outs = c.node.output ?? [];
  const axis = axisOf(c.int('axis', 0), shape.length, 'axis'),
    d = shape[axis];
  if (d === null) c.fail('splitting an axis of unknown size is not supported');
  const given = c.opset >= 13 ? c.input(1) : undefined;
  let parts = given
    ? ints(given.kind === 'const' ? given : c.fail('split must be constant'), 'split')
    : c.ints('split');
  if (!parts || !parts.length) {
    const k = c.opset >= 18 ? c.int('num_outputs', outs.length) : outs.length,
      each = Math.ceil(d / k);
    parts = Array.from({ length: k }, (_, i) => Math.min(each, d - i * each));
  }
  if (parts.reduce((a, p) => a + p, 0) !== d || parts.length !== outs.length)
    c.fail(`split [${parts}] does not divide axis ${axis} of size ${d} into ${outs.length} outputs`);
  const a = axisFor(c, x, axis, 'Split');
  let off = 0;
  parts.forEach((p, i) => {
    c.output(sliceAct(c, x, a, off, p, `_${i}`), i);
    off += p;
  });
};

/** Squeeze/Unsqueeze: axes as an attribute before opset 13, an input after. */
const squeeze =
  (unsqueeze: boolean): Converter =>
  (c: ImportContext) => {
    const x = c.input(0);
    if (!x) c.fail('missing data');
    const given = c.opset >= 13 ? c.input(1) : undefined;
    let axes = given ? ints(given.kind === 'const' ? given : c.fail('axes must be constant'), 'axes') : c.ints('axes');
    const shape = x.kind === 'const' ? (x.dims as (number | null)[]) : onnxShape(x);
    let out: (number | null)[];
    if (unsqueeze) {
      if (!axes) c.fail('axes are required');
      const r = shape.length + axes.length;
      const set = new Set(axes.map((a) => axisOf(a, r, 'axis')));
      out = [];
      let j = 0;
      for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : shape[j++]);
    } else {
      axes ??= shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      const set = new Set(axes.map((a) => axisOf(a, shape.length, 'axis')));
      out = shape.filter((_, i) => !set.has(i));
    }
    if (x.kind === 'const') {
      c.output(konst({ ...x, dims: out as number[] }));
      return;
    }
    if (out[0] !== shape[0] || (unsqueeze ? axes!.includes(0) : axes!.includes(0)))
      c.fail('squeezing or unsqueezing the batch axis is not supported');
    reshapeTo(c, c.plainAct(x), out);
  };

/**
 * Pad: pads as an attribute before opset 11, an input after; zeros over height and width (ZeroPadding2D)
 * and zero channels appended at the end of the channel axis (ZeroChannels, the form saveOnnx gives
 * face-api's shortcuts that widen a block).
 */
const pad: Converter = (c: ImportContext) => {
  const x = c.plainAct(c.actInput(0));
  const mode = c.str('mode', 'constant');
  const pads = c.opset < 11 ? (c.ints('pads') ?? []) : ints(c.constInput(1, 'pads'), 'pads');
  const value =
    c.opset < 11
      ? c.float('value', 0)
      : (() => {
          const v = c.input(2);
          return v ? (floats(v.kind === 'const' ? v : c.fail('value must be constant'), 'value')[0] ?? 0) : 0;
        })();
  const r = x.sym.rank;
  if (c.opset >= 18 && c.input(3)) c.fail('the axes input is not supported');
  if (pads.length !== 2 * r) c.fail(`pads [${pads}] must have ${2 * r} entries for rank ${r}`);
  // ONNX order [n0, c0, h0, w0, n1, c1, h1, w1]: nothing on the batch axis or before the channels
  const supported = r === 4 && pads[0] === 0 && pads[4] === 0 && pads[1] === 0;
  if (mode !== 'constant' || value !== 0 || !supported || pads.some((p) => p < 0)) {
    c.fail(
      `only zero padding of height and width, or zero channels after the last, is supported (mode '${mode}', ` +
        `value ${value}, pads [${pads}])`,
    );
  }
  let y = c.channelsLast(x);
  if ([2, 3, 6, 7].some((i) => pads[i] !== 0)) {
    const layer = new ZeroPadding2D({
      padding: [
        [pads[2], pads[6]],
        [pads[3], pads[7]],
      ],
      name: c.layerName(),
    });
    y = c.layer(layer, [y]);
  }
  if (pads[5] !== 0) y = c.layer(new ZeroChannels({ channels: pads[5], name: c.layerName('_channels') }), [y]);
  c.output(act(y, true));
};

const identity: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  if (c.node.op_type === 'Dropout' && (c.node.output?.length ?? 0) > 1 && c.node.output![1])
    c.fail('the mask output is not supported');
  c.output(x);
};

const cast: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  const to = c.int('to', 1),
    float = to === 1 || to === 10 || to === 11 || to === 16;
  if (x.kind === 'act') {
    if (!float) c.fail('casting an activation to an integer type is not supported');
    c.output(x);
    return;
  }
  c.output(
    konst({ ...x, float, data: float ? x.data : Array.from(x.data, (v) => (v === null ? null : Math.trunc(v))) }),
  );
};

const constant: Converter = (c: ImportContext) => {
  const a = c.node.attribute?.[0];
  if (!a) c.fail('no value attribute');
  if (a.name === 'value') {
    c.output(c.tensorAttr(a));
    return;
  }
  const list = {
    value_float: [a.f ?? 0],
    value_floats: a.floats ?? [],
    value_int: [Number(a.i ?? 0)],
    value_ints: (a.ints ?? []).map(Number),
  }[a.name];
  if (!list) c.fail(`attribute '${a.name}' is not supported`);
  const scalar = a.name === 'value_float' || a.name === 'value_int';
  c.output(
    konst({
      dims: scalar ? [] : [list.length],
      data: a.name.includes('float') ? Float32Array.from(list) : list,
      float: a.name.includes('float'),
    }),
  );
};

const shapeOp: Converter = (c: ImportContext) => {
  const x = c.input(0);
  if (!x) c.fail('missing input');
  const s = x.kind === 'const' ? x.dims : onnxShape(x);
  const r = s.length;
  const start = axisOf(Math.max(-r, Math.min(c.int('start', 0), r - 1)), r, 'start'),
    endAttr = c.int('end', r);
  const end = Math.min(endAttr < 0 ? endAttr + r : endAttr, r);
  c.output(konst({ dims: [Math.max(end - start, 0)], data: s.slice(start, end), float: false }));
};

const gather: Converter = (c: ImportContext) => {
  const x = c.input(0),
    idx = c.constInput(1, 'indices');
  if (!x || x.kind !== 'const') c.fail('gathering from an activation is not supported');
  c.output(konst(gatherConst(x, idx, c.int('axis', 0))));
};

const constantOfShape: Converter = (c: ImportContext) => {
  const dims = ints(c.constInput(0, 'shape'), 'shape');
  const a = c.attr('value');
  const v = a ? c.tensorAttr(a) : { data: [0], float: true };
  const n = sizeOf(dims);
  if (!(n <= 2 ** 24)) c.fail(`ConstantOfShape of ${n} values is over the limit of 2^24`);
  c.output(konst({ dims, data: new Array(n).fill(Number(v.data[0] ?? 0)), float: v.float }));
};

const expand: Converter = (c: ImportContext) => {
  const x = c.input(0),
    s = c.constInput(1, 'shape');
  if (!x || x.kind !== 'const') c.fail('expanding an activation is not supported');
  const n = sizeOf(ints(s, 'shape'));
  if (!(n <= 2 ** 24)) c.fail(`Expand to ${n} values is over the limit of 2^24`);
  c.output(konst(broadcast(x, { dims: ints(s, 'shape'), data: new Array(n).fill(0), float: false }, (v) => v)));
};

const range: Converter = (c: ImportContext) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ints(c.constInput(i, ['start', 'limit', 'delta'][i]), 'range')[0]);
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  if (!Number.isFinite(n) || n > 2 ** 24) c.fail(`Range of ${n} values`);
  c.output(
    konst({
      dims: [n],
      data: Array.from({ length: n }, (_, i) => start + i * delta),
      float: c.constInput(0, 'start').float,
    }),
  );
};

/** Converters by ONNX op type. */
export const BASIC_CONVERTERS: Record<string, Converter> = {
  Relu: (c) => {
    const x = c.plainAct(c.actInput(0));
    c.output(act(c.layer(new ReLU({ name: c.layerName() }), [x.sym]), x.cl));
  },
  LeakyRelu: (c) => {
    const x = c.plainAct(c.actInput(0));
    c.output(act(c.layer(new LeakyReLU({ alpha: c.float('alpha', 0.01), name: c.layerName() }), [x.sym]), x.cl));
  },
  Sigmoid: activation('sigmoid'),
  Tanh: activation('tanh'),
  Softplus: activation('softplus'),
  HardSwish: activation('hardSwish'),
  Elu: (c) => {
    if (c.float('alpha', 1) !== 1) c.fail('only alpha 1 is supported');
    layerAct(c, 'elu');
  },
  HardSigmoid: hardSigmoid,
  PRelu: prelu,
  Clip: clip,
  Softmax: softmax,
  Add: arithmetic('Add'),
  Sub: arithmetic('Sub'),
  Mul: arithmetic('Mul'),
  Div: arithmetic('Div'),
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Split: split,
  Squeeze: squeeze(false),
  Unsqueeze: squeeze(true),
  Pad: pad,
  Identity: identity,
  Dropout: identity,
  Cast: cast,
  Constant: constant,
  Shape: shapeOp,
  Gather: gather,
  ConstantOfShape: constantOfShape,
  Expand: expand,
  Range: range,
};
