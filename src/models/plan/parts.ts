// How each step of a plan splits across threads, decided once when the plan is built: convolutions
// (depthwise included: in a plan its data is already in shared memory, nothing is copied per part) into
// bands of output rows or batch items, and full convolutions whose bands are fewer than the threads (14x14
// and 7x7 layers of many channels) further into blocks of output channels; GEMMs (1x1 convolutions, dense
// layers) into blocks of columns or rows, whichever side is longer. Pure functions of the step and the
// thread count, so a benchmark can lay out the parts of any thread count without starting workers
// (bench/networks.ts --parts).
import { splitByOutput, splitByOutputChannels, splitRange, type ConvPart } from '../../backend/wasm/split';
import type { ConvGeometry } from '../../backend/kernels';
import { winogradApplies } from '../../backend/js/winograd';
import { Program, Step, isPointwise } from './steps';

/** Below this many flops a step runs on one thread: waking workers costs more than it saves. */
export const MIN_SPLIT_FLOPS = 1 << 20;

export type GemmSplit = { alongN: boolean; ranges: Array<[number, number]>; m: number; k: number; n: number };
export type Split<G extends ConvGeometry> = { bands: Array<ConvPart<G>> } | { gemm: GemmSplit };

const partsFor = (flops: number, threads: number) => (flops < MIN_SPLIT_FLOPS ? 1 : threads);

/** Splits [m, k]·[k, n] along the longer output side: columns in 8-wide tiles, rows in 4-high ones. */
export function splitGemm(m: number, k: number, n: number, threads: number): GemmSplit {
  const alongN = n >= m;
  return { alongN, m, k, n, ranges: splitRange(alongN ? n : m, partsFor(2 * m * n * k, threads), alongN ? 8 : 4) };
}

/** Flops of a convolution over geometry g (depthwise: one input channel per output). */
const convFlops = (g: ConvGeometry, depthwise: boolean) =>
  2 * g.batch * g.outD * g.outH * g.outW * g.outC * g.fD * g.fH * g.fW * (depthwise ? 1 : g.inC);

/** The split of a conv, depthwise or dense step (null for steps that run whole). */
export function splitStep(s: Step, threads: number): Split<ConvGeometry> | null {
  if (s.kind === 'dense') return { gemm: splitGemm(s.m, s.k, s.n, threads) };
  if (s.kind === 'conv' && (s.residual !== undefined || isPointwise(s.g))) {
    return { gemm: splitGemm(s.g.batch * s.g.outD * s.g.outH * s.g.outW, s.g.inC, s.g.outC, threads) };
  }
  if (s.kind === 'conv') return { bands: splitByOutputChannels(s.g, partsFor(convFlops(s.g, false), threads)) };
  if (s.kind === 'depthwise') return { bands: splitByOutput(s.g, partsFor(convFlops(s.g, true), threads)) };
  return null;
}

/**
 * Whether a SIMD build's conv() takes Winograd F(4x4, 3x3) for this geometry: assembly/winograd.ts's
 * winogradForward (the shapes it applies to and its measured heuristic), with outC the layer's whole width.
 */
export function winogradShaped(g: ConvGeometry, outC = g.outC): boolean {
  const tiles = Math.ceil(g.outH / 4) * Math.ceil(g.outW / 4);
  return (
    winogradApplies(g) &&
    g.inC * outC * 36 * 4 <= 2 ** 28 &&
    g.inC >= 8 &&
    g.inC <= 512 &&
    outC >= 8 &&
    g.batch * tiles >= 4 &&
    tiles * 36 * 2 <= g.outH * g.outW * 9
  );
}

/**
 * Whether a conv step runs Winograd: then a plan keeps its filter transformed (winogradFilter, once per
 * plan) and calls winogradConvTransformed, instead of transforming the filter on every call.
 */
export const winogradStep = (s: Step): s is Step & { kind: 'conv' } =>
  s.kind === 'conv' && s.residual === undefined && !isPointwise(s.g) && winogradShaped(s.g);

/**
 * The geometry block's algorithm switches (assembly/convgeom.ts) for every part of a conv step: Winograd
 * always where the whole step takes it, never where it does not. A row band alone can fall on the other
 * side of the heuristic (fewer tiles), which would change a part's arithmetic with the thread count.
 */
export const convAlgo = (g: ConvGeometry): number => (winogradShaped(g) ? 2 : 4);

/**
 * Work every part of a Winograd conv does whatever its channels, in the model's units (direct
 * multiply-adds x2): the input transform, Bᵀ d B of each 6x6 tile, 240 flops per tile and input channel
 * (12 one-dimensional transforms of 20). Winograd's products take 36 multiply-adds per 16 outputs, 4x
 * fewer than the direct count the model charges them, so the transform is charged 4x as well. A conv split
 * into c channel blocks repeats it c times; its filter transform is per channel and is not repeated.
 * (Other kernels repeat copying their band's input per block: memory traffic the model leaves out.)
 */
function inputTransformWork(g: ConvGeometry, outC: number): number {
  if (!winogradShaped(g, outC)) return 0;
  return 4 * 240 * g.batch * Math.ceil(g.outH / 4) * Math.ceil(g.outW / 4) * g.inC;
}

/** Per kernel step: its kind and the flops of each part at this thread count (the scaling model's input). */
export function partsWork(p: Program, threads: number): Array<{ kind: string; parts: number[] }> {
  return p.steps.map((s) => {
    const split = splitStep(s, threads);
    if (!split) return { kind: s.kind, parts: [] };
    if ('gemm' in split) {
      const { alongN, ranges, m, k, n } = split.gemm;
      return { kind: s.kind, parts: ranges.map(([a, b]) => 2 * (b - a) * k * (alongN ? m : n)) };
    }
    if (s.kind === 'depthwise') return { kind: s.kind, parts: split.bands.map((b) => convFlops(b.g, true)) };
    const outC = s.kind === 'conv' ? s.g.outC : 0;
    return { kind: s.kind, parts: split.bands.map((b) => convFlops(b.g, false) + inputTransformWork(b.g, outC)) };
  });
}
