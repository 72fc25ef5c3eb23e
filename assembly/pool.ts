// Pooling over NDHWC data (2D: D = 1). The channel axis is contiguous, so SIMD runs across channels:
// 16 per step in four independent accumulators (latency hiding), then 4 per v128; a tail of 1..3
// channels (C >= 4) is one more v128 overlapping the previous one (LeNet's 6 channels: 2 vectors,
// no scalar loop), which is exact because recomputing a lane stores the same value again.
// Geometry arrives as 17 i32 at pointer g, in the order of the constants below (written in the order of
// POOL_GEOMETRY_FIELDS in src/backend/wasm/geometry.ts). Padded cells are skipped by clipping each window
// to the input.
import { T_I16, T_I8, T_U8 } from './int8';

const BATCH = 0, CH = 1, IN_D = 2, IN_H = 3, IN_W = 4, OUT_D = 5, OUT_H = 6, OUT_W = 7;
const P_D = 8, P_H = 9, P_W = 10, S_D = 11, S_H = 12, S_W = 13, PAD_F = 14, PAD_T = 15, PAD_L = 16;

/** i32 fields of a pooling geometry block: the host checks its own count against this at load. */
export function poolGeometryFields(): i32 { return PAD_L + 1; }

const MAX_FWD = 0, MAX_BWD = 1, AVG_FWD = 2, AVG_BWD = 3;

@inline function gi(g: usize, i: i32): i32 { return load<i32>(g + (<usize>i << 2)); }

// The current clipped window, as globals (no allocation: the host arena starts at __heap_base).
// Byte offsets of its cells relative to the batch image are d*planeB + h*rowB + w*cellB.
let d0: i32 = 0, d1: i32 = 0, h0: i32 = 0, h1: i32 = 0, w0: i32 = 0, w1: i32 = 0;
let planeB: usize = 0, rowB: usize = 0, cellB: usize = 0;
// Windows do not overlap (stride >= pool on every axis): each input cell gets at most one window's gradient.
let disjoint = false;
// maxPoolBackward's positive flag.
let positiveOnly = false;

@inline function cellsOf(): i32 { return (d1 - d0) * (h1 - h0) * (w1 - w0); }
@inline function cellAt(d: i32, h: i32, w: i32): usize { return <usize>d * planeB + <usize>h * rowB + <usize>w * cellB; }

/** Max over each window; a window entirely in padding gives 0. x, y: f32 byte pointers; g: geometry. */
export function maxPool(x: usize, y: usize, g: usize): void { drive(MAX_FWD, g, x, y, 0); }
/**
 * Routes dy to the first maximal cell of each window (scan order d, h, w); dx must be zeroed. With
 * positive, windows whose maximum is not > 0 route nothing (x a ReLU output: its mask folded in).
 */
export function maxPoolBackward(x: usize, dy: usize, dx: usize, g: usize, positive: bool): void {
  positiveOnly = positive;
  drive(MAX_BWD, g, x, dy, dx);
}
/** Mean over the window cells inside the input (Keras/TF: padding is not counted). */
export function avgPool(x: usize, y: usize, g: usize): void { drive(AVG_FWD, g, x, y, 0); }
/** Spreads dy / count over each window's cells; dx must be zeroed. */
export function avgPoolBackward(dy: usize, dx: usize, g: usize): void { drive(AVG_BWD, g, 0, dy, dx); }

// Walks every output pixel, clips its window and hands the channel row to the per-kind routine.
function drive(kind: i32, g: usize, x: usize, y: usize, dx: usize): void {
  const C = gi(g, CH), inD = gi(g, IN_D), inH = gi(g, IN_H), inW = gi(g, IN_W);
  const outD = gi(g, OUT_D), outH = gi(g, OUT_H), outW = gi(g, OUT_W);
  cellB = <usize>C << 2; rowB = <usize>inW * cellB; planeB = <usize>inH * rowB;
  const image = <usize>inD * planeB;
  disjoint = gi(g, S_D) >= gi(g, P_D) && gi(g, S_H) >= gi(g, P_H) && gi(g, S_W) >= gi(g, P_W);
  let yp = y;
  for (let n = 0; n < gi(g, BATCH); n++) {
    const xb = x + <usize>n * image, dxb = dx + <usize>n * image;
    for (let od = 0; od < outD; od++) {
      const d = od * gi(g, S_D) - gi(g, PAD_F);
      d0 = max(d, 0); d1 = min(d + gi(g, P_D), inD);
      for (let oh = 0; oh < outH; oh++) {
        const h = oh * gi(g, S_H) - gi(g, PAD_T);
        h0 = max(h, 0); h1 = min(h + gi(g, P_H), inH);
        for (let ow = 0; ow < outW; ow++) {
          const w = ow * gi(g, S_W) - gi(g, PAD_L);
          w0 = max(w, 0); w1 = min(w + gi(g, P_W), inW);
          if (d0 < d1 && h0 < h1 && w0 < w1) {
            if (kind == MAX_FWD) maxPixel(xb, yp, C);
            else if (kind == MAX_BWD) maxBackPixel(xb, yp, dxb, C);
            else if (kind == AVG_FWD) avgPixel(xb, yp, C);
            else avgBackPixel(yp, dxb, C);
          } else if (kind == MAX_FWD || kind == AVG_FWD) {
            memory.fill(yp, 0, cellB);
          }
          yp += cellB;
        }
      }
    }
  }
}

// pmax(m, v) = m < v ? v : m: the same comparison as the scalar path, so every build agrees bit for bit.
function maxPixel(xb: usize, yp: usize, C: i32): void {
  const first = xb + cellAt(d0, h0, w0);
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let m0 = v128.load(first + o), m1 = v128.load(first + o, 16), m2 = v128.load(first + o, 32), m3 = v128.load(first + o, 48);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) {
          m0 = f32x4.pmax(m0, v128.load(p)); m1 = f32x4.pmax(m1, v128.load(p, 16));
          m2 = f32x4.pmax(m2, v128.load(p, 32)); m3 = f32x4.pmax(m3, v128.load(p, 48));
        }
      }
      v128.store(yp + o, m0); v128.store(yp + o, m1, 16); v128.store(yp + o, m2, 32); v128.store(yp + o, m3, 48);
    }
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      let m = v128.load(first + o);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) m = f32x4.pmax(m, v128.load(p));
      }
      v128.store(yp + o, m);
    }
    if (c < C && C >= 4) {
      const o = <usize>(C - 4) << 2;
      let m = v128.load(first + o);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) m = f32x4.pmax(m, v128.load(p));
      }
      v128.store(yp + o, m);
      return;
    }
  }
  // Remaining channels cell by cell, so the scalar build reads each cell's channels contiguously.
  if (c == C) return;
  const o = <usize>c << 2, len = <usize>(C - c) << 2;
  memory.copy(yp + o, first + o, len);
  for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
    let p = xb + cellAt(d, h, w0) + o;
    for (let w = w0; w < w1; w++, p += cellB) {
      for (let q: usize = 0; q < len; q += 4) { const v = load<f32>(p + q), m = load<f32>(yp + o + q); store<f32>(yp + o + q, m < v ? v : m); }
    }
  }
}

// Tracks the running max and the byte offset of the cell holding it; a strictly greater value wins,
// so ties keep the first cell in scan order.
function maxBackPixel(xb: usize, dyp: usize, dxb: usize, C: i32): void {
  const firstCell = cellAt(d0, h0, w0);
  let c = 0;
  if (ASC_FEATURE_SIMD && disjoint && C >= 4) {
    for (; c < C; c += 4) maxBackStore(xb, dyp, dxb, firstCell, <usize>min(c, C - 4) << 2);
    return;
  }
  if (ASC_FEATURE_SIMD) {
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      const at = firstMax(xb, firstCell, o);
      const q = dxb + o;
      const g = positiveOnly ? v128.and(v128.load(dyp + o), f32x4.gt(maxAt(xb + o, at), f32x4.splat(0))) : v128.load(dyp + o);
      addAt(q + <usize>i32x4.extract_lane(at, 0), f32x4.extract_lane(g, 0));
      addAt(q + <usize>i32x4.extract_lane(at, 1) + 4, f32x4.extract_lane(g, 1));
      addAt(q + <usize>i32x4.extract_lane(at, 2) + 8, f32x4.extract_lane(g, 2));
      addAt(q + <usize>i32x4.extract_lane(at, 3) + 12, f32x4.extract_lane(g, 3));
    }
  }
  for (; c < C; c++) {
    const o = <usize>c << 2;
    let m = load<f32>(xb + firstCell + o);
    let at = firstCell;
    for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
      let cell = cellAt(d, h, w0);
      for (let w = w0; w < w1; w++, cell += cellB) {
        const v = load<f32>(xb + cell + o);
        if (v > m) { m = v; at = cell; }
      }
    }
    if (!positiveOnly || m > 0) addAt(dxb + at + o, load<f32>(dyp + o));
  }
}

@inline function addAt(p: usize, v: f32): void { store<f32>(p, load<f32>(p) + v); }

// Per lane, the byte offset of the window's first maximal cell for the 4 channels at byte offset o.
@inline function firstMax(xb: usize, firstCell: usize, o: usize): v128 {
  let m = v128.load(xb + firstCell + o);
  let at = i32x4.splat(<i32>firstCell);
  for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
    let cell = cellAt(d, h, w0);
    for (let w = w0; w < w1; w++, cell += cellB) {
      const v = v128.load(xb + cell + o);
      const gt = f32x4.gt(v, m);
      m = v128.bitselect(v, m, gt);
      at = v128.bitselect(i32x4.splat(<i32>cell), at, gt);
    }
  }
  return at;
}

// Lane i of the value at byte offset lane i of at, past base (the window maxima).
@inline function maxAt(base: usize, at: v128): v128 {
  let m = f32x4.splat(load<f32>(base + <usize>i32x4.extract_lane(at, 0)));
  m = f32x4.replace_lane(m, 1, load<f32>(base + <usize>i32x4.extract_lane(at, 1), 4));
  m = f32x4.replace_lane(m, 2, load<f32>(base + <usize>i32x4.extract_lane(at, 2), 8));
  return f32x4.replace_lane(m, 3, load<f32>(base + <usize>i32x4.extract_lane(at, 3), 12));
}

// Disjoint windows: stores every cell of the window whole (dy where it is the maximum, else 0)
// instead of scattering lane by lane.
@inline function maxBackStore(xb: usize, dyp: usize, dxb: usize, firstCell: usize, o: usize): void {
  const at = firstMax(xb, firstCell, o);
  const g = v128.load(dyp + o), zero = f32x4.splat(0);
  for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
    let cell = cellAt(d, h, w0);
    for (let w = w0; w < w1; w++, cell += cellB) {
      // with positiveOnly the maximal cell keeps dy only where its value is > 0
      const hit = i32x4.eq(at, i32x4.splat(<i32>cell));
      v128.store(dxb + cell + o, v128.and(g, positiveOnly ? v128.and(hit, f32x4.gt(v128.load(xb + cell + o), zero)) : hit));
    }
  }
}

function avgPixel(xb: usize, yp: usize, C: i32): void {
  const count = <f32>cellsOf();
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const n4 = f32x4.splat(count);
    for (; c + 16 <= C; c += 16) {
      const o = <usize>c << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) {
          s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
          s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
        }
      }
      v128.store(yp + o, f32x4.div(s0, n4)); v128.store(yp + o, f32x4.div(s1, n4), 16);
      v128.store(yp + o, f32x4.div(s2, n4), 32); v128.store(yp + o, f32x4.div(s3, n4), 48);
    }
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      let s = f32x4.splat(0);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) s = f32x4.add(s, v128.load(p));
      }
      v128.store(yp + o, f32x4.div(s, n4));
    }
    if (c < C && C >= 4) {
      const o = <usize>(C - 4) << 2;
      let s = f32x4.splat(0);
      for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
        let p = xb + cellAt(d, h, w0) + o;
        for (let w = w0; w < w1; w++, p += cellB) s = f32x4.add(s, v128.load(p));
      }
      v128.store(yp + o, f32x4.div(s, n4));
      return;
    }
  }
  // Remaining channels cell by cell (contiguous reads), summing in the same cell order as above.
  if (c == C) return;
  const o = <usize>c << 2, len = <usize>(C - c) << 2;
  memory.fill(yp + o, 0, len);
  for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
    let p = xb + cellAt(d, h, w0) + o;
    for (let w = w0; w < w1; w++, p += cellB) {
      for (let q: usize = 0; q < len; q += 4) store<f32>(yp + o + q, load<f32>(yp + o + q) + load<f32>(p + q));
    }
  }
  for (let q: usize = 0; q < len; q += 4) store<f32>(yp + o + q, load<f32>(yp + o + q) / count);
}

// Cell-major here (each cell adds the whole dy row) so dx rows are streamed contiguously.
function avgBackPixel(dyp: usize, dxb: usize, C: i32): void {
  const count = <f32>cellsOf();
  if (ASC_FEATURE_SIMD && disjoint && C >= 4) {
    // disjoint windows: store dy / count (overlapping tail vector included) instead of adding
    const n4 = f32x4.splat(count);
    for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
      let q = dxb + cellAt(d, h, w0);
      for (let w = w0; w < w1; w++, q += cellB) {
        for (let c = 0; c < C; c += 4) {
          const o = <usize>min(c, C - 4) << 2;
          v128.store(q + o, f32x4.div(v128.load(dyp + o), n4));
        }
      }
    }
    return;
  }
  for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) {
    let q = dxb + cellAt(d, h, w0);
    for (let w = w0; w < w1; w++, q += cellB) {
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        const n4 = f32x4.splat(count);
        for (; c + 4 <= C; c += 4) {
          const o = <usize>c << 2;
          v128.store(q + o, f32x4.add(v128.load(q + o), f32x4.div(v128.load(dyp + o), n4)));
        }
      }
      for (; c < C; c++) { const o = <usize>c << 2; addAt(q + o, load<f32>(dyp + o) / count); }
    }
  }
}

/**
 * Max pooling over quantised NDHWC values, for int8 inference plans: qType T_U8, T_I8 or T_I16 (assembly/int8.ts).
 * Max commutes with the monotone quantisation, so y keeps x's scale and zero point; a window entirely in padding gives
 * the zero point (the value 0). One vector of channels per step (i8x16.max_s / max_u, i16x8.max_s); a tail of C at least a
 * vector is one more vector overlapping the previous.
 */
export function qmaxPool(x: usize, y: usize, g: usize, qType: i32, zero: i32): void {
  const C = gi(g, CH), inD = gi(g, IN_D), inH = gi(g, IN_H), inW = gi(g, IN_W);
  const outD = gi(g, OUT_D), outH = gi(g, OUT_H), outW = gi(g, OUT_W), batch = gi(g, BATCH);
  const sD = gi(g, S_D), sH = gi(g, S_H), sW = gi(g, S_W), pD = gi(g, P_D), pH = gi(g, P_H), pW = gi(g, P_W);
  const padF = gi(g, PAD_F), padT = gi(g, PAD_T), padL = gi(g, PAD_L);
  const eb = qType == T_I16 ? 2 : 1, cb = <usize>(C * eb), rb = <usize>inW * cb, pb = <usize>inH * rb;
  const image = <usize>inD * pb;
  let yp = y;
  for (let n = 0; n < batch; n++) {
    const xb = x + <usize>n * image;
    for (let od = 0; od < outD; od++) {
      const d = od * sD - padF, e0 = max(d, 0), e1 = min(d + pD, inD);
      for (let oh = 0; oh < outH; oh++) {
        const h = oh * sH - padT, a0 = max(h, 0), a1 = min(h + pH, inH);
        for (let ow = 0; ow < outW; ow++) {
          const w = ow * sW - padL, b0 = max(w, 0), b1 = min(w + pW, inW);
          if (e0 < e1 && a0 < a1 && b0 < b1) qmaxPixel(xb, yp, C, rb, pb, e0, e1, a0, a1, b0, b1, qType);
          else if (qType == T_I16) for (let c = 0; c < C; c++) store<i16>(yp + (<usize>c << 1), <i16>zero);
          else memory.fill(yp, <u8>zero, <usize>C);
          yp += cb;
        }
      }
    }
  }
}

// One output pixel of qmaxPool over the clipped window [e0, e1) x [a0, a1) x [b0, b1).
@inline function qmaxPixel(xb: usize, yp: usize, C: i32, rb: usize, pb: usize, e0: i32, e1: i32, a0: i32, a1: i32, b0: i32,
  b1: i32, qType: i32): void {
  const wide = qType == T_I16, signed = qType != T_U8, shift = wide ? 1 : 0, lanes = wide ? 8 : 16;
  const cb = <usize>C << shift, first = xb + <usize>e0 * pb + <usize>a0 * rb + <usize>b0 * cb;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (;;) {
      if (c + lanes > C) {
        if (c == C || C < lanes) break;
        c = C - lanes; // the tail: one vector ending at C, recomputing some lanes with the same values
      }
      const o = <usize>c << shift;
      let m = v128.load(first + o);
      for (let d = e0; d < e1; d++) for (let h = a0; h < a1; h++) {
        let p = xb + <usize>d * pb + <usize>h * rb + <usize>b0 * cb + o;
        for (let w = b0; w < b1; w++, p += cb) {
          const v = v128.load(p);
          m = wide ? i16x8.max_s(m, v) : signed ? i8x16.max_s(m, v) : i8x16.max_u(m, v);
        }
      }
      v128.store(yp + o, m);
      c += lanes;
    }
  }
  for (; c < C; c++) {
    const o = <usize>c << shift;
    let m = qAt(first + o, qType);
    for (let d = e0; d < e1; d++) for (let h = a0; h < a1; h++) {
      let p = xb + <usize>d * pb + <usize>h * rb + <usize>b0 * cb + o;
      for (let w = b0; w < b1; w++, p += cb) {
        const v = qAt(p, qType);
        if (v > m) m = v;
      }
    }
    if (wide) store<i16>(yp + o, <i16>m);
    else store<u8>(yp + o, <u8>m);
  }
}

@inline function qAt(p: usize, qType: i32): i32 {
  return qType == T_I16 ? <i32>load<i16>(p) : qType == T_I8 ? <i32>load<i8>(p) : <i32>load<u8>(p);
}
