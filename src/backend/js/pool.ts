// Reference kernels (pool family): plain loops, f64 accumulation. The oracle for tests.
import type { KernelFamily, PoolGeometry } from '../kernels';

/** The window of one output cell clipped to the input: [start, end) on each axis. */
interface Window {
  d0: number;
  d1: number;
  h0: number;
  h1: number;
  w0: number;
  w1: number;
}

// Calls f(inputBase, outputIndex, window) for every output pixel; indices count floats, channel 0.
function eachWindow(g: PoolGeometry, f: (xBase: number, yIndex: number, w: Window) => void): void {
  const C = g.channels;
  let yi = 0;
  for (let n = 0; n < g.batch; n++) {
    const xBase = n * g.inD * g.inH * g.inW * C;
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++) {
          const d = od * g.strideD - g.padFront,
            h = oh * g.strideH - g.padTop,
            w = ow * g.strideW - g.padLeft;
          f(xBase, yi, {
            d0: Math.max(d, 0),
            d1: Math.min(d + g.poolD, g.inD),
            h0: Math.max(h, 0),
            h1: Math.min(h + g.poolH, g.inH),
            w0: Math.max(w, 0),
            w1: Math.min(w + g.poolW, g.inW),
          });
          yi += C;
        }
  }
}

// Float index of cell (d, h, w), channel 0, within one batch image.
const cellIndex = (g: PoolGeometry, d: number, h: number, w: number) => ((d * g.inH + h) * g.inW + w) * g.channels;

function cells(g: PoolGeometry, win: Window): number[] {
  const out: number[] = [];
  for (let d = win.d0; d < win.d1; d++)
    for (let h = win.h0; h < win.h1; h++) for (let w = win.w0; w < win.w1; w++) out.push(cellIndex(g, d, h, w));
  return out;
}

/** Floats in a pooling's output. */
export const poolOutSize = (g: PoolGeometry) => g.batch * g.outD * g.outH * g.outW * g.channels;
/** Floats in a pooling's input. */
export const poolInSize = (g: PoolGeometry) => g.batch * g.inD * g.inH * g.inW * g.channels;

/** Index of the first maximal cell (strictly greater wins, so ties keep scan order); -1 for an empty window. */
function argmax(x: Float32Array, at: number[], offset: number): number {
  if (at.length === 0) return -1;
  let best = at[0];
  for (const i of at) if (x[offset + i] > x[offset + best]) best = i;
  return best;
}

export const poolKernels = {
  maxPool(x, g) {
    const y = new Float32Array(poolOutSize(g));
    eachWindow(g, (xb, yi, win) => {
      const at = cells(g, win);
      for (let c = 0; c < g.channels; c++) {
        const best = argmax(x, at, xb + c);
        y[yi + c] = best < 0 ? 0 : x[xb + best + c];
      }
    });
    return y;
  },
  maxPoolBackward(x, dy, g, positiveOnly = false) {
    const dx = new Float64Array(poolInSize(g));
    eachWindow(g, (xb, yi, win) => {
      const at = cells(g, win);
      for (let c = 0; c < g.channels; c++) {
        const best = argmax(x, at, xb + c);
        if (best >= 0 && (!positiveOnly || x[xb + best + c] > 0)) dx[xb + best + c] += dy[yi + c];
      }
    });
    return Float32Array.from(dx);
  },
  avgPool(x, g) {
    const y = new Float32Array(poolOutSize(g));
    eachWindow(g, (xb, yi, win) => {
      const at = cells(g, win);
      for (let c = 0; c < g.channels; c++) {
        let s = 0;
        for (const i of at) s += x[xb + i + c];
        y[yi + c] = at.length ? s / at.length : 0;
      }
    });
    return y;
  },
  avgPoolBackward(dy, g) {
    const dx = new Float64Array(poolInSize(g));
    eachWindow(g, (xb, yi, win) => {
      const at = cells(g, win);
      for (let c = 0; c < g.channels; c++) for (const i of at) dx[xb + i + c] += dy[yi + c] / at.length;
    });
    return Float32Array.from(dx);
  },
} satisfies KernelFamily;
