// Adaptive rounding of depthwise and 1x1 kernels (quantize's rounding: 'adaptive'). Rounding each weight to its
// nearest int8 value minimises the weights' own error, not the output's: a depthwise channel's neighbouring input
// pixels are strongly correlated, so its output error is close to (the sum of its weights' rounding errors) x (the
// local mean), which is large beside the output of a filter whose weights nearly cancel (an edge filter). AdaRound
// (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training Quantization") rounds each weight up or down
// to minimise Δwᵀ H Δw, H the second moments of the inputs the weights multiply. For a 3x3 depthwise channel that is
// 2^9 choices, so the search here is exhaustive and exact; a 1x1 convolution's output channel has as many weights as
// input channels (up to 960 in MobileNetV2), so there a greedy descent from nearest rounding does it. On nsfwjs's
// MobileNetV2 the two cut the error of its int8 weights 5.9x (bench/int8-sensitivity.ts).
import type { DepthwiseGeometry } from '../backend/kernels';
import { Tensor } from '../tensor';
import { matmul } from '../ops/matmul';

/**
 * Output positions per calibration batch whose patches a layer's moments take (evenly spread): enough for a 9x9
 * moment matrix per channel, and it keeps this pass a few seconds on MobileNetV2.
 */
export const MOMENT_POSITIONS = 1024;

/** Passes of roundPointwise's descent over a column (it settles in two or three on MobileNetV2). */
export const GREEDY_PASSES = 4;

/** Taps per channel up to which the 2^taps search runs (3x3 kernels: 512 choices); larger kernels round nearest. */
export const MAX_ADAPTIVE_TAPS = 12;

/**
 * Adds to h ([taps][taps][C]) the second moments of x's patches under depthwise geometry g (multiplier 1): over every
 * output position (or every `every`-th, batch and rows flattened), per channel, patch · patchᵀ with padding as zeros.
 * Channels run innermost (contiguous in x and h); roundDepthwise mirrors the upper triangle into the lower.
 */
export function addPatchMoments(g: DepthwiseGeometry, x: Float32Array, h: Float64Array, every = 1): void {
  const C = g.inC,
    K = g.fH * g.fW,
    plane = g.outH * g.outW;
  const at = new Int32Array(K);
  for (let p = 0; p < g.batch * plane; p += every) {
    const b = Math.floor(p / plane),
      oy = Math.floor((p % plane) / g.outW),
      ox = p % g.outW;
    // each tap's offset in x, or -1 in the padding
    for (let i = 0; i < g.fH; i++)
      for (let j = 0; j < g.fW; j++) {
        const iy = oy * g.strideH - g.padTop + i * g.dilationH,
          ix = ox * g.strideW - g.padLeft + j * g.dilationW;
        at[i * g.fW + j] = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW ? ((b * g.inH + iy) * g.inW + ix) * C : -1;
      }
    for (let a = 0; a < K; a++) {
      const pa = at[a];
      if (pa < 0) continue;
      for (let q = a; q < K; q++) {
        const pq = at[q];
        if (pq < 0) continue;
        const o = (a * K + q) * C;
        for (let c = 0; c < C; c++) h[o + c] += x[pa + c] * x[pq + c];
      }
    }
  }
}

/** h with its lower triangle (a > q) copied from the upper one, which addPatchMoments fills. */
function symmetric(h: Float64Array, K: number, C: number): Float64Array {
  const out = h.slice();
  for (let a = 0; a < K; a++)
    for (let q = 0; q < a; q++) out.copyWithin((a * K + q) * C, (q * K + a) * C, (q * K + a + 1) * C);
  return out;
}

/**
 * A depthwise kernel w ([taps, C] flattened, channel fastest) on the symmetric int8 grid of the given per-channel
 * scales, each channel's weights rounded up or down to minimise Δwᵀ H_c Δw (moments from addPatchMoments). Values
 * are scale · q with |q| <= 127, as snapInt8 gives.
 */
export function roundDepthwise(w: Float32Array, C: number, scales: Float32Array, moments: Float64Array): Float32Array {
  const K = w.length / C;
  const h = symmetric(moments, K, C);
  const out = new Float32Array(w.length);
  const floor = new Float64Array(K),
    down = new Float64Array(K),
    up = new Float64Array(K),
    d = new Float64Array(K);
  for (let c = 0; c < C; c++) {
    const s = scales[c];
    for (let k = 0; k < K; k++) {
      const t = w[k * C + c] / s;
      floor[k] = Math.floor(t);
      down[k] = floor[k] * s - w[k * C + c];
      up[k] = (floor[k] + 1) * s - w[k * C + c];
    }
    // nearest rounding first: a channel whose inputs were all zero (every error 0) keeps it
    let nearest = 0;
    for (let k = 0; k < K; k++) if (-down[k] >= up[k]) nearest |= 1 << k;
    let best = Infinity,
      bestMask = nearest;
    for (let m = -1; m < 1 << K; m++) {
      const mask = m < 0 ? nearest : m;
      let ok = true;
      for (let k = 0; k < K; k++) {
        const u = (mask >> k) & 1;
        if (floor[k] + u > 127 || floor[k] + u < -127) ok = false;
        d[k] = u ? up[k] : down[k];
      }
      if (!ok) continue;
      let e = 0;
      for (let a = 0; a < K; a++) {
        let r = 0;
        for (let q = 0; q < K; q++) r += h[(a * K + q) * C + c] * d[q];
        e += d[a] * r;
      }
      if (e < best) [best, bestMask] = [e, mask];
    }
    for (let k = 0; k < K; k++) out[k * C + c] = (floor[k] + ((bestMask >> k) & 1)) * s;
  }
  return out;
}

/**
 * Adds to h ([K][K]) the second moments XᵀX of x's rows of K values (every `every`-th row): the inputs of a 1x1
 * convolution at stride 1, one row per pixel. One matmul on the active backend (float32), not a loop here: K is up
 * to 960 in MobileNetV2.
 */
export function addRowMoments(x: Float32Array, K: number, h: Float64Array, every = 1): void {
  const rows = Math.ceil(x.length / K / every);
  const sampled = new Float32Array(rows * K);
  for (let r = 0; r < rows; r++) sampled.set(x.subarray(r * every * K, (r * every + 1) * K), r * K);
  const t = new Tensor(sampled, [rows, K]);
  const xtx = matmul(t, t, { transposeA: true }).data;
  for (let i = 0; i < h.length; i++) h[i] += xtx[i];
}

/**
 * A [K, N] kernel (a 1x1 convolution's: N output channels, column j fastest) on the symmetric int8 grid of the given
 * per-column scales, each column rounded to reduce Δwᵀ H Δw (H from addRowMoments): from nearest
 * rounding, each weight moves to its other neighbour on the grid while that lowers the error, in passes over the
 * column until none does (greedy coordinate descent: 2^K choices are too many to try). Values are scale · q with
 * |q| <= 127.
 */
export function roundPointwise(w: Float32Array, N: number, scales: Float32Array, moments: Float64Array): Float32Array {
  const K = w.length / N,
    h = moments;
  const out = new Float32Array(w.length);
  const q = new Float64Array(K),
    floor = new Float64Array(K),
    d = new Float64Array(K),
    g = new Float64Array(K);
  for (let j = 0; j < N; j++) {
    const s = scales[j];
    for (let k = 0; k < K; k++) {
      const t = w[k * N + j] / s;
      floor[k] = Math.floor(t);
      q[k] = Math.max(-127, Math.min(127, Math.round(t)));
      d[k] = q[k] * s - w[k * N + j];
    }
    // g = H d, kept current as weights move
    for (let a = 0; a < K; a++) {
      let r = 0;
      for (let b = 0; b < K; b++) r += h[a * K + b] * d[b];
      g[a] = r;
    }
    for (let pass = 0, moved = true; moved && pass < GREEDY_PASSES; pass++) {
      moved = false;
      for (let k = 0; k < K; k++) {
        const other = q[k] === floor[k] ? floor[k] + 1 : floor[k];
        if (other > 127 || other < -127) continue;
        const delta = (other - q[k]) * s;
        // the error's change: (d + δ e_k)ᵀ H (d + δ e_k) - dᵀ H d
        if (2 * delta * g[k] + delta * delta * h[k * K + k] >= 0) continue;
        q[k] = other;
        d[k] += delta;
        for (let a = 0; a < K; a++) g[a] += delta * h[k * K + a];
        moved = true;
      }
    }
    for (let k = 0; k < K; k++) out[k * N + j] = q[k] * s;
  }
  return out;
}
