// Naive oracles written from the definitions (f64), independent of every backend.
import { sizeOf } from '../../src/tensor';
export interface RefConv {
  n: number;
  inS: number[];
  c: number;
  f: number[];
  outC: number;
  s: number[];
  d: number[];
  padBefore: number[];
  outS: number[];
}

/** Spatial index helpers over up to 3 axes. */
function* cells(shape: number[]): Generator<number[]> {
  const idx = shape.map(() => 0);
  if (shape.some((v) => v === 0)) return;
  for (;;) {
    yield [...idx];
    let k = shape.length - 1;
    for (; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
const flat = (idx: number[], shape: number[]): number => idx.reduce((a, v, i) => a * shape[i] + v, 0);

/** Cross-correlation over r spatial axes, x [n, ...inS, c], w [...f, c, outC]. */
export function refConv(x: Float32Array, w: Float32Array, g: RefConv, bias?: Float32Array): Float64Array {
  const out = new Float64Array(g.n * sizeOf(g.outS) * g.outC);
  for (let b = 0; b < g.n; b++) {
    for (const o of cells(g.outS)) {
      for (let oc = 0; oc < g.outC; oc++) {
        let s = bias ? bias[oc] : 0;
        for (const k of cells(g.f)) {
          const i = o.map((v, a) => v * g.s[a] + k[a] * g.d[a] - g.padBefore[a]);
          if (i.some((v, a) => v < 0 || v >= g.inS[a])) continue;
          const xo = flat([b, ...i], [g.n, ...g.inS]) * g.c;
          const wo = flat(k, g.f) * g.c * g.outC;
          for (let c = 0; c < g.c; c++) s += x[xo + c] * w[wo + c * g.outC + oc];
        }
        out[flat([b, ...o], [g.n, ...g.outS]) * g.outC + oc] = s;
      }
    }
  }
  return out;
}

/** Depthwise 2D: w [fH,fW,c,mult] → channel c*mult+m. */
export function refDepthwise(x: Float32Array, w: Float32Array, g: RefConv, mult: number): Float64Array {
  const out = new Float64Array(g.n * g.outS[0] * g.outS[1] * g.c * mult);
  for (let b = 0; b < g.n; b++)
    for (const o of cells(g.outS))
      for (let c = 0; c < g.c; c++)
        for (let m = 0; m < mult; m++) {
          let s = 0;
          for (const k of cells(g.f)) {
            const i = o.map((v, a) => v * g.s[a] + k[a] * g.d[a] - g.padBefore[a]);
            if (i.some((v, a) => v < 0 || v >= g.inS[a])) continue;
            s += x[flat([b, ...i], [g.n, ...g.inS]) * g.c + c] * w[(flat(k, g.f) * g.c + c) * mult + m];
          }
          out[flat([b, ...o], [g.n, ...g.outS]) * g.c * mult + c * mult + m] = s;
        }
  return out;
}

/** Max or average pooling ignoring padded cells. */
export function refPool(
  x: Float32Array,
  kind: 'max' | 'avg',
  n: number,
  inS: number[],
  c: number,
  p: number[],
  s: number[],
  padBefore: number[],
  outS: number[],
): Float64Array {
  const out = new Float64Array(n * sizeOf(outS) * c);
  for (let b = 0; b < n; b++)
    for (const o of cells(outS))
      for (let ch = 0; ch < c; ch++) {
        let acc = kind === 'max' ? -Infinity : 0,
          cnt = 0;
        for (const k of cells(p)) {
          const i = o.map((v, a) => v * s[a] + k[a] - padBefore[a]);
          if (i.some((v, a) => v < 0 || v >= inS[a])) continue;
          const v = x[flat([b, ...i], [n, ...inS]) * c + ch];
          acc = kind === 'max' ? Math.max(acc, v) : acc + v;
          cnt++;
        }
        out[flat([b, ...o], [n, ...outS]) * c + ch] = kind === 'max' ? acc : acc / cnt;
      }
  return out;
}

/** C = op(A)·op(B). */
export function refMatmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  return out;
}
