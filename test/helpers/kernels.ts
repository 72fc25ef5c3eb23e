// Shared by the kernel tests: a seeded generator, conv geometry from a short spec, and a relative check.
import { expectClose } from './close';
import type { ConvGeometry } from '../../src/backend/kernels';

/** Seeded uniform [0, 1) (mulberry32), so every failure reproduces. */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
/** The same stream scaled to [-1, 1). */
export function rng(seed: number): () => number {
  const u = uniform(seed);
  return () => u() * 2 - 1;
}
export const randArray = (n: number, r: () => number) => Float32Array.from({ length: n }, r);

export type Triple = [number, number, number];
/** A convolution by its sizes; axes are [D, H, W] (2D: D = 1; 1D: D = H = 1). */
export interface Spec {
  batch: number;
  in: Triple;
  inC: number;
  outC: number;
  f: Triple;
  stride?: Triple;
  dilation?: Triple;
  padBefore?: Triple;
  padAfter?: Triple;
}

/** Geometry from a spec, with out = floor((in + before + after - dilation*(f-1) - 1) / stride) + 1. */
export function geometry(s: Spec): ConvGeometry {
  const st = s.stride ?? [1, 1, 1],
    dl = s.dilation ?? [1, 1, 1],
    pb = s.padBefore ?? [0, 0, 0],
    pa = s.padAfter ?? [0, 0, 0];
  const out = [0, 1, 2].map((i) => Math.floor((s.in[i] + pb[i] + pa[i] - dl[i] * (s.f[i] - 1) - 1) / st[i]) + 1);
  return {
    batch: s.batch,
    inD: s.in[0],
    inH: s.in[1],
    inW: s.in[2],
    inC: s.inC,
    outD: out[0],
    outH: out[1],
    outW: out[2],
    outC: s.outC,
    fD: s.f[0],
    fH: s.f[1],
    fW: s.f[2],
    strideD: st[0],
    strideH: st[1],
    strideW: st[2],
    dilationD: dl[0],
    dilationH: dl[1],
    dilationW: dl[2],
    padFront: pb[0],
    padTop: pb[1],
    padLeft: pb[2],
  };
}
export const inLen = (g: ConvGeometry) => g.batch * g.inD * g.inH * g.inW * g.inC;
export const outLen = (g: ConvGeometry) => g.batch * g.outD * g.outH * g.outW * g.outC;
export const filterLen = (g: ConvGeometry) => g.fD * g.fH * g.fW * g.inC * g.outC;

/** Terms summed into each element of a conv kernel's result: its f32 rounding error grows with their number. */
export const terms = {
  forward: (g: ConvGeometry) => g.fD * g.fH * g.fW * g.inC,
  input: (g: ConvGeometry) => g.fD * g.fH * g.fW * g.outC,
  filter: (g: ConvGeometry) => g.batch * g.outD * g.outH * g.outW,
};
/** Shapes of a conv's output, input and filter, to name a failing element. */
export const outShape = (g: ConvGeometry) => [g.batch, g.outD, g.outH, g.outW, g.outC];
export const inShape = (g: ConvGeometry) => [g.batch, g.inD, g.inH, g.inW, g.inC];
export const filterShape = (g: ConvGeometry) => [g.fD, g.fH, g.fW, g.inC, g.outC];

export interface KernelTolerance {
  /** Relative tolerance, and the absolute one for a sum of one term (inputs of magnitude about 1). */
  tol?: number;
  /** Terms summed into each element: the absolute tolerance grows as their square root (random rounding). */
  terms?: number;
  /** Shape of the result, to report a failing element along each axis. */
  shape?: readonly number[];
}

/**
 * Kernel output against the reference, element by element: |actual - expected| <= tol·√terms + tol·|expected|,
 * so a small element beside large ones is held to its own scale. A failure names the first differing
 * element by index and, given the shape, along each axis.
 */
export function expectRelClose(
  actual: Float32Array,
  expected: Float32Array,
  what: string,
  { tol = 2e-5, terms = 1, shape }: KernelTolerance = {},
): void {
  expectClose(actual, expected, tol * Math.sqrt(terms), tol, { what, shape });
}

/** The largest |actual - expected| / (√terms + |expected|): the tol that expectRelClose would need, for reports. */
export function relError(actual: Float32Array, expected: Float32Array, terms = 1): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (Math.sqrt(terms) + Math.abs(expected[i])));
  return worst;
}
