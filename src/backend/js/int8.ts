// The int8 kernels' reference (the spec of assembly/int8.ts) and the plan-time packing both share: plain loops,
// exact i32 accumulation, and the same f32 requantisation steps as the WebAssembly builds (convert the i32 to f32,
// multiply by an f32, clamp, round half to even), so every build must match it bit for bit.
import type { ConvGeometry, PoolGeometry } from '../kernels';

/** Output kinds (assembly/int8.ts Q_U8, Q_I8, Q_F32, Q_I16). */
export const Q_KIND = { u8: 0, i8: 1, f32: 2, i16: 3 } as const;

/** Quantised values: uint8, int8 or int16 (the 16x8 mode's activations, symmetric). */
export type QArray = Uint8Array | Int8Array | Int16Array;

/** The kernels' element type code of quantised values (assembly/int8.ts T_U8, T_I8, T_I16). */
export const qTypeOf = (a: QArray): number => (a instanceof Int16Array ? 2 : a instanceof Int8Array ? 1 : 0);

/** One call's activation and output parameters (the 8-i32 block the WebAssembly kernels read). */
export interface QParams {
  /** 0 uint8, 1 int8, 2 float32, 3 int16 output. */
  kind: number;
  /** Output zero point, and the clamp (quantised units, before any ReLU folded into it). */
  zOut: number;
  qmin: number;
  qmax: number;
  /**
   * Activation: 0 linear, 1 ReLU, 2 ReLU6 (float outputs; quantised outputs take these in qmin/qmax), 3 leaky ReLU
   * with slope alpha (either output: v < 0 ? v·alpha : v on the scaled value, before rounding).
   */
  act: number;
  /** The leaky slope (act 3), in [0, 1]: the kernels compute max(v, v·alpha). */
  alpha?: number;
  /** Input zero point, and whether the input is int8 (else uint8); wideA: int16 (signed, zero point 0). */
  zA: number;
  signedA: boolean;
  wideA?: boolean;
}

const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;

/** Activation code of leaky ReLU in QParams (ACT.leaky of the plans). */
export const Q_LEAKY = 3;

/** The block of 12 i32s the WebAssembly kernels read, for n output channels (the slope as f32 bits at 8). */
export function paramBlock(p: QParams, n: number): Int32Array {
  const b = Int32Array.from([
    p.kind,
    p.zOut,
    p.qmin,
    p.qmax,
    p.act,
    roundUp(n, 8),
    p.zA,
    p.wideA ? 2 : p.signedA ? 1 : 0,
    0,
    0,
    0,
    0,
  ]);
  new Float32Array(b.buffer, 32, 1)[0] = p.alpha ?? 0;
  return b;
}

/** Round half to even, as f32.nearest. */
export function roundEven(x: number): number {
  const f = Math.floor(x),
    d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}

/**
 * q = clamp(nearest(x·invScale)) + z in f32 steps; NaN gives z. Bytes (read as Int8Array for int8), or int16 values
 * when wide.
 */
export function quantizeRef<W extends boolean = false>(
  x: Float32Array,
  invScale: number,
  z: number,
  qmin: number,
  qmax: number,
  wide?: W,
): W extends true ? Int16Array : Uint8Array {
  const lo = qmin - z,
    hi = qmax - z,
    inv = Math.fround(invScale),
    out = (wide ? new Int16Array(x.length) : new Uint8Array(x.length)) as W extends true ? Int16Array : Uint8Array;
  for (let i = 0; i < x.length; i++) {
    const v = Math.fround(x[i] * inv);
    const c = v > lo ? (v < hi ? v : hi) : v < lo ? lo : v === v ? lo : 0;
    out[i] = roundEven(c) + z;
  }
  return out;
}

/** y = f32(q - z)·scale. */
export function dequantizeRef(q: QArray, z: number, scale: number): Float32Array {
  const y = new Float32Array(q.length),
    s = Math.fround(scale);
  for (let i = 0; i < q.length; i++) y[i] = Math.fround(q[i] - z) * s;
  return y;
}

/** A quantised residual add's parameters (assembly/int8.ts qadd): input zero points, scales over the output's. */
export interface QAddParams {
  za: number;
  ma: number;
  zb: number;
  mb: number;
  /** Output zero point and clamp (ReLU / ReLU6 folded in). */
  z: number;
  qmin: number;
  qmax: number;
}

/** out = clamp(nearest(f32(a - za)·ma + f32(b - zb)·mb), qmin - z, qmax - z) + z in f32 steps (a's type in, out). */
export function qaddRef<T extends QArray>(a: T, b: T, p: QAddParams): T {
  const out = new (a.constructor as new (n: number) => T)(a.length);
  const ma = Math.fround(p.ma),
    mb = Math.fround(p.mb),
    lo = p.qmin - p.z,
    hi = p.qmax - p.z;
  for (let i = 0; i < a.length; i++) {
    // each product and the sum rounded to f32: double rounding is exact for these (53 >= 2·24 + 2 bits)
    const v = Math.fround(Math.fround((a[i] - p.za) * ma) + Math.fround((b[i] - p.zb) * mb));
    out[i] = roundEven(Math.min(Math.max(v, lo), hi)) + p.z;
  }
  return out;
}

/** sum over k of W[k, n] per output channel ([k, n] weights). */
export function columnSums(w: Int8Array, k: number, n: number): Int32Array {
  const s = new Int32Array(n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) s[j] += w[i * n + j];
  return s;
}

/** Per channel bias_q - zA·sum_k W (the kernels' i32 correction), padded to a multiple of 8 channels. */
export function corrections(w: Int8Array, k: number, n: number, zA: number, biasQ: Int32Array | null): Int32Array {
  const s = columnSums(w, k, n),
    out = new Int32Array(roundUp(n, 8));
  for (let j = 0; j < n; j++) out[j] = (biasQ ? biasQ[j] : 0) - zA * s[j];
  return out;
}

/**
 * Weights [k, n] int8 packed for the GEMM tile: panels of 8 channels; in each, for each pair of k steps, 8 pairs
 * (W[k, c], W[k+1, c]) as i16, zero past k and n.
 */
export function packInt8Weights(w: Int8Array, k: number, n: number): Int16Array {
  const kp = roundUp(k, 2),
    np = roundUp(n, 8),
    out = new Int16Array(kp * np);
  for (let j = 0; j < np; j += 8)
    for (let t = 0; t < kp; t += 2)
      for (let c = 0; c < 8; c++)
        for (let h = 0; h < 2; h++) {
          const kk = t + h,
            nn = j + c;
          out[j * kp + t * 8 + c * 2 + h] = kk < k && nn < n ? w[kk * n + nn] : 0;
        }
  return out;
}

/**
 * Whether an int8 conv runs direct (qconvDirect) on the i16 path instead of im2col + GEMM: 2D, and few input channels
 * (a stem) or output rows of 28 pixels and more with up to 128 channels. Measured (bench/int8-direct.ts, 3x3, whole
 * plan): direct 1.18-1.28x at 208x208 for 1-16 channels, 1.09-1.13x at 56 and 28 with 32-128, 0.95-0.97x at 14.
 * maxInC: every 2D conv up to that many channels (CONVKIT_INT8_DIRECT=all, to measure).
 */
export function directInt8(g: ConvGeometry, maxInC?: number): boolean {
  if (g.inD !== 1 || g.fD !== 1) return false;
  if (maxInC !== undefined) return g.inC <= maxInC;
  return g.inC <= 4 || (g.outW >= 28 && g.inC <= 128);
}

/**
 * Filters [fH, fW, inC, outC] int8 as qconvDirect's [fH·l2, outC] (then packInt8Weights): per filter row a span of
 * ((fW - 1)·dW + 1)·inC values, padded to an even l2, zero where a dilation skips a pixel.
 */
export function spanWeights(w: Int8Array, g: ConvGeometry): { w: Int8Array; k: number } {
  const n = g.outC,
    c = g.inC,
    l2 = roundUp(((g.fW - 1) * g.dilationW + 1) * c, 2),
    out = new Int8Array(g.fH * l2 * n);
  for (let kh = 0; kh < g.fH; kh++)
    for (let kw = 0; kw < g.fW; kw++)
      for (let i = 0; i < c; i++) {
        const from = ((kh * g.fW + kw) * c + i) * n,
          to = (kh * l2 + kw * g.dilationW * c + i) * n;
        out.set(w.subarray(from, from + n), to);
      }
  return { w: out, k: g.fH * l2 };
}

/** The int8 weights [k, n] back from packInt8Weights' i16 panels. */
export function unpackInt8Weights(packed: Int16Array, k: number, n: number): Int8Array {
  const kp = roundUp(k, 2),
    out = new Int8Array(k * n);
  for (let kk = 0; kk < k; kk++)
    for (let nn = 0; nn < n; nn++) {
      const j = nn - (nn % 8),
        t = kk - (kk % 2);
      out[kk * n + nn] = packed[j * kp + t * 8 + (nn % 8) * 2 + (kk % 2)];
    }
  return out;
}

/**
 * Weights [k, n] int8 packed for the relaxed-SIMD dot tile (assembly/int8.ts qgemmDot): panels of 8 channels; in
 * each, per group of 4 k steps, channels 0-3 then 4-7 with their 4 values of k each; zero past k and n.
 */
export function packInt8Dot(w: Int8Array, k: number, n: number): Int8Array {
  const kq = roundUp(k, 4),
    np = roundUp(n, 8),
    out = new Int8Array(kq * np);
  for (let j = 0; j < np; j += 8)
    for (let t = 0; t < kq; t += 4)
      for (let c = 0; c < 8; c++)
        for (let h = 0; h < 4; h++) {
          const kk = t + h,
            nn = j + c;
          out[j * kq + t * 8 + c * 4 + h] = kk < k && nn < n ? w[kk * n + nn] : 0;
        }
  return out;
}

/**
 * Depthwise weights [taps, C] int8 packed for qdepthwise's dot path (full blocks of 16 channels only): per block and
 * group of 4 taps, 4 vectors of 4 channels with their 4 taps each; taps past the last are zero.
 */
export function packDepthwiseDot(w: Int8Array, taps: number, c: number): Int8Array {
  const tq = roundUp(taps, 4),
    nb = c >> 4,
    out = new Int8Array(nb * tq * 16);
  for (let b = 0; b < nb; b++)
    for (let t = 0; t < tq; t++)
      for (let i = 0; i < 16; i++)
        out[(b * tq + (t - (t % 4))) * 16 + i * 4 + (t % 4)] = t < taps ? w[t * c + 16 * b + i] : 0;
  return out;
}

/**
 * The dot path's activation flip (XOR of the sign bit) for an engine that reads the i7 operand signed or unsigned:
 * 0x80 when that differs from the activations' own signedness, else 0.
 */
export const dotFlip = (engineSigned: boolean, signedA: boolean): number => (engineSigned !== signedA ? 0x80 : 0);

/**
 * Corrections for the dot path: the engine sees x - 128 (signed engine, uint8 x) or x + 128 (unsigned engine, int8
 * x) when the flip is on, so each channel's start moves by ±128·sum_k W to cancel it.
 */
export function dotCorrections(
  corr: Int32Array,
  w: Int8Array,
  k: number,
  n: number,
  engineSigned: boolean,
  signedA: boolean,
): Int32Array {
  const out = Int32Array.from(corr);
  if (!dotFlip(engineSigned, signedA)) return out;
  const s = columnSums(w, k, n),
    d = engineSigned ? 128 : -128;
  for (let j = 0; j < n; j++) out[j] = (out[j] + d * s[j]) | 0;
  return out;
}

/**
 * Depthwise weights [taps, C] widened to i16 with channels padded to a multiple of 8, then for qdepthwise's tap pairs
 * (assembly/int8.ts dwPair), per block of 16 channels and pair of taps (the last one zero past taps), four vectors of
 * 4 channels' (W[t, c], W[t+1, c]).
 */
export function widenDepthwise(w: Int8Array, taps: number, c: number): Int16Array {
  const np = roundUp(c, 8),
    tp = roundUp(taps, 2),
    out = new Int16Array(taps * np + (c >> 4) * tp * 16);
  for (let t = 0; t < taps; t++) for (let i = 0; i < c; i++) out[t * np + i] = w[t * c + i];
  let o = taps * np;
  for (let b = 0; b < c >> 4; b++)
    for (let t = 0; t < tp; t += 2)
      for (let i = 0; i < 16; i++)
        for (let h = 0; h < 2; h++) out[o++] = t + h < taps ? w[(t + h) * c + 16 * b + i] : 0;
  return out;
}

type QOut = QArray | Float32Array;

function output(kind: number, n: number): QOut {
  if (kind === Q_KIND.i16) return new Int16Array(n);
  return kind === Q_KIND.f32 ? new Float32Array(n) : kind === Q_KIND.i8 ? new Int8Array(n) : new Uint8Array(n);
}

/** acc + corr requantised as the kernels do, written to out[i]. */
function store(acc: number, c: number, corr: Int32Array, mult: Float32Array, p: QParams, out: QOut, i: number): void {
  let v = Math.fround(Math.fround((acc + corr[c]) | 0) * mult[c]);
  if (p.act === Q_LEAKY && v < 0) v = Math.fround(v * Math.fround(p.alpha ?? 0));
  if (p.kind === Q_KIND.f32) {
    out[i] = p.act === 1 ? Math.max(v, 0) : p.act === 2 ? Math.min(Math.max(v, 0), 6) : v;
    return;
  }
  const lo = p.qmin - p.zOut,
    hi = p.qmax - p.zOut;
  out[i] = roundEven(Math.min(Math.max(v, lo), hi)) + p.zOut;
}

/** out[m, n] = requant(sum_k A[m, k]·W[k, n] + corr[n]) with A uint8/int8/int16, W int8 [k, n]. */
export function qgemmRef(
  a: QArray,
  m: number,
  k: number,
  w: Int8Array,
  n: number,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): QOut {
  const out = output(p.kind, m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += a[i * k + t] * w[t * n + j];
      store(acc, j, corr, mult, p, out, i * n + j);
    }
  return out;
}

/** A 2D convolution (NHWC, filters [fH, fW, inC, outC] int8), taps outside the input reading zA. */
export function qconvRef(
  x: QArray,
  g: ConvGeometry,
  w: Int8Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): QOut {
  const n = g.outC,
    out = output(p.kind, g.batch * g.outH * g.outW * n);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++) {
        const o = ((b * g.outH + oh) * g.outW + ow) * n;
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let kh = 0; kh < g.fH; kh++)
            for (let kw = 0; kw < g.fW; kw++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH,
                iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              for (let c = 0; c < g.inC; c++) {
                const xv = inside ? x[((b * g.inH + ih) * g.inW + iw) * g.inC + c] : p.zA;
                acc += xv * w[((kh * g.fW + kw) * g.inC + c) * n + j];
              }
            }
          store(acc, j, corr, mult, p, out, o + j);
        }
      }
  return out;
}

/** Depthwise 2D convolution, multiplier 1 (filters [fH, fW, C] int8), taps outside the input reading zA. */
export function qdepthwiseRef(
  x: QArray,
  g: ConvGeometry,
  w: Int8Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): QOut {
  const C = g.inC,
    out = output(p.kind, g.batch * g.outH * g.outW * C);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let kh = 0; kh < g.fH; kh++)
            for (let kw = 0; kw < g.fW; kw++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH,
                iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              const xv = inside ? x[((b * g.inH + ih) * g.inW + iw) * C + c] : p.zA;
              acc += xv * w[(kh * g.fW + kw) * C + c];
            }
          store(acc, c, corr, mult, p, out, ((b * g.outH + oh) * g.outW + ow) * C + c);
        }
  return out;
}

/**
 * Max pooling over quantised NDHWC values (the spec of assembly/pool.ts qmaxPool): padded cells are skipped, a
 * window entirely in padding gives the zero point.
 */
export function qmaxPoolRef<T extends QArray>(x: T, g: PoolGeometry, zero: number): T {
  const C = g.channels,
    out = new (x.constructor as new (n: number) => T)(g.batch * g.outD * g.outH * g.outW * C);
  let o = 0;
  for (let b = 0; b < g.batch; b++)
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++)
          for (let c = 0; c < C; c++) {
            let m = -Infinity;
            for (let pd = 0; pd < g.poolD; pd++)
              for (let ph = 0; ph < g.poolH; ph++)
                for (let pw = 0; pw < g.poolW; pw++) {
                  const d = od * g.strideD - g.padFront + pd,
                    h = oh * g.strideH - g.padTop + ph,
                    w = ow * g.strideW - g.padLeft + pw;
                  if (d < 0 || d >= g.inD || h < 0 || h >= g.inH || w < 0 || w >= g.inW) continue;
                  m = Math.max(m, x[(((b * g.inD + d) * g.inH + h) * g.inW + w) * C + c]);
                }
            out[o++] = m === -Infinity ? zero : m;
          }
  return out;
}
