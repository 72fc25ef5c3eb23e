// One-shot calls of the int8 kernels (assembly/int8.ts) on a WebAssembly build: copy in, run, copy out. Inference
// plans call the exports directly on pinned memory; these are for tests and checks against src/backend/js/int8.ts.
import type { ConvGeometry, PoolGeometry } from '../kernels';
import {
  Q_KIND,
  packInt8Weights,
  dotCorrections,
  dotFlip,
  packDepthwiseDot,
  packInt8Dot,
  paramBlock,
  qTypeOf,
  spanWeights,
  unpackInt8Weights,
  widenDepthwise,
  type QAddParams,
  type QArray,
  type QParams,
} from '../js/int8';
import { geometryBlock, poolGeometryBlock } from './geometry';
import type { ArenaOutput, KernelArray, WasmModule } from './module';

type Quantized = QArray | Float32Array;

/** 16 bytes of slack after every input and output: the kernels read and write whole vectors. */
const ROOM = 16;
const slack = (data: KernelArray) => ({ data, room: ROOM });

/** The per-channel block: np i32 corrections then np f32 multipliers (both padded with zeros). */
function channels(corr: Int32Array, mult: Float32Array, n: number): Int32Array {
  const np = Math.ceil(n / 8) * 8,
    block = new Int32Array(2 * np);
  block.set(corr.subarray(0, Math.min(corr.length, np)));
  new Float32Array(block.buffer, np * 4, np).set(mult.subarray(0, Math.min(mult.length, np)));
  return block;
}

/** The output of n values of a kind (Q_KIND) with room after it. */
function output(n: number, kind: number): ArenaOutput<Quantized> {
  const type =
    kind === Q_KIND.f32 ? Float32Array : kind === Q_KIND.i16 ? Int16Array : kind === Q_KIND.i8 ? Int8Array : Uint8Array;
  return { type, length: n, room: ROOM };
}

/** qgemm on a build: a [m, k], packed weights (packInt8Weights), n output channels. */
export function qgemmWasm(
  mod: WasmModule,
  a: QArray,
  m: number,
  k: number,
  packed: Int16Array,
  n: number,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const inputs = [a, packed, channels(corr, mult, n), paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(m * n, p.kind), ([pa, pw, pc, pq, out]) =>
    mod.exports.qgemm(
      m,
      n,
      k,
      pa,
      k * a.BYTES_PER_ELEMENT,
      pw,
      pc,
      pq,
      out,
      n,
      mod.arena.allocBytes(mod.exports.qScratchBytes(k, n)),
    ),
  );
}

/** qconv or qdepthwise on a build (w: packInt8Weights for conv, widenDepthwise for depthwise). */
export function qconvWasm(
  mod: WasmModule,
  depthwise: boolean,
  x: QArray,
  g: ConvGeometry,
  w: Int16Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const n = g.outC,
    inputs = [x, geometryBlock(g), w, channels(corr, mult, n), paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(g.batch * g.outH * g.outW * n, p.kind), ([px, pg, pw, pc, pq, out]) => {
    const scratch = mod.arena.allocBytes(mod.exports.qScratchBytes(depthwise ? g.fH * g.fW : g.fH * g.fW * g.inC, n));
    if (depthwise) mod.exports.qdepthwise(px, pg, pw, pc, pq, out, 0, 0, scratch);
    else mod.exports.qconv(px, pg, pw, pc, pq, out, scratch);
  });
}

/** A plan's int8 conv weights (packInt8Weights of [k, n]) repacked for qconvDirect over geometry g. */
export function directWeights(packed: Int16Array, k: number, n: number, g: ConvGeometry): Int16Array {
  const span = spanWeights(unpackInt8Weights(packed, k, n), g);
  return packInt8Weights(span.w, span.k, n);
}

/** qconvDirect's scratch bytes for geometry g (a band of output rows needs what the whole does). */
export const qDirectScratch = (mod: WasmModule, g: ConvGeometry): number =>
  mod.exports.qDirectScratchBytes(g.outW, g.inC, g.fH, g.fW, g.strideW, g.dilationW);

/** qconvDirect on a build (w: [fH, fW, inC, outC] int8, packed here as a plan packs it). */
export function qconvDirectWasm(
  mod: WasmModule,
  x: QArray,
  g: ConvGeometry,
  w: Int8Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const n = g.outC,
    k = g.fH * g.fW * g.inC,
    wp = directWeights(packInt8Weights(w, k, n), k, n, g);
  const inputs = [x, geometryBlock(g), wp, channels(corr, mult, n), paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(g.batch * g.outH * g.outW * n, p.kind), ([px, pg, pw, pc, pq, out]) =>
    mod.exports.qconvDirect(px, pg, pw, pc, pq, out, mod.arena.allocBytes(qDirectScratch(mod, g))),
  );
}

/** quantizeF32 on a build: bytes (an Int8Array view for int8), or int16 values when wide. */
export function quantizeWasm(
  mod: WasmModule,
  x: Float32Array,
  invScale: number,
  z: number,
  qmin: number,
  qmax: number,
  wide = false,
): Uint8Array | Int16Array {
  const run = ([px, out]: number[]) =>
    mod.exports.quantizeF32(px, x.length, invScale, z, qmin, qmax, wide ? 2 : qmin < 0 ? 1 : 0, out);
  return wide
    ? mod.arena.call([slack(x)], { type: Int16Array, length: x.length, room: ROOM }, run)
    : mod.arena.call([slack(x)], { type: Uint8Array, length: x.length, room: ROOM }, run);
}

/** qadd on a build: a and b of one type (Int8Array for int8), the result of that type. */
export function qaddWasm<T extends QArray>(mod: WasmModule, a: T, b: T, p: QAddParams): T {
  const t = qTypeOf(a);
  return mod.arena.call([slack(a), slack(b)], output(a.length, kindOf(t)), ([pa, pb, out]) =>
    mod.exports.qadd(pa, p.za, p.ma, pb, p.zb, p.mb, a.length, t, p.z, p.qmin, p.qmax, out),
  ) as T;
}

/** qmaxPool (assembly/pool.ts) on a build: int8 or uint8 x, y with the same zero point. */
export function qmaxPoolWasm<T extends QArray>(mod: WasmModule, x: T, g: PoolGeometry, zero: number): T {
  const t = qTypeOf(x),
    n = g.batch * g.outD * g.outH * g.outW * g.channels;
  return mod.arena.call([slack(x), slack(poolGeometryBlock(g))], output(n, kindOf(t)), ([px, pg, out]) =>
    mod.exports.qmaxPool(px, out, pg, t, zero),
  ) as T;
}

/** dequantize on a build. */
export function dequantizeWasm(mod: WasmModule, q: QArray, z: number, scale: number): Float32Array {
  return mod.arena.call([slack(q)], q.length, ([pq, out]) =>
    mod.exports.dequantize(pq, q.length, qTypeOf(q), z, scale, out),
  );
}

/** The output kind holding values of an element type code (qTypeOf). */
const kindOf = (t: number): number => [Q_KIND.u8, Q_KIND.i8, Q_KIND.i16][t];

/**
 * What an engine computes for i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c): 'unsigned' (b read as uint8, x86 VNNI),
 * 'signed' (b read as int8, Arm sdot), 'saturating' (b unsigned with i16 pair sums saturated, x86 pmaddubsw), or
 * 'unknown' (none of these, a mix of them across calls, or no relaxed build).
 */
export type DotArithmetic = 'unsigned' | 'signed' | 'saturating' | 'unknown';

/**
 * The probe's operands (after XNNPACK's hardware-config.c): lane 0 saturates a pair sum only as pmaddubsw does
 * (127·255·2 = 64770), lanes 0, 1 and 3 read b's high bit, and c is non-zero so an engine that drops it shows.
 */
export const DOT_PROBE = {
  a: Int8Array.from([127, 127, 127, 127, -128, -128, -128, -128, 1, -2, 3, -4, -128, 127, 0, 5]),
  b: Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255, 5, 200, 7, 130, 128, 1, 9, 127]),
  c: Int32Array.from([1, 2, 3, 4]),
};

const sat16 = (v: number) => Math.max(-32768, Math.min(32767, v));

/** The result a known arithmetic gives for the probe's operands. */
export function dotModel(kind: Exclude<DotArithmetic, 'unknown'>, a: Int8Array, b: Uint8Array, c: Int32Array) {
  const out = new Int32Array(4);
  for (let l = 0; l < 4; l++) {
    const p = [0, 1, 2, 3].map((i) => a[4 * l + i] * (kind === 'signed' ? (b[4 * l + i] << 24) >> 24 : b[4 * l + i]));
    out[l] = (kind === 'saturating' ? sat16(p[0] + p[1]) + sat16(p[2] + p[3]) : p[0] + p[1] + p[2] + p[3]) + c[l];
  }
  return out;
}

/** The arithmetic every outcome of the probe (one i32x4 each) agrees with, else 'unknown'. */
export function classifyDot(outcomes: Int32Array[]): DotArithmetic {
  const { a, b, c } = DOT_PROBE;
  for (const kind of ['unsigned', 'signed', 'saturating'] as const) {
    const want = dotModel(kind, a, b, c);
    if (outcomes.length && outcomes.every((o) => o.every((v, i) => v === want[i]))) return kind;
  }
  return 'unknown';
}

/** Probe verdicts per build, kept for the process: a later module can reuse code the engine already tiered up. */
const probed = new Map<string, DotArithmetic>();

/**
 * A build's relaxed int8 dot product, probed on the build's first module in this process: several calls, the
 * later ones looping long enough for the engine to compile the probe in its optimising tier too, and every call
 * must agree (V8 11.3's baseline tier, Node 20's, doubles the products and drops c: 'unknown').
 */
export function dotArithmetic(mod: WasmModule): DotArithmetic {
  let kind = probed.get(mod.build);
  if (kind) return kind;
  if (!mod.build.startsWith('relaxed')) kind = 'unknown';
  else {
    const { a, b, c } = DOT_PROBE;
    const outcomes = [1, 1, 20000, 20000, 20000].map((reps) =>
      mod.arena.call([a, b, c], { type: Int32Array, length: 4 }, ([pa, pb, pc, out]) =>
        mod.exports.qdotProbe(pa, pb, pc, out, reps),
      ),
    );
    kind = classifyDot(outcomes);
  }
  probed.set(mod.build, kind);
  return kind;
}

/** Whether results on the dot path match the reference exactly for every input: no saturation. */
export const dotExact = (kind: DotArithmetic): kind is 'unsigned' | 'signed' =>
  kind === 'unsigned' || kind === 'signed';

/** A plan's int8 GEMM or conv weights for the dot path under an exact arithmetic: bytes, corrections, flip. */
export function dotWeights(
  kind: 'unsigned' | 'signed',
  packed: Int16Array,
  channels: Int32Array,
  k: number,
  n: number,
  signedA: boolean,
): { w: Int8Array; channels: Int32Array; flip: number } {
  const w = unpackInt8Weights(packed, k, n),
    np = Math.ceil(n / 8) * 8;
  const out = Int32Array.from(channels);
  out.set(dotCorrections(channels.subarray(0, np), w, k, n, kind === 'signed', signedA));
  return { w: packInt8Dot(w, k, n), channels: out, flip: dotFlip(kind === 'signed', signedA) };
}

/** A plain [k, n] int8 w with its corrections and multipliers as a plan prepares them for the dot path. */
function dotOperands(
  kind: 'unsigned' | 'signed',
  w: Int8Array,
  k: number,
  n: number,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
) {
  return dotWeights(kind, packInt8Weights(w, k, n), channels(corr, mult, n), k, n, p.signedA);
}

/**
 * qgemm on a relaxed build's dot path, assuming the engine computes `kind` (a plain [k, n] int8 w; packing,
 * flip and corrections as a plan makes them).
 */
export function qgemmDotWasm(
  mod: WasmModule,
  kind: 'unsigned' | 'signed',
  a: Uint8Array | Int8Array,
  m: number,
  k: number,
  w: Int8Array,
  n: number,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const d = dotOperands(kind, w, k, n, corr, mult, p);
  const inputs = [a, d.w, d.channels, paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(m * n, p.kind), ([pa, pw, pc, pq, out]) =>
    mod.exports.qgemmDot(
      m,
      n,
      k,
      pa,
      k,
      pw,
      pc,
      pq,
      out,
      n,
      d.flip,
      mod.arena.allocBytes(mod.exports.qdotScratchBytes(k)),
    ),
  );
}

/** qconv on a relaxed build's dot path, as qgemmDotWasm (w: [fH, fW, inC, outC] int8). */
export function qconvDotWasm(
  mod: WasmModule,
  kind: 'unsigned' | 'signed',
  x: Uint8Array | Int8Array,
  g: ConvGeometry,
  w: Int8Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const n = g.outC,
    k = g.fH * g.fW * g.inC;
  const d = dotOperands(kind, w, k, n, corr, mult, p);
  const inputs = [x, geometryBlock(g), d.w, d.channels, paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(g.batch * g.outH * g.outW * n, p.kind), ([px, pg, pw, pc, pq, out]) =>
    mod.exports.qconvDot(px, pg, pw, pc, pq, out, d.flip, mod.arena.allocBytes(mod.exports.qdotScratchBytes(k))),
  );
}

/**
 * A plan's depthwise weights for qdepthwise's dot path under an exact arithmetic: the packed bytes then the dot
 * corrections of their channels (full blocks of 16), and the flip; null when there are fewer than 16 channels.
 */
export function dotDepthwise(
  kind: 'unsigned' | 'signed',
  w16: Int16Array,
  channels: Int32Array,
  taps: number,
  c: number,
  signedA: boolean,
): { w: Int8Array; flip: number } | null {
  const np = Math.ceil(c / 8) * 8,
    nb = c >> 4;
  if (nb === 0) return null;
  const w = new Int8Array(taps * c);
  for (let t = 0; t < taps; t++) for (let i = 0; i < c; i++) w[t * c + i] = w16[t * np + i];
  const packed = packDepthwiseDot(w, taps, c),
    out = new Int8Array(packed.length + nb * 16 * 4);
  out.set(packed);
  const corr = dotCorrections(channels.subarray(0, np), w, taps, c, kind === 'signed', signedA);
  new Int32Array(out.buffer, packed.length, nb * 16).set(corr.subarray(0, nb * 16));
  return { w: out, flip: dotFlip(kind === 'signed', signedA) };
}

/** qdepthwise on a relaxed build with its dot path, assuming the engine computes `kind` (w: [fH, fW, C] int8). */
export function qdepthwiseDotWasm(
  mod: WasmModule,
  kind: 'unsigned' | 'signed',
  x: Uint8Array | Int8Array,
  g: ConvGeometry,
  w: Int8Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const c = g.inC,
    taps = g.fH * g.fW,
    w16 = widenDepthwise(w, taps, c),
    block = channels(corr, mult, c);
  const d = dotDepthwise(kind, w16, block, taps, c, p.signedA);
  const inputs = [x, geometryBlock(g), w16, block, paramBlock(p, c), d?.w ?? null].map((a) => (a ? slack(a) : null));
  return mod.arena.call(inputs, output(g.batch * g.outH * g.outW * c, p.kind), ([px, pg, pw, pc, pq, pd, out]) => {
    const scratch = mod.arena.allocBytes(mod.exports.qScratchBytes(taps, c));
    mod.exports.qdepthwise(px, pg, pw, pc, pq, out, pd, d?.flip ?? 0, scratch);
  });
}
