// How a kernel call splits into parts for the thread pool. Every part is a smaller call of the same
// kernel: a range of GEMM rows or columns, a range of batch items, or (one image) a band of output rows
// given as a sub-geometry whose padding absorbs the offset. Each output element is computed by exactly
// one part with the same arithmetic as the whole call, so forward results do not depend on the split.
import type { ConvGeometry, PoolGeometry } from '../kernels';

/** [start, end) ranges covering 0..n in at most `parts` pieces whose starts are multiples of align. */
export function splitRange(n: number, parts: number, align = 1): Array<[number, number]> {
  const step = Math.max(align, Math.ceil(n / parts / align) * align);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += step) out.push([s, Math.min(n, s + step)]);
  return out;
}

/** One part of a convolution: its geometry and float offsets into the input-side and output-side arrays. */
export interface ConvPart<G extends ConvGeometry> {
  g: G;
  inOffset: number;
  outOffset: number;
  /**
   * A block of output channels (splitByOutputChannels): the first one, by which the filter and bias are
   * offset (outOffset counts it already); g.outC is the block's width, ldC the layer's whole outC.
   */
  channels?: { c0: number; ldC: number };
}

/** The spatial axis row bands split along: depth for 3D volumes, else height; null when neither works. */
function rowAxis(g: ConvGeometry) {
  if (g.outD > 1) {
    return {
      inN: g.inD,
      outN: g.outD,
      stride: g.strideD,
      dilation: g.dilationD,
      f: g.fD,
      pad: g.padFront,
      inSlice: g.inH * g.inW * g.inC,
      outSlice: g.outH * g.outW * g.outC,
      with: <G extends ConvGeometry>(h: G, inN: number, outN: number, pad: number): G => ({
        ...h,
        inD: inN,
        outD: outN,
        padFront: pad,
      }),
    };
  }
  if (g.inD === 1 && g.outH > 1) {
    return {
      inN: g.inH,
      outN: g.outH,
      stride: g.strideH,
      dilation: g.dilationH,
      f: g.fH,
      pad: g.padTop,
      inSlice: g.inW * g.inC,
      outSlice: g.outW * g.outC,
      with: <G extends ConvGeometry>(h: G, inN: number, outN: number, pad: number): G => ({
        ...h,
        inH: inN,
        outH: outN,
        padTop: pad,
      }),
    };
  }
  return null;
}

const inPerItem = (g: ConvGeometry) => g.inD * g.inH * g.inW * g.inC;
const outPerItem = (g: ConvGeometry) => g.outD * g.outH * g.outW * g.outC;

function byBatch<G extends ConvGeometry>(g: G, parts: number): Array<ConvPart<G>> {
  return splitRange(g.batch, parts).map(([b0, b1]) => ({
    g: { ...g, batch: b1 - b0 },
    inOffset: b0 * inPerItem(g),
    outOffset: b0 * outPerItem(g),
  }));
}

/**
 * Splits a call that reads the input and writes (or reduces over) the output rows: the forward pass and
 * the filter gradient. Batches split by items; one image splits into bands of output rows, each given
 * just the input rows its windows read.
 */
export function splitByOutput<G extends ConvGeometry>(g: G, parts: number): Array<ConvPart<G>> {
  const whole = [{ g, inOffset: 0, outOffset: 0 }];
  if (parts <= 1) return whole;
  if (g.batch > 1) return byBatch(g, parts);
  const a = rowAxis(g);
  if (!a) return whole;
  let readsInput = true;
  // bands start on multiples of 4 rows: Winograd's 4x4 output tiles then fall where they would unsplit
  const bands = splitRange(a.outN, parts, 4).map(([r0, r1]) => {
    const first = r0 * a.stride - a.pad,
      last = (r1 - 1) * a.stride - a.pad + (a.f - 1) * a.dilation;
    const skip = Math.max(0, first),
      rows = Math.min(a.inN, last + 1) - skip; // only the rows its windows read
    readsInput &&= rows > 0;
    return { g: a.with(g, rows, r1 - r0, skip - first), inOffset: skip * a.inSlice, outOffset: r0 * a.outSlice };
  });
  // a band whose windows read only padding (explicit padding wider than the filter reaches): no split
  return readsInput ? bands : whole;
}

/**
 * Pooling split as splitByOutput splits a convolution (a pool is a convolution of one channel's window without
 * weights): batches by items, one image into bands of output rows, each given the input rows its windows read.
 * Offsets count elements.
 */
export function splitPoolByOutput(
  g: PoolGeometry,
  parts: number,
): Array<{ g: PoolGeometry; inOffset: number; outOffset: number }> {
  const c = g.channels;
  const conv: ConvGeometry = {
    ...{ batch: g.batch, inD: g.inD, inH: g.inH, inW: g.inW, outD: g.outD, outH: g.outH, outW: g.outW },
    ...{ inC: c, outC: c, fD: g.poolD, fH: g.poolH, fW: g.poolW, strideD: g.strideD, strideH: g.strideH },
    ...{ strideW: g.strideW, dilationD: 1, dilationH: 1, dilationW: 1 },
    ...{ padFront: g.padFront, padTop: g.padTop, padLeft: g.padLeft },
  };
  return splitByOutput(conv, parts).map(({ g: b, inOffset, outOffset }) => ({
    g: {
      ...g,
      batch: b.batch,
      inD: b.inD,
      inH: b.inH,
      outD: b.outD,
      outH: b.outH,
      padFront: b.padFront,
      padTop: b.padTop,
    },
    inOffset,
    outOffset,
  }));
}

/**
 * Work of reading a band's input per output pixel, in output channels' worth of multiply-adds: each block
 * of channels repeats it. Winograd's input transform counts as about 3.3 channels' products by flops
 * (parts.ts); it is memory-bound, so this takes more, a guess that makes a 56x56x64 layer keep its two
 * even row bands at 2 threads while 7x7 to 28x28 layers (bands of 4 rows split unevenly) take channels.
 */
const READ_CHANNELS = 8;

/**
 * Row bands (splitByOutput) times blocks of output channels starting on multiples of align (the kernels'
 * widest channel group, so every channel keeps the lanes and tiles it has in the unsplit call), at most
 * `parts` in all: of the band counts up to parts, the one whose largest part is least work, counting
 * READ_CHANNELS for the input every block reads again. Few row bands (small images, few batch items)
 * then still give every thread a part, and bands of 4 rows that split a small image unevenly give way to
 * even channel blocks.
 */
export function splitByOutputChannels<G extends ConvGeometry>(g: G, parts: number, align = 16): Array<ConvPart<G>> {
  let bands = splitByOutput(g, 1),
    ranges: Array<[number, number]> = [[0, g.outC]],
    least = Infinity;
  for (let k = parts; k >= 1; k--) {
    const b = splitByOutput(g, k);
    const r = splitRange(g.outC, Math.min(Math.floor(parts / b.length), Math.ceil(g.outC / align)), align);
    const pixels = Math.max(...b.map((p) => p.g.batch * p.g.outD * p.g.outH * p.g.outW));
    const work = pixels * (Math.max(...r.map(([c0, c1]) => c1 - c0)) + READ_CHANNELS);
    if (work < least) [bands, ranges, least] = [b, r, work];
  }
  if (ranges.length <= 1) return bands;
  return bands.flatMap((b) =>
    ranges.map(([c0, c1]) => ({
      g: { ...b.g, outC: c1 - c0 },
      inOffset: b.inOffset,
      outOffset: b.outOffset + c0,
      channels: { c0, ldC: g.outC },
    })),
  );
}

/**
 * Splits the input gradient: batches by items; one image into bands of input rows, each reading the
 * output-gradient rows whose windows may reach the band (taps that fall outside it are skipped). With
 * padding after >= 0 every band gets at least the last output row, so the bands tile the input.
 */
export function splitByInput<G extends ConvGeometry>(g: G, parts: number): Array<ConvPart<G>> {
  if (parts <= 1) return [{ g, inOffset: 0, outOffset: 0 }];
  if (g.batch > 1) return byBatch(g, parts);
  const a = rowAxis(g);
  if (!a) return [{ g, inOffset: 0, outOffset: 0 }];
  return splitRange(a.inN, parts, 2).map(([r0, r1]) => {
    const o0 = Math.max(0, Math.floor((r0 + a.pad - (a.f - 1) * a.dilation) / a.stride));
    const o1 = Math.min(a.outN - 1, Math.floor((r1 - 1 + a.pad) / a.stride));
    return {
      g: a.with(g, r1 - r0, o1 - o0 + 1, a.pad + r0 - o0 * a.stride),
      inOffset: r0 * a.inSlice,
      outOffset: o0 * a.outSlice,
    };
  });
}
