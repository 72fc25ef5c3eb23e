// Fusion at plan time, after XNNPACK's subgraph rewrites and ONNX Runtime's conv/BN fusion: zero padding
// folds into the convolutions that read it, batch norm into the conv/depthwise/dense before it, ReLU and
// ReLU6 into the epilogue of the step that produces their input, a residual add into a 1x1 convolution
// that accumulates onto the other operand, and elementwise steps run in place when their input dies.
import { ACT, EPILOGUE_ACTS, Program, Step, inputsOf, isPointwise } from './steps';

type Producer = Extract<Step, { kind: 'conv' | 'depthwise' | 'dense' }>;
const hasEpilogue = (s: Step | undefined): s is Producer =>
  !!s && (s.kind === 'conv' || s.kind === 'depthwise' || s.kind === 'dense');

/** The value whose memory v uses (following views and in-place aliases). */
export function rootOf(p: Program, v: number): number {
  while (p.values[v].alias !== undefined) v = p.values[v].alias!;
  return v;
}

/** Readers of each value (step indices; outputs read at steps.length) and the step producing it. */
function uses(p: Program): { readers: Map<number, number[]>; producer: Map<number, number> } {
  const readers = new Map<number, number[]>(),
    producer = new Map<number, number>();
  const read = (v: number, i: number) => {
    const r = readers.get(v);
    if (r) r.push(i);
    else readers.set(v, [i]);
  };
  p.steps.forEach((s, i) => {
    for (const v of inputsOf(s)) read(v, i);
    producer.set(s.y, i);
  });
  for (const o of p.outputs) read(o, p.steps.length);
  // memory is read wherever anything aliasing it is (an alias always points to an earlier value: walk back)
  for (let v = p.values.length - 1; v >= 0; v--) {
    const to = p.values[v].alias;
    if (to !== undefined) for (const i of readers.get(v) ?? []) read(to, i);
  }
  return { readers, producer };
}

/** True when v is read by step i alone (and is no output, and nothing views it). */
function onlyReadBy(p: Program, v: number, i: number): boolean {
  const r = uses(p).readers.get(v) ?? [];
  return r.length === 1 && r[0] === i && !p.values.some((val) => val.alias === v);
}

/** How to fuse: residual adds into 1x1 convolutions (float plans), and a rewrite before the in-place pass. */
export interface FuseOptions {
  residuals?: boolean;
  /** Runs after folding and epilogue fusion, before elementwise steps go in place (int8 plans quantise here). */
  rewrite?: (p: Program) => void;
}

/** Rewrites the program in place; returns it. */
export function fuse(p: Program, opts: FuseOptions = {}): Program {
  foldPadding(p);
  foldBatchNorm(p);
  fuseActivations(p);
  if (opts.residuals ?? true) fuseResiduals(p);
  opts.rewrite?.(p);
  inPlace(p);
  return p;
}

function remove(p: Program, s: Step): void {
  p.steps.splice(p.steps.indexOf(s), 1);
}

/** A pad step read only by convolutions: they take its input with the padding in their geometry. */
function foldPadding(p: Program): void {
  for (const pad of p.steps.filter((s): s is Extract<Step, { kind: 'pad' }> => s.kind === 'pad')) {
    const readers = uses(p).readers.get(pad.y) ?? [];
    const convs = readers.map((i) => p.steps[i]);
    if (
      readers.length === 0 ||
      p.values.some((v) => v.alias === pad.y) ||
      !convs.every((s) => (s?.kind === 'conv' || s?.kind === 'depthwise') && s.x === pad.y)
    )
      continue;
    const [, h, w] = p.values[pad.x].shape;
    for (const c of convs as Producer[]) {
      if (c.kind === 'dense') continue;
      c.g = { ...c.g, inH: h, inW: w, padTop: c.g.padTop + pad.top, padLeft: c.g.padLeft + pad.left };
      c.x = pad.x;
    }
    remove(p, pad);
  }
}

/** y = x·scale + shift after a linear conv/depthwise/dense read by nothing else: scale its weights, shift its bias. */
function foldBatchNorm(p: Program): void {
  for (const a of p.steps.filter((s): s is Extract<Step, { kind: 'affine' }> => s.kind === 'affine')) {
    const { producer } = uses(p);
    const prod = p.steps[producer.get(a.x) ?? -1];
    if (!hasEpilogue(prod) || prod.act !== ACT.linear || (prod.kind === 'conv' && prod.residual !== undefined))
      continue;
    if (!onlyReadBy(p, a.x, p.steps.indexOf(a))) continue;
    const n = a.channels,
      w = new Float32Array(prod.w.length),
      bias = new Float32Array(n);
    // weights are [..., outC] (depthwise [fH, fW, C, M]: output channel c*M + m is the flat last-two index)
    for (let i = 0; i < w.length; i++) w[i] = prod.w[i] * a.scale[i % n];
    for (let o = 0; o < n; o++) bias[o] = (prod.bias ? prod.bias[o] : 0) * a.scale[o] + a.shift[o];
    prod.w = w;
    prod.bias = bias;
    prod.y = a.y;
    remove(p, a);
  }
}

/** ReLU / ReLU6 after a linear conv, depthwise, dense or add read by nothing else: into its epilogue. */
function fuseActivations(p: Program): void {
  for (const s of p.steps.filter(
    (t): t is Extract<Step, { kind: 'activate' }> => t.kind === 'activate' && EPILOGUE_ACTS.includes(t.act),
  )) {
    const prod = p.steps[uses(p).producer.get(s.x) ?? -1];
    if (!prod || !(hasEpilogue(prod) || prod.kind === 'add') || prod.act !== ACT.linear) continue;
    if (!onlyReadBy(p, s.x, p.steps.indexOf(s))) continue;
    prod.act = s.act;
    prod.y = s.y;
    remove(p, s);
  }
}

/**
 * y = act(a + r) where a comes from a 1x1 convolution read by nothing else and r's memory is read by
 * nothing after that convolution but the add: the convolution accumulates onto r in place (GEMM with
 * accumulate, the add and its ReLU in the epilogue).
 */
function fuseResiduals(p: Program): void {
  for (const add of p.steps.filter((s): s is Extract<Step, { kind: 'add' }> => s.kind === 'add' && s.xs.length === 2)) {
    const { readers, producer } = uses(p);
    const addAt = p.steps.indexOf(add);
    for (const [a, r] of [
      [add.xs[0], add.xs[1]],
      [add.xs[1], add.xs[0]],
    ]) {
      const convAt = producer.get(a) ?? -1,
        conv = p.steps[convAt];
      if (
        !conv ||
        conv.kind !== 'conv' ||
        !isPointwise(conv.g) ||
        conv.act !== ACT.linear ||
        conv.residual !== undefined
      )
        continue;
      if (!onlyReadBy(p, a, addAt)) continue;
      const root = rootOf(p, r);
      if (root === rootOf(p, conv.x) || p.steps.some((t, i) => i >= convAt && rootOf(p, t.y) === root)) continue;
      // every reader of r's memory (views included) must come before the convolution, or be the add
      const late = [...readers.entries()]
        .filter(([v]) => rootOf(p, v) === root)
        .flatMap(([, rs]) => rs)
        .some((i) => i >= convAt && i !== addAt);
      if (late) continue;
      conv.residual = r;
      conv.act = add.act;
      conv.y = add.y;
      p.values[add.y].alias = r;
      remove(p, add);
      break;
    }
  }
}

/** Elementwise steps write over an input whose memory nothing reads later. */
function inPlace(p: Program): void {
  p.steps.forEach((s, i) => {
    if (s.kind !== 'activate' && s.kind !== 'affine' && s.kind !== 'unary' && s.kind !== 'add' && s.kind !== 'qadd')
      return;
    const { readers } = uses(p);
    for (const x of inputsOf(s)) {
      const root = rootOf(p, x);
      if (p.values[root].size !== p.values[s.y].size || p.values[root].dtype !== p.values[s.y].dtype) continue;
      const later = [...readers.entries()]
        .filter(([v]) => rootOf(p, v) === root)
        .flatMap(([, rs]) => rs)
        .some((j) => j > i);
      if (!later) {
        p.values[s.y].alias = x;
        return;
      }
    }
  });
}
