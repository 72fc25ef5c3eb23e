// How each step of a plan splits across threads, decided once when the plan is built: convolutions
// (depthwise included: in a plan its data is already in shared memory, nothing is copied per part) into
// bands of output rows or batch items, GEMMs (1x1 convolutions, dense layers) into blocks of columns or
// rows, whichever side is longer. Pure functions of the step and the thread count, so a benchmark can
// lay out the parts of any thread count without starting workers (bench/networks.ts --parts).
import { splitByOutput, splitRange, type ConvPart } from '../../backend/wasm/split';
import type { ConvGeometry } from '../../backend/kernels';
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
  if (s.kind === 'conv' || s.kind === 'depthwise')
    return { bands: splitByOutput(s.g, partsFor(convFlops(s.g, s.kind === 'depthwise'), threads)) };
  return null;
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
    return { kind: s.kind, parts: split.bands.map((b) => convFlops(b.g, s.kind === 'depthwise')) };
  });
}
