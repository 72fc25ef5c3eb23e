// Rewrites a fused float program into an int8 one (after TensorFlow Lite's and ONNX Runtime's static
// post-training quantisation): convolutions, depthwise convolutions (multiplier 1) and dense layers become int8
// steps whose weights are quantised per output channel (symmetric, after batch-norm folding), activations carry a
// per-tensor scale and zero point from calibration, and every other step stays float, with quantize / dequantize
// steps at the boundaries. An int8 step whose output only float steps read stores float32 directly. A residual add of
// two calibrated values whose sum an int8 step reads runs int8 too (its ReLU in the clamp), so a residual block's
// convolutions hand their int8 outputs to the add and the add hands its int8 sum to the next block.
// A leaky ReLU read from an int8 step alone runs in that step's requantising epilogue (on the value before rounding,
// with the activation's calibrated range as the output's), and max pooling of an int8 value runs on the bytes with one
// scale and zero point for its input and output (max commutes with the monotone quantisation), so Tiny-YOLO-style
// blocks (conv, leaky ReLU, max pool) stay int8 from one conv to the next.
// With activations 'int16' (TensorFlow Lite's 16x8 mode) the values between int8 steps are int16, symmetric (zero
// point 0), for nets whose 8-bit activations lose too much; weights stay int8 and the same i16 tiles run. Each value's
// range is narrowed where a reader's i32 sums could overflow (int16Limits).
import { ACT, Program, Step, Value, inputsOf } from '../models/plan/steps';
import { envVar } from '../platform';
import {
  Q_KIND,
  Q_LEAKY,
  corrections,
  packInt8Weights,
  paramBlock,
  widenDepthwise,
  type QParams,
} from '../backend/js/int8';

/** Calibrated [min, max] per value the float program's steps write (and per input). */
export type Ranges = Map<number, [number, number]>;

export interface QuantizeSettings {
  weights: 'perChannel' | 'perTensor';
  activations: 'uint8' | 'int8' | 'int16';
  skip: ReadonlySet<string>;
  /** Per layer, what bias correction adds to its folded bias, one number per output channel. */
  bias?: ReadonlyMap<string, ArrayLike<number>>;
}

/** A value's scale and zero point; wide: int16. */
interface QValue {
  scale: number;
  zero: number;
  qmin: number;
  qmax: number;
  wide?: boolean;
}

/** The largest int16 level: the range of an int16 value is -INT16_LEVELS..INT16_LEVELS (symmetric). */
const INT16_LEVELS = 32767;

type Candidate = Extract<Step, { kind: 'conv' | 'depthwise' | 'dense' }>;
type Add = Extract<Step, { kind: 'add' }>;

/**
 * The range [lo, hi] (widened to hold 0, so zero padding is exact) mapped onto qmin..qmax; int16 symmetric onto
 * -levels..levels.
 */
export function valueParams([lo0, hi0]: [number, number], signed: boolean | 'int16', levels = INT16_LEVELS): QValue {
  const lo = Math.min(lo0, 0),
    hi = Math.max(hi0, 0);
  if (signed === 'int16') {
    const r = Math.max(-lo, hi);
    return { scale: r > 0 ? r / levels : 1, zero: 0, qmin: -levels, qmax: levels, wide: true };
  }
  const qmin = signed ? -128 : 0,
    qmax = signed ? 127 : 255;
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zero = Math.min(Math.max(Math.round(qmin - lo / scale), qmin), qmax);
  return { scale, zero, qmin, qmax };
}

/** Whether a step has an int8 kernel: 2D (or 1D) convolutions, depthwise multiplier 1, dense. */
function supported(s: Step): s is Candidate {
  if (s.kind === 'dense') return true;
  if (s.kind === 'conv') return s.residual === undefined && s.g.inD === 1 && s.g.fD === 1 && s.g.outD === 1;
  return s.kind === 'depthwise' && s.g.multiplier === 1;
}

/** Names of the layers a program would run int8 with these settings and ranges. */
export function int8Layers(p: Program, ranges: Ranges, q: QuantizeSettings): string[] {
  const rangeOf = rangeLookup(p, ranges);
  return p.steps
    .filter((s): s is Candidate => supported(s) && !!s.layer && !q.skip.has(s.layer) && !!rangeOf(s.x))
    .map((s) => s.layer!);
}

function rangeLookup(p: Program, ranges: Ranges): (v: number) => [number, number] | undefined {
  return (v) => {
    for (;;) {
      const r = ranges.get(v);
      if (r || p.values[v].alias === undefined) return r;
      v = p.values[v].alias!;
    }
  };
}

/**
 * Which adds run int8 and which values stay int8, given the int8 kernel steps (chosen) of p: an add of two calibrated
 * values runs int8 while an int8 step (kernel or add) reads its sum, the sum is no output of the program and its layer
 * is
 * not in skip; a value
 * (by root) is int8 when an int8 step writes it and another reads it. Shared with io.saveOnnx's QDQ form (qdq.ts).
 */
export function int8Values(
  p: Program,
  chosen: ReadonlySet<Step>,
  rangeOf: (v: number) => [number, number] | undefined,
  root: (v: number) => number,
  skip: ReadonlySet<string>,
): { adds: Set<Add>; quantised: Set<number> } {
  const outRoots = new Set(p.outputs.map(root));
  // CONVKIT_INT8_ADD=0 keeps every add float (to compare the two: bench/int8-add.ts)
  const off = envVar('CONVKIT_INT8_ADD') === '0';
  const adds = new Set(
    p.steps.filter(
      (s): s is Add =>
        !off &&
        s.kind === 'add' &&
        !(s.layer && skip.has(s.layer)) &&
        s.xs.length === 2 &&
        s.xs.every((x) => !!rangeOf(x)) &&
        !!rangeOf(s.y) &&
        !outRoots.has(root(s.y)),
    ),
  );
  const readByInt8 = (r: number) =>
    [...chosen].some((t) => 'x' in t && root(t.x) === r) || [...adds].some((a) => a.xs.some((x) => root(x) === r));
  // an add whose sum only float steps read goes back to float; that can leave an earlier add's sum unread by int8
  for (let changed = true; changed;) {
    changed = false;
    for (const a of adds)
      if (!readByInt8(root(a.y))) {
        adds.delete(a);
        changed = true;
      }
  }
  const quantised = new Set<number>();
  for (const s of [...chosen, ...adds]) {
    const r = root(s.y);
    if (!outRoots.has(r) && readByInt8(r)) quantised.add(r);
  }
  return { adds, quantised };
}

/**
 * Rewrites p (fused, residuals not folded, not yet in place) into its int8 form, in place. With probe, each int8
 * step writes its float output before its activation to a value of its own (activation and quantize steps follow),
 * recorded in probe with the step's layer: what bias correction compares with the float program's.
 */
export function quantizeProgram(p: Program, ranges: Ranges, q: QuantizeSettings, probe?: Map<number, string>): void {
  const wide = q.activations === 'int16',
    signed = q.activations !== 'uint8',
    dtype: Value['dtype'] = wide ? 'i16' : signed ? 'i8' : 'u8';
  const rangeOf = rangeLookup(p, ranges);
  const root = (v: number): number => (p.values[v].alias === undefined ? v : root(p.values[v].alias!));
  const chosen = new Set(
    p.steps.filter(
      (s): s is Candidate => supported(s) && !!s.layer && !q.skip.has(s.layer) && !!rangeOf(s.x) && !!rangeOf(s.y),
    ),
  );
  // CONVKIT_INT8_ACT=0 keeps leaky ReLU and max pooling float (the plans before they ran int8, to compare)
  const int8Act = envVar('CONVKIT_INT8_ACT') !== '0';
  const leaky = int8Act ? fuseLeaky(p, chosen, rangeOf) : new Map<Candidate, number>();
  // an int8 step's output stays int8 when another int8 step reads it (and it is no output of the program)
  const { adds, quantised } = int8Values(p, chosen, rangeOf, root, q.skip);
  const pools = int8Act ? int8Pools(p, [...chosen, ...adds], quantised, root) : [];
  p.values.forEach((v, i) => {
    if (quantised.has(root(i))) v.dtype = dtype;
  });
  const limits = wide ? int16Limits(p, chosen, rangeOf, root, q.bias) : new Map<number, number>();
  if (wide) sharePoolLimits(limits, pools, root);
  const params = new Map<number, QValue>();
  const paramsOf = (v: number): QValue => {
    const r = root(v);
    if (!params.has(r)) params.set(r, valueParams(rangeOf(v)!, wide ? 'int16' : signed, limits.get(r)));
    return params.get(r)!;
  };
  // an int8 pool's input and output share one scale and zero point: the output's range where the pool alone reads its
  // input (clamping commutes with max too, so the input's values below the output's range are never the answer, and
  // its resolution is not spent on the negatives that max pooling drops), else the input's
  const reads = new Map<number, number>();
  for (const s of p.steps) for (const v of inputsOf(s)) reads.set(root(v), (reads.get(root(v)) ?? 0) + 1);
  for (const v of p.outputs) reads.set(root(v), (reads.get(root(v)) ?? 0) + 1);
  const sole = (s: Pool) => reads.get(root(s.x)) === 1;
  for (const s of pools) if (!sole(s)) params.set(root(s.y), paramsOf(s.x));
  for (const s of [...pools].reverse()) if (sole(s) && !params.has(root(s.x))) params.set(root(s.x), paramsOf(s.y));
  const steps: Step[] = [];
  const quantisedCopy = new Map<number, number>(),
    floatCopy = new Map<number, number>();
  const newValue = (like: number, d?: Value['dtype']) =>
    p.values.push({ shape: p.values[like].shape, size: p.values[like].size, ...(d ? { dtype: d } : {}) }) - 1;
  /** x as an int8 value: itself, or a quantize step's output (one per float value). */
  const asInt8 = (x: number): number => {
    if (quantised.has(root(x))) return x;
    const r = root(x);
    if (!quantisedCopy.has(r)) {
      const y = newValue(x, dtype),
        vp = paramsOf(x);
      params.set(y, vp);
      steps.push({ kind: 'quantize', x, y, scale: vp.scale, zero: vp.zero, qmin: vp.qmin, qmax: vp.qmax });
      quantisedCopy.set(r, y);
    }
    return quantisedCopy.get(r)!;
  };
  /** x as a float value: itself, or a dequantize step's output. */
  const asFloat = (x: number): number => {
    if (!quantised.has(root(x))) return x;
    const r = root(x);
    if (!floatCopy.has(r)) {
      const y = newValue(x),
        vp = paramsOf(x);
      steps.push({ kind: 'dequantize', x, y, scale: vp.scale, zero: vp.zero });
      floatCopy.set(r, y);
    }
    return floatCopy.get(r)!;
  };
  for (const s of p.steps) {
    if (chosen.has(s as Candidate)) {
      const c = s as Candidate,
        x = asInt8(c.x);
      const act = leaky.get(c);
      if (probe) {
        steps.push(
          ...probeSteps(
            c,
            x,
            params.get(root(x)) ?? paramsOf(c.x),
            quantised.has(root(c.y)) ? paramsOf(c.y) : null,
            act,
          ),
        );
        continue;
      }
      steps.push(
        int8Step(c, x, params.get(root(x)) ?? paramsOf(c.x), quantised.has(root(c.y)) ? paramsOf(c.y) : null, q, act),
      );
      continue;
    }
    if (s.kind === 'pool' && pools.includes(s)) {
      steps.push({ ...s, zero: paramsOf(s.x).zero });
      continue;
    }
    if (s.kind === 'add' && adds.has(s)) {
      steps.push(int8Add(s, s.xs.map(asInt8), s.xs.map(paramsOf), paramsOf(s.y)));
      continue;
    }
    if ('xs' in s) s.xs = s.xs.map(asFloat);
    else if ('x' in s) s.x = asFloat(s.x);
    steps.push(s);
  }
  p.steps = steps;

  /** The int8 step writing float32 before its activation (probed), then the activation and quantize steps. */
  function probeSteps(c: Candidate, x: number, inQ: QValue, outQ: QValue | null, leakyAlpha?: number): Step[] {
    const act = leakyAlpha !== undefined ? ACT.leaky : c.act,
      alpha = leakyAlpha ?? 0;
    const pre = act === ACT.linear && !outQ ? c.y : newValue(c.y);
    probe!.set(pre, c.layer!);
    const out: Step[] = [int8Step({ ...c, y: pre, act: ACT.linear }, x, inQ, null, q, undefined)];
    const post = act === ACT.linear ? pre : outQ ? newValue(c.y) : c.y;
    if (act !== ACT.linear) out.push({ kind: 'activate', x: pre, y: post, act, alpha });
    if (outQ)
      out.push({
        kind: 'quantize',
        x: post,
        y: c.y,
        scale: outQ.scale,
        zero: outQ.zero,
        qmin: outQ.qmin,
        qmax: outQ.qmax,
      });
    return out;
  }
}

/**
 * The float program's probe for bias correction: each step of the named layers writes its output before its
 * activation to a value of its own (recorded in probe with its layer), an activate step following.
 */
export function probeFloat(p: Program, layers: ReadonlySet<string>, probe: Map<number, string>): void {
  const steps: Step[] = [];
  for (const s of p.steps) {
    steps.push(s);
    if (!supported(s) || !s.layer || !layers.has(s.layer)) continue;
    if (s.act !== ACT.linear) {
      const pre = p.values.push({ shape: p.values[s.y].shape, size: p.values[s.y].size }) - 1;
      steps.push({ kind: 'activate', x: pre, y: s.y, act: s.act, alpha: 0 });
      [s.y, s.act] = [pre, ACT.linear];
    }
    probe.set(s.y, s.layer);
  }
  p.steps = steps;
}

/** The clamp of a quantised output: its type's range, narrowed by a ReLU or ReLU6 folded into it. */
function clampOf(out: QValue, act: number): { qmin: number; qmax: number } {
  let { qmin, qmax } = out;
  if (act === ACT.relu || act === ACT.relu6) qmin = Math.max(qmin, out.zero);
  if (act === ACT.relu6) qmax = Math.min(qmax, out.zero + Math.round(6 / out.scale));
  return { qmin, qmax };
}

/** The int8 step for a float residual add: each input's scale over the sum's, the add's activation in the clamp. */
function int8Add(s: Add, xs: number[], [a, b]: QValue[], out: QValue): Step {
  const q = { za: a.zero, ma: a.scale / out.scale, zb: b.zero, mb: b.scale / out.scale, z: out.zero };
  return { kind: 'qadd', xs, y: s.y, q: { ...q, ...clampOf(out, s.act) } };
}

/** The int8 step for a float conv/depthwise/dense step: weights quantised per channel, bias and scales folded. */
function int8Step(
  s: Candidate,
  x: number,
  inQ: QValue,
  outQ: QValue | null,
  q: QuantizeSettings,
  leaky: number | undefined,
): Step {
  let op: 'gemm' | 'conv' | 'depthwise', m: number, k: number, n: number;
  const g = s.kind === 'dense' ? null : s.g;
  if (s.kind === 'dense') [op, m, k, n] = ['gemm', s.m, s.k, s.n];
  else if (s.kind === 'depthwise') [op, m, k, n] = ['depthwise', 0, s.g.fH * s.g.fW, s.g.inC];
  else {
    const pointwise = s.g.fH * s.g.fW === 1 && s.g.strideH * s.g.strideW === 1 && s.g.padTop + s.g.padLeft === 0;
    op = pointwise && s.g.outH === s.g.inH && s.g.outW === s.g.inW ? 'gemm' : 'conv';
    [m, k, n] = [s.g.batch * s.g.outH * s.g.outW, s.g.fH * s.g.fW * s.g.inC, s.g.outC];
  }
  const wScale = weightScales(s.w, k, n, q.weights);
  const wq = new Int8Array(k * n);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < n; j++) wq[i * n + j] = Math.max(-127, Math.min(127, Math.round(s.w[i * n + j] / wScale[j])));
  const biasQ = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const b = ((s.bias ? s.bias[j] : 0) + (s.layer ? (q.bias?.get(s.layer)?.[j] ?? 0) : 0)) / (inQ.scale * wScale[j]);
    biasQ[j] = Math.max(-(2 ** 31) + 1, Math.min(2 ** 31 - 1, Math.round(b)));
  }
  const np = Math.ceil(n / 8) * 8,
    channels = new Int32Array(2 * np);
  channels.set(corrections(wq, k, n, inQ.zero, biasQ));
  const mult = new Float32Array(channels.buffer, np * 4, np);
  for (let j = 0; j < n; j++) mult[j] = (inQ.scale * wScale[j]) / (outQ ? outQ.scale : 1);
  const signedA = inQ.qmin < 0;
  let p: QParams;
  if (outQ) {
    // ReLU and ReLU6 become the clamp of the quantised output
    const { qmin, qmax } = clampOf(outQ, s.act);
    const kind = outQ.wide ? Q_KIND.i16 : outQ.qmin < 0 ? Q_KIND.i8 : Q_KIND.u8;
    p = { kind, zOut: outQ.zero, qmin, qmax, act: 0, zA: inQ.zero, signedA, wideA: inQ.wide };
  } else {
    p = { kind: Q_KIND.f32, zOut: 0, qmin: 0, qmax: 0, act: s.act, zA: inQ.zero, signedA, wideA: inQ.wide };
  }
  if (leaky !== undefined) p = { ...p, act: Q_LEAKY, alpha: leaky };
  const w = op === 'depthwise' ? widenDepthwise(wq, k, n) : packInt8Weights(wq, k, n);
  return { kind: 'int8', op, x, y: s.y, m, k, n, g, w, channels, params: paramBlock(p, n), layer: s.layer };
}

/** Symmetric int8 weight scales of w [k, n], one per output channel (column) or one for the tensor. */
export function weightScales(
  w: ArrayLike<number>,
  k: number,
  n: number,
  mode: QuantizeSettings['weights'],
): Float64Array {
  const wScale = new Float64Array(n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) wScale[j] = Math.max(wScale[j], Math.abs(w[i * n + j]));
  if (mode === 'perTensor') wScale.fill(Math.max(...wScale));
  for (let j = 0; j < n; j++) wScale[j] = wScale[j] > 0 ? wScale[j] / 127 : 1;
  return wScale;
}

/**
 * Per int16 value (by root), the largest level L its range may map to so that no reader's i32 sum can overflow:
 * |acc| <= L·sum_k |w_q| + |bias_q| with bias_q = b·L / (R·sW) (R the value's range, sW the channel's weight scale),
 * so L <= (2^31 - 1) / max_n (sum_k |w_q[k, n]| + |b_n| / (R·sW_n)), |w_q| taken rounded up (any rounding) at
 * per-channel scales (per-tensor ones are larger, so the bound holds for them too). Values with no such reader are
 * absent. Shared with io.saveOnnx's QDQ form (qdq.ts).
 */
export function int16Limits(
  p: Program,
  chosen: ReadonlySet<Candidate>,
  rangeOf: (v: number) => [number, number] | undefined,
  root: (v: number) => number,
  bias: QuantizeSettings['bias'],
): Map<number, number> {
  const limits = new Map<number, number>();
  const limit = (r: number, l: number) => limits.set(r, Math.min(limits.get(r) ?? INT16_LEVELS, l));
  for (const c of chosen) {
    const [lo, hi] = rangeOf(c.x)!,
      range = Math.max(-lo, hi, 0);
    const k = c.kind === 'dense' ? c.k : c.kind === 'depthwise' ? c.g.fH * c.g.fW : c.g.fH * c.g.fW * c.g.inC,
      n = c.w.length / k,
      wScale = weightScales(c.w, k, n, 'perChannel');
    let worst = 0;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += Math.min(127, Math.ceil(Math.abs(c.w[i * n + j]) / wScale[j]));
      const b = Math.abs((c.bias ? c.bias[j] : 0) + (c.layer ? (bias?.get(c.layer)?.[j] ?? 0) : 0));
      worst = Math.max(worst, sum + (range > 0 ? b / (range * wScale[j]) : 0));
    }
    if (worst > 0) limit(root(c.x), Math.floor((2 ** 31 - 1) / worst));
  }
  return limits;
}

/** An int8 pool's input and output share one scale, so they share the smaller int16 limit. */
function sharePoolLimits(limits: Map<number, number>, pools: Pool[], root: (v: number) => number): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const s of pools) {
      const [a, b] = [root(s.x), root(s.y)],
        l = Math.min(limits.get(a) ?? INT16_LEVELS, limits.get(b) ?? INT16_LEVELS);
      if (l !== (limits.get(a) ?? INT16_LEVELS) || l !== (limits.get(b) ?? INT16_LEVELS)) changed = true;
      if (l < INT16_LEVELS) [a, b].forEach((r) => limits.set(r, l));
    }
  }
}

type Pool = Extract<Step, { kind: 'pool' }>;

/**
 * The max pools that run int8, adding the values they keep int8 to quantised: a pool over a value an int8 step
 * (writers: kernels and adds) or another int8 pool writes, whose output an int8 step or int8 pool reads and is no
 * program output. Pools last first, so a pool's output is settled before its input.
 */
function int8Pools(p: Program, writers: Step[], quantised: Set<number>, root: (v: number) => number): Pool[] {
  const outRoots = new Set(p.outputs.map(root));
  const avail = new Set(writers.map((s) => root(s.y)));
  const candidates: Pool[] = [];
  for (const s of p.steps)
    if (s.kind === 'pool' && s.max && avail.has(root(s.x)) && !outRoots.has(root(s.x)) && !outRoots.has(root(s.y))) {
      candidates.push(s);
      avail.add(root(s.y));
    }
  const readByInt8 = (r: number) => writers.some((t) => inputsOf(t).some((x) => root(x) === r));
  const pools: Pool[] = [];
  for (const s of candidates.reverse())
    if (quantised.has(root(s.y)) || readByInt8(root(s.y))) {
      quantised.add(root(s.y));
      quantised.add(root(s.x));
      pools.unshift(s);
    }
  return pools;
}

/**
 * Leaky ReLUs (slope in [0, 1], where the kernels' max(v, v·alpha) is exact) whose input only an int8 step writes and
 * only they read: removed from p, the step writing their output instead; returns each such step's slope.
 */
function fuseLeaky(
  p: Program,
  chosen: ReadonlySet<Candidate>,
  rangeOf: (v: number) => [number, number] | undefined,
): Map<Candidate, number> {
  const reads = new Map<number, number>();
  for (const s of p.steps) for (const v of inputsOf(s)) reads.set(v, (reads.get(v) ?? 0) + 1);
  for (const v of p.outputs) reads.set(v, (reads.get(v) ?? 0) + 1);
  const fused = new Map<Candidate, number>();
  for (const c of chosen) {
    const a = p.steps.find((s) => s.kind === 'activate' && s.x === c.y);
    if (
      a?.kind !== 'activate' ||
      a.act !== ACT.leaky ||
      !(a.alpha >= 0 && a.alpha <= 1) ||
      c.act !== ACT.linear ||
      reads.get(c.y) !== 1 ||
      p.values.some((v) => v.alias === c.y) ||
      !rangeOf(a.y)
    )
      continue;
    fused.set(c, a.alpha);
    c.y = a.y;
    p.steps.splice(p.steps.indexOf(a), 1);
  }
  return fused;
}
