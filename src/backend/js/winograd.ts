// Reference Winograd convolution F(m x m, 3x3) (Lavin & Gray, 2015) in plain TypeScript, for the tests of
// assembly/winograd.ts: the transform matrices, the three transforms of one tile, and a whole 2D conv
// (3x3, stride 1, dilation 1, NHWC, any padding) built from them. Each m x m output tile is
// Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A over the (m+2) x (m+2) input tile d, summed over input channels.
import type { ConvGeometry, Activation } from '../kernels';

export type WinogradSize = 2 | 4;

/** Bᵀ ((m+2) x (m+2)), G ((m+2) x 3) and Aᵀ (m x (m+2)) of F(m x m, 3x3), row-major. */
export const WINOGRAD: Record<WinogradSize, { BT: number[][]; G: number[][]; AT: number[][] }> = {
  2: {
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [1 / 2, 1 / 2, 1 / 2],
      [1 / 2, -1 / 2, 1 / 2],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

/** L R Mᵀ for matrices as arrays of rows (L: p x q, R: q x r, M: s x r → p x s). */
function sandwich(L: number[][], R: number[][], M: number[][]): number[][] {
  const LR = L.map((row) => R[0].map((_, j) => row.reduce((s, v, k) => s + v * R[k][j], 0)));
  return LR.map((row) => M.map((mrow) => row.reduce((s, v, k) => s + v * mrow[k], 0)));
}

/** Filter transform G g Gᵀ of one 3x3 filter g. */
export const filterTile = (m: WinogradSize, g: number[][]) => sandwich(WINOGRAD[m].G, g, WINOGRAD[m].G);
/** Input transform Bᵀ d B of one (m+2) x (m+2) input tile d. */
export const inputTile = (m: WinogradSize, d: number[][]) => sandwich(WINOGRAD[m].BT, d, WINOGRAD[m].BT);
/** Output transform Aᵀ t A of one (m+2) x (m+2) product tile t. */
export const outputTile = (m: WinogradSize, t: number[][]) => sandwich(WINOGRAD[m].AT, t, WINOGRAD[m].AT);

/** Whether a geometry is one Winograd serves: 2D, 3x3, stride 1, dilation 1 (any padding, batch). */
export function winogradApplies(g: ConvGeometry): boolean {
  return (
    g.inD === 1 &&
    g.outD === 1 &&
    g.fD === 1 &&
    g.padFront === 0 &&
    g.fH === 3 &&
    g.fW === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilationH === 1 &&
    g.dilationW === 1
  );
}

/**
 * conv2d (same contract as the reference conv) by F(m x m, 3x3) tiles, in f64. Rows and columns outside
 * the input (padding, and the overhang of the last tile) read as zero; outputs past outH/outW are dropped.
 */
export function winogradConv(
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  bias: Float32Array | null,
  act: Activation,
  m: WinogradSize = 4,
): Float32Array {
  if (!winogradApplies(g))
    throw new Error(
      `winogradConv: needs a 2D 3x3 stride-1 dilation-1 geometry, got ${g.fD}x${g.fH}x${g.fW} stride ${g.strideH}x${g.strideW}`,
    );
  const { batch, inH, inW, inC, outH, outW, outC, padTop, padLeft } = g;
  const t = m + 2;
  // U[ic][oc] = G g Gᵀ for each filter slice.
  const U: number[][][][] = [];
  for (let ic = 0; ic < inC; ic++) {
    U.push([]);
    for (let oc = 0; oc < outC; oc++) {
      const f = [0, 1, 2].map((kh) => [0, 1, 2].map((kw) => w[((kh * 3 + kw) * inC + ic) * outC + oc]));
      U[ic].push(filterTile(m, f));
    }
  }
  const y = new Float32Array(batch * outH * outW * outC);
  const at = (n: number, ih: number, iw: number, c: number) =>
    ih >= 0 && ih < inH && iw >= 0 && iw < inW ? x[((n * inH + ih) * inW + iw) * inC + c] : 0;
  for (let n = 0; n < batch; n++) {
    for (let th = 0; th < outH; th += m) {
      for (let tw = 0; tw < outW; tw += m) {
        const V = Array.from({ length: inC }, (_, c) =>
          inputTile(
            m,
            Array.from({ length: t }, (_, r) =>
              Array.from({ length: t }, (_, s) => at(n, th + r - padTop, tw + s - padLeft, c)),
            ),
          ),
        );
        for (let oc = 0; oc < outC; oc++) {
          const M = Array.from({ length: t }, (_, r) =>
            Array.from({ length: t }, (_, s) => {
              let sum = 0;
              for (let ic = 0; ic < inC; ic++) sum += U[ic][oc][r][s] * V[ic][r][s];
              return sum;
            }),
          );
          const Y = outputTile(m, M);
          for (let r = 0; r < m && th + r < outH; r++) {
            for (let s = 0; s < m && tw + s < outW; s++) {
              let v = Y[r][s] + (bias ? bias[oc] : 0);
              if (act === 'relu' && v < 0) v = 0;
              y[((n * outH + th + r) * outW + tw + s) * outC + oc] = v;
            }
          }
        }
      }
    }
  }
  return y;
}
