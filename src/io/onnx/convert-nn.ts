// ONNX operators that become convkit layers with weights or windows: Conv, ConvTranspose, Gemm,
// MatMul, BatchNormalization, pooling, Resize/Upsample. Weights are converted once, here:
// OIHW -> HWIO for convolutions, [M,1,kH,kW] -> [kH,kW,C,multiplier] for depthwise ones,
// Gemm's B to Dense's [in, units] (with alpha and beta folded in).
import { Tensor } from '../../tensor';
import * as ops from '../../ops';
import {
  Conv1D,
  Conv2D,
  DepthwiseConv2D,
  Conv2DTranspose,
  Dense,
  BatchNormalization,
  MaxPooling1D,
  AveragePooling1D,
  MaxPooling2D,
  AveragePooling2D,
  ZeroPadding2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  Resizing,
} from '../../layers';
import type { CoordinateMode, NearestMode } from '../../ops';
import { ImportContext, Act, onnxShape, ConstValue } from './graph';
import { floats, ints } from './fold';

type Converter = (c: ImportContext) => void;

const transpose = (data: Float32Array, dims: number[], perm: number[]): Float32Array =>
  ops.transpose(new Tensor(data, dims), perm).data;

/** Spatial sizes of an activation in ONNX order (N, C, spatial...). */
const spatialOf = (c: ImportContext, x: Act): number[] =>
  onnxShape(x)
    .slice(2)
    .map((d) => {
      if (d === null) c.fail('spatial sizes of the input must be known');
      return d;
    });

/** ONNX pads for k spatial axes after auto_pad: [[before, after] per axis]; sizes may be unknown (null) unless SAME. */
function resolvePads(
  c: ImportContext,
  inSize: (number | null)[],
  kernel: number[],
  strides: number[],
  dilations: number[],
): [number, number][] | 'same' {
  const k = inSize.length;
  const autoPad = c.str('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return inSize.map(() => [0, 0]);
  // SAME_UPPER is TensorFlow's 'same' (the odd cell at the end), which layers resolve per input size
  if (autoPad === 'SAME_UPPER' && inSize.some((n) => n === null)) return 'same';
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    return inSize.map((n, i) => {
      if (n === null) c.fail('auto_pad SAME_LOWER needs known spatial sizes');
      const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - n, 0);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
  }
  if (autoPad !== 'NOTSET') c.fail(`unknown auto_pad '${autoPad}'`);
  const pads = c.ints('pads') ?? new Array<number>(2 * k).fill(0);
  if (pads.length !== 2 * k || pads.some((p) => !Number.isInteger(p) || p < 0))
    c.fail(`pads must be ${2 * k} non-negative integers, got [${pads}]`);
  return inSize.map((_, i) => [pads[i], pads[i + k]]);
}

function windows(c: ImportContext, x: Act, kernelDefault?: number[]) {
  const inSize = onnxShape(x).slice(2),
    k = inSize.length;
  const kernel = c.ints('kernel_shape') ?? kernelDefault;
  if (!kernel || kernel.length !== k)
    c.fail(`kernel_shape must have ${k} entries for input ${JSON.stringify(onnxShape(x))}`);
  const strides = c.ints('strides') ?? new Array<number>(k).fill(1);
  const dilations = c.ints('dilations') ?? new Array<number>(k).fill(1);
  for (const [n, v] of [
    ['strides', strides],
    ['dilations', dilations],
    ['kernel_shape', kernel],
  ] as const) {
    if (v.length !== k || v.some((s) => !Number.isInteger(s) || s < 1))
      c.fail(`${n} must be ${k} positive integers, got [${v}]`);
  }
  return { inSize, kernel, strides, dilations, pads: resolvePads(c, inSize, kernel, strides, dilations) };
}

const conv: Converter = (c: ImportContext) => {
  const x = c.actInput(0),
    w = c.constInput(1, 'weight'),
    b = c.input(2);
  const r = x.sym.rank;
  if (r !== 3 && r !== 4) c.fail(`only 1D and 2D convolutions are supported, got input rank ${r}`);
  if (w.dims.length !== r) c.fail(`weight of rank ${w.dims.length} for input rank ${r}`);
  const { kernel, strides, dilations, pads } = windows(c, x, w.dims.slice(2));
  const [m, cg] = w.dims,
    group = c.int('group', 1),
    inC = onnxShape(x)[1]!;
  if (!Number.isInteger(group) || group < 1 || inC % group !== 0 || cg * group !== inC || m % group !== 0) {
    c.fail(`weight [${w.dims}] with group ${group} does not fit ${inC} input channels`);
  }
  if (b && (b.kind !== 'const' || b.data.length !== m)) c.fail(`bias must be a constant of ${m} values`);
  const bias = b ? [floats(b as ConstValue, 'bias')] : [];
  const wd = floats(w, 'weight');
  const common = { strides, dilationRate: dilations, padding: pads, useBias: !!b, name: c.layerName() };
  const input = c.channelsLast(x);
  let sym;
  if (r === 3) {
    if (group !== 1) c.fail('grouped 1D convolutions are not supported');
    sym = c.layer(
      new Conv1D({ ...common, filters: m, kernelSize: kernel, kernelInitializer: 'zeros' }),
      [input],
      [transpose(wd, w.dims, [2, 1, 0]), ...bias],
    );
  } else if (group === inC && group > 1) {
    // depthwise: output channel c·multiplier + j reads input channel c
    const mult = m / inC;
    const k = transpose(wd, [inC, mult, kernel[0], kernel[1]], [2, 3, 0, 1]);
    sym = c.layer(
      new DepthwiseConv2D({ ...common, kernelSize: kernel, depthMultiplier: mult, depthwiseInitializer: 'zeros' }),
      [input],
      [k, ...bias],
    );
  } else {
    sym = c.layer(
      new Conv2D({ ...common, filters: m, kernelSize: kernel, groups: group, kernelInitializer: 'zeros' }),
      [input],
      [transpose(wd, w.dims, [2, 3, 1, 0]), ...bias],
    );
  }
  c.output({ kind: 'act', sym, cl: true });
};

const convTranspose: Converter = (c: ImportContext) => {
  const x = c.actInput(0),
    w = c.constInput(1, 'weight'),
    b = c.input(2);
  if (x.sym.rank !== 4 || w.dims.length !== 4) c.fail('only 2D transposed convolutions are supported');
  if (c.int('group', 1) !== 1) c.fail('grouped transposed convolutions are not supported');
  const [inC, m, kH, kW] = w.dims;
  if (onnxShape(x)[1] !== inC) c.fail(`weight [${w.dims}] does not fit input ${JSON.stringify(onnxShape(x))}`);
  const inSize = spatialOf(c, x);
  const strides = c.ints('strides') ?? [1, 1],
    dilations = c.ints('dilations') ?? [1, 1];
  let outPad = c.ints('output_padding') ?? [0, 0];
  const outputShape = c.ints('output_shape');
  let pads: number[];
  const autoPad = c.str('auto_pad', 'NOTSET');
  const total = (i: number, out: number) =>
    strides[i] * (inSize[i] - 1) + outPad[i] + (([kH, kW][i] - 1) * dilations[i] + 1) - out;
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = outputShape ? outputShape.slice(-2) : inSize.map((n, i) => n * strides[i]);
    const t = [total(0, out[0]), total(1, out[1])];
    if (t.some((v) => v < 0)) {
      outPad = outPad.map((p, i) => p - Math.min(t[i], 0));
      t.forEach((v, i) => {
        t[i] = Math.max(v, 0);
      });
    }
    const lower = autoPad === 'SAME_LOWER';
    pads = [0, 1].flatMap((i) => {
      const s = Math.floor(t[i] / 2);
      return lower ? [t[i] - s, s] : [s, t[i] - s];
    });
  } else {
    const p = c.ints('pads') ?? [0, 0, 0, 0];
    if (p.length !== 4) c.fail(`pads must have 4 entries, got [${p}]`);
    pads = [p[0], p[2], p[1], p[3]];
  }
  if (b && (b.kind !== 'const' || b.data.length !== m)) c.fail(`bias must be a constant of ${m} values`);
  const layer = new Conv2DTranspose({
    filters: m,
    kernelSize: [kH, kW],
    strides,
    dilationRate: dilations,
    padding: pads,
    outputPadding: outPad,
    useBias: !!b,
    kernelInitializer: 'zeros',
    name: c.layerName(),
  });
  const k = transpose(floats(w, 'weight'), w.dims, [2, 3, 1, 0]);
  c.output({
    kind: 'act',
    sym: c.layer(layer, [c.channelsLast(x)], [k, ...(b ? [floats(b as ConstValue, 'bias')] : [])]),
    cl: true,
  });
};

/** A Dense layer for x·kernel + bias, permuting kernel rows when x is a channels-last flatten. */
function dense(c: ImportContext, x: Act, kernel: Float32Array, k: number, n: number, bias: Float32Array | null): void {
  let rows = kernel;
  if (x.flat) {
    rows = new Float32Array(k * n);
    x.flat.rowOrder.forEach((src, i) => rows.set(kernel.subarray(src * n, src * n + n), i * n));
  } else if (x.cl) c.fail('a matrix product over a channels-last activation of rank > 2 is not supported');
  if (x.sym.shape[x.sym.rank - 1] !== k)
    c.fail(`input ${JSON.stringify(onnxShape(x))} does not fit a weight of ${k} rows`);
  const layer = new Dense({ units: n, useBias: !!bias, kernelInitializer: 'zeros', name: c.layerName() });
  c.output({ kind: 'act', sym: c.layer(layer, [x.sym], bias ? [rows, bias] : [rows]), cl: false });
}

const gemm: Converter = (c: ImportContext) => {
  const a = c.actInput(0),
    b = c.constInput(1, 'B'),
    cc = c.input(2);
  if (c.int('transA', 0)) c.fail('transA = 1 is not supported (the activation must be the left operand)');
  if (a.sym.rank !== 2 || b.dims.length !== 2)
    c.fail(`Gemm needs 2-D operands, got ${JSON.stringify(onnxShape(a))} and [${b.dims}]`);
  const alpha = c.float('alpha', 1),
    beta = c.float('beta', 1);
  const transB = c.int('transB', 0) === 1;
  const [k, n] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  let w = floats(b, 'B');
  if (transB) w = transpose(w, b.dims, [1, 0]);
  if (alpha !== 1) w = w.map((v) => v * alpha);
  let bias: Float32Array | null = null;
  if (cc) {
    if (cc.kind !== 'const') c.fail('C must be a constant');
    const cv = floats(cc, 'C');
    if (cv.length !== 1 && cv.length !== n)
      c.fail(`C of shape [${cc.dims}] must broadcast to [${n}] (a per-unit bias)`);
    bias = Float32Array.from({ length: n }, (_, i) => beta * cv[cv.length === 1 ? 0 : i]);
  }
  dense(c, a, w, k, n, bias);
};

const matmul: Converter = (c: ImportContext) => {
  const a = c.actInput(0),
    b = c.input(1);
  if (!b || b.kind !== 'const') c.fail('only products with a constant right operand (a weight) are supported');
  if (b.dims.length !== 2) c.fail(`weight must be 2-D, got [${b.dims}]`);
  dense(
    c,
    a.flat ? a : { ...a, sym: a.cl ? c.channelsFirst(a) : a.sym, cl: false },
    floats(b, 'B'),
    b.dims[0],
    b.dims[1],
    null,
  );
};

const batchNorm: Converter = (c: ImportContext) => {
  const x = c.actInput(0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) =>
    floats(c.constInput(i, ['', 'scale', 'B', 'mean', 'var'][i]), 'batch-norm parameter'),
  );
  const ch = onnxShape(x)[1];
  if ([scale, bias, mean, variance].some((p) => p.length !== ch))
    c.fail(`parameters must have ${ch} values (the channels of ${JSON.stringify(onnxShape(x))})`);
  const layer = new BatchNormalization({
    epsilon: c.float('epsilon', 1e-5),
    momentum: c.float('momentum', 0.9),
    name: c.layerName(),
  });
  c.output({
    kind: 'act',
    sym: c.layer(layer, [c.channelsLast(x)], [scale, bias, mean, variance]),
    cl: x.sym.rank >= 3,
  });
};

const pool =
  (kind: 'max' | 'avg'): Converter =>
  (c: ImportContext) => {
    const x = c.actInput(0);
    if (x.sym.rank !== 4 && x.sym.rank !== 3)
      c.fail(`only 1D and 2D pooling is supported, got input rank ${x.sym.rank}`);
    if (c.node.output && c.node.output.length > 1 && c.node.output[1]) c.fail('the Indices output is not supported');
    const { inSize, kernel, strides, dilations, pads } = windows(c, x);
    if (dilations.some((d) => d !== 1)) c.fail('dilated pooling is not supported');
    const Cls =
      x.sym.rank === 3
        ? kind === 'max'
          ? MaxPooling1D
          : AveragePooling1D
        : kind === 'max'
          ? MaxPooling2D
          : AveragePooling2D;
    // ceil_mode: extra cells at the end, but no window may start in the end padding (PyTorch's rule)
    if (pads === 'same') {
      if (c.int('ceil_mode', 0) || (kind === 'avg' && c.int('count_include_pad', 0)))
        c.fail('ceil_mode and count_include_pad need known spatial sizes with auto_pad');
      c.output({
        kind: 'act',
        sym: c.layer(new Cls({ poolSize: kernel, strides, padding: 'same', name: c.layerName() }), [c.channelsLast(x)]),
        cl: true,
      });
      return;
    }
    const extra = inSize.map((n, i) => {
      if (!c.int('ceil_mode', 0)) return 0;
      if (n === null) c.fail('ceil_mode needs known spatial sizes');
      const span = n + pads[i][0] + pads[i][1] - kernel[i];
      let out = Math.ceil(span / strides[i]) + 1;
      if ((out - 1) * strides[i] >= n + pads[i][0]) out--;
      return Math.max((out - 1) * strides[i] + kernel[i] - (n + pads[i][0] + pads[i][1]), 0);
    });
    let input = c.channelsLast(x);
    let padding = pads.map(([b, a], i) => [b, a + extra[i]]);
    if (kind === 'avg' && c.int('count_include_pad', 0) && pads.some(([b, a]) => b + a > 0)) {
      // padded zeros count in the average: pad explicitly, leaving only the ceil_mode cells uncounted
      if (x.sym.rank !== 4) c.fail('count_include_pad with padding is supported in 2D only');
      input = c.layer(
        new ZeroPadding2D({ padding: pads as [[number, number], [number, number]], name: c.layerName('_pad') }),
        [input],
      );
      padding = extra.map((e) => [0, e]);
    }
    c.output({
      kind: 'act',
      sym: c.layer(new Cls({ poolSize: kernel, strides, padding, name: c.layerName() }), [input]),
      cl: true,
    });
  };

const globalPool =
  (kind: 'max' | 'avg'): Converter =>
  (c: ImportContext) => {
    const x = c.actInput(0);
    if (x.sym.rank !== 4) c.fail(`only 2D global pooling is supported, got input rank ${x.sym.rank}`);
    const Cls = kind === 'max' ? GlobalMaxPooling2D : GlobalAveragePooling2D;
    c.output({
      kind: 'act',
      sym: c.layer(new Cls({ keepdims: true, name: c.layerName() }), [c.channelsLast(x)]),
      cl: true,
    });
  };

const reduceMean: Converter = (c: ImportContext) => {
  const x = c.actInput(0);
  const r = x.sym.rank;
  const axesIn = c.opset >= 18 ? c.input(1) : undefined;
  const axes = (axesIn ? ints(axesIn as ConstValue, 'axes') : (c.ints('axes') ?? []))
    .map((a) => (a < 0 ? a + r : a))
    .sort();
  if (r !== 4 || axes.join() !== '2,3')
    c.fail(`only the mean over the spatial axes of a 4-D input is supported, got axes [${axes}] of rank ${r}`);
  const keep = c.int('keepdims', 1) === 1;
  const sym = c.layer(new GlobalAveragePooling2D({ keepdims: keep, name: c.layerName() }), [c.channelsLast(x)]);
  c.output({ kind: 'act', sym, cl: keep });
};

/** Resize (opset 10+) and Upsample (opset 7-9): nearest and (bi)linear over H and W. */
const resize: Converter = (c: ImportContext) => {
  const x = c.actInput(0);
  if (x.sym.rank !== 4) c.fail(`only 4-D inputs are supported, got rank ${x.sym.rank}`);
  const shape = onnxShape(x),
    inSize = spatialOf(c, x);
  const upsample = c.node.op_type === 'Upsample';
  let scales: number[] | undefined, sizes: number[] | undefined;
  if (upsample || c.opset < 11) {
    const s = c.input(1);
    scales = s
      ? Array.from(floats(s.kind === 'const' ? s : c.fail('scales must be constant'), 'scales'))
      : c.floats('scales');
  } else {
    const s = c.input(2),
      z = c.input(3);
    if (z && z.kind === 'const' && z.data.length) sizes = ints(z, 'sizes');
    else if (s && s.kind === 'const' && s.data.length) scales = Array.from(floats(s, 'scales'));
    else if ((s && s.kind !== 'const') || (z && z.kind !== 'const')) c.fail('scales and sizes must be constants');
  }
  if (!scales && !sizes) c.fail('neither scales nor sizes given');
  const full = scales ?? sizes!;
  if (full.length !== 4) c.fail(`expected 4 scales or sizes (N, C, H, W), got [${full}]`);
  if (scales ? scales[0] !== 1 || scales[1] !== 1 : sizes![1] !== shape[1])
    c.fail('resizing the batch or channel axis is not supported');
  const out = sizes ? sizes.slice(2) : inSize.map((n, i) => Math.floor(n * scales![i + 2]));
  const mode = c.str('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear')
    c.fail(`mode '${mode}' is not supported (nearest, linear)`);
  // before opset 11 Resize and Upsample sample at o / scale (asymmetric), flooring for nearest
  const old = upsample || c.opset < 11;
  const coord = (old ? 'asymmetric' : c.str('coordinate_transformation_mode', 'half_pixel')) as CoordinateMode;
  const nearest = (old ? 'floor' : c.str('nearest_mode', 'round_prefer_floor')) as NearestMode;
  if (!old && (c.int('antialias', 0) || c.ints('axes') || c.str('keep_aspect_ratio_policy', 'stretch') !== 'stretch'))
    c.fail('antialias, axes and keep_aspect_ratio_policy are not supported');
  const layer = new Resizing({
    height: out[0],
    width: out[1],
    interpolation: mode === 'nearest' ? 'nearest' : 'bilinear',
    coordinateTransformation: coord,
    nearestMode: nearest,
    ...(scales ? { scale: scales.slice(2) } : {}),
    name: c.layerName(),
  });
  c.output({ kind: 'act', sym: c.layer(layer, [c.channelsLast(x)]), cl: true });
};

/** Converters by ONNX op type. */
export const NN_CONVERTERS: Record<string, Converter> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matmul,
  BatchNormalization: batchNorm,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool('avg'),
  GlobalMaxPool: globalPool('max'),
  ReduceMean: reduceMean,
  Resize: resize,
  Upsample: resize,
};
