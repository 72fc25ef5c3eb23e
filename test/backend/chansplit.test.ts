// Forward convolutions split by output channels (split.ts splitByOutputChannels, the geometry block's ldC):
// on every WebAssembly build and for each kernel conv() can take (direct, im2col + sgemm, Winograd), the
// parts run one after another must write exactly what the unsplit call writes, bit for bit, with odd
// channel counts, stride 2, padding, dilation, batch 1 and > 1; and the unsplit call matches the reference.
import { describe, it, expect } from 'vitest';
import { instantiateSync, supports, type Build } from '../../src/backend/wasm/module';
import { geometryBlock } from '../../src/backend/wasm/geometry';
import { splitByOutputChannels } from '../../src/backend/wasm/split';
import { convAlgo } from '../../src/models/plan/parts';
import { backend } from '../../src/backend';
import type { ConvGeometry } from '../../src/backend/kernels';
import {
  rng,
  randArray,
  geometry,
  inLen,
  outLen,
  filterLen,
  terms,
  outShape,
  expectRelClose,
  type Spec,
} from '../helpers/kernels';

const BUILDS = (['scalar', 'simd', 'relaxed'] as Build[]).filter(supports);
const F32 = 4;
/** The geometry block's algorithm switches (assembly/convgeom.ts): heuristics, im2col only, Winograd always. */
const ALGOS = { heuristic: 0, im2col: 1, winograd: 2 } as const;

const CASES: Record<string, Spec> = {
  'one 5x7 image, 3x3 same, 19 -> 37 channels': {
    batch: 1,
    in: [1, 5, 7],
    inC: 19,
    outC: 37,
    f: [1, 3, 3],
    padBefore: [0, 1, 1],
    padAfter: [0, 1, 1],
  },
  'batch 3 of 9x6, stride 2, uneven padding, 13 -> 45': {
    batch: 3,
    in: [1, 9, 6],
    inC: 13,
    outC: 45,
    f: [1, 3, 3],
    stride: [1, 2, 2],
    padBefore: [0, 1, 0],
    padAfter: [0, 2, 1],
  },
  'one 11x10 image, dilation 2, 2x3 filter, 8 -> 33': {
    batch: 1,
    in: [1, 11, 10],
    inC: 8,
    outC: 33,
    f: [1, 2, 3],
    dilation: [1, 2, 2],
    padBefore: [0, 2, 1],
  },
  'batch 2 of 14x14, 3x3 same, 32 -> 50 (Winograd-shaped)': {
    batch: 2,
    in: [1, 14, 14],
    inC: 32,
    outC: 50,
    f: [1, 3, 3],
    padBefore: [0, 1, 1],
    padAfter: [0, 1, 1],
  },
  'one 7x7 image, 3x3 valid, 24 -> 64 (channels split evenly)': {
    batch: 1,
    in: [1, 7, 7],
    inC: 24,
    outC: 64,
    f: [1, 3, 3],
  },
  '1x1 pointwise, 6x5, 11 -> 21': { batch: 1, in: [1, 6, 5], inC: 11, outC: 21, f: [1, 1, 1] },
  'a 3D volume, batch 2, 3x3x3, 5 -> 17': {
    batch: 2,
    in: [4, 5, 6],
    inC: 5,
    outC: 17,
    f: [3, 3, 3],
    padBefore: [1, 1, 1],
    padAfter: [1, 1, 1],
  },
};

describe.each(BUILDS)('conv split by output channels on the %s build', (build) => {
  const mod = instantiateSync(build);
  const ex = mod.exports;
  const heap = () => new Float32Array(ex.memory.buffer);

  /** conv over the parts of a split, one after another, each with its own geometry and scratch. */
  function run(
    g: ConvGeometry,
    parts: number,
    algo: number,
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array,
    transformed = false,
  ): { y: Float32Array; blocks: number } {
    mod.arena.reset();
    const xp = mod.arena.put(x),
      wp = mod.arena.put(w),
      bp = mod.arena.put(bias),
      yp = mod.arena.put(new Float32Array(outLen(g)).fill(NaN)); // a channel no part writes stays NaN
    // a plan's Winograd steps: the filter transformed once, each part reading its panels (run.ts)
    const up = transformed ? mod.arena.allocBytes(ex.winogradFilterBytes(g.inC, g.outC)) : 0;
    if (transformed) ex.winogradFilter(wp, g.inC, g.outC, g.outC, up);
    const split = splitByOutputChannels(g, parts, 16);
    for (const p of split) {
      const block = geometryBlock(p.g, 1, algo, p.channels?.ldC);
      const gp = mod.arena.allocBytes(block.byteLength);
      new Int32Array(ex.memory.buffer, gp, block.length).set(block);
      const c0 = p.channels?.c0 ?? 0,
        xo = xp + p.inOffset * F32,
        yo = yp + p.outOffset * F32;
      if (transformed) {
        const sp = mod.arena.allocBytes(ex.winogradTransformedScratchBytes(gp));
        const panels = ex.winogradFilterBytes(g.inC, c0) - 36 * 16;
        ex.winogradConvTransformed(xo, up + panels, bp + c0 * F32, yo, gp, 1, sp);
      } else {
        const sp = mod.arena.allocBytes(ex.convScratchBytes(gp, 0));
        ex.conv(xo, wp + c0 * F32, bp + c0 * F32, yo, gp, 1, sp);
      }
    }
    return { y: heap().slice(yp / F32, yp / F32 + outLen(g)), blocks: new Set(split.map((p) => p.channels?.c0)).size };
  }

  it.each(Object.entries(CASES))('%s: every kernel, split into 2 to 8 parts, equals the unsplit call', (_, spec) => {
    const g = geometry(spec);
    const r = rng(g.outC * 7 + g.inC);
    const x = randArray(inLen(g), r),
      w = randArray(filterLen(g), r),
      bias = randArray(g.outC, r);
    const want = backend.kernels('js').conv(x, w, g, bias, 'relu');
    for (const algo of Object.values(ALGOS)) {
      const whole = run(g, 1, algo, x, w, bias).y;
      expectRelClose(whole, want, `${build} algo ${algo}`, { tol: 1e-4, terms: terms.forward(g), shape: outShape(g) });
      // the heuristics: parts pinned to the kernel the whole call takes (a plan's parts, convAlgo)
      const pinned = algo === ALGOS.heuristic ? convAlgo(g) : algo;
      expect(Array.from(run(g, 1, pinned, x, w, bias).y)).toEqual(Array.from(whole));
      let split = 0;
      for (const parts of [2, 3, 5, 8]) {
        const { y, blocks } = run(g, parts, pinned, x, w, bias);
        if (blocks > 1) split++;
        expect(y.some(Number.isNaN)).toBe(false);
        // the same arithmetic for every element, whichever part computed it
        expect(Array.from(y)).toEqual(Array.from(whole));
      }
      // at least one thread count cut the channels into blocks
      expect(split).toBeGreaterThan(0);
    }
  });

  /** The shapes Winograd computes: 2D, 3x3, stride 1, dilation 1. */
  const winogradCase = (c: Spec) =>
    c.in[0] === 1 && c.f[1] === 3 && c.f[2] === 3 && !c.stride && !c.dilation && c.f[0] === 1;

  it.each(Object.entries(CASES).filter(([, c]) => winogradCase(c)))(
    '%s: the filter transformed once (winogradConvTransformed), whole and in parts, equals Winograd per call',
    (_, spec) => {
      const g = geometry(spec);
      const r = rng(g.outC * 5 + g.inC);
      const x = randArray(inLen(g), r),
        w = randArray(filterLen(g), r),
        bias = randArray(g.outC, r);
      const want = run(g, 1, ALGOS.winograd, x, w, bias).y;
      expect(want.some(Number.isNaN)).toBe(false);
      for (const parts of [1, 2, 3, 8])
        expect(Array.from(run(g, parts, ALGOS.winograd, x, w, bias, true).y)).toEqual(Array.from(want));
    },
  );
});

describe('splitByOutputChannels', () => {
  it('tiles every (row band, channel) of the output once, blocks on multiples of 16', () => {
    for (const spec of Object.values(CASES)) {
      const g = geometry(spec);
      for (const parts of [1, 2, 3, 4, 8, 16]) {
        const split = splitByOutputChannels(g, parts, 16);
        expect(split.length).toBeLessThanOrEqual(Math.max(parts, 1));
        const seen = new Uint8Array(outLen(g));
        const perItem = g.outD * g.outH * g.outW * g.outC;
        for (const p of split) {
          const c0 = p.channels?.c0 ?? 0;
          expect(c0 % 16).toBe(0);
          if (p.channels) expect(p.channels.ldC).toBe(g.outC);
          // the part's pixels are ldC apart from outOffset - c0 on; mark its channels of each
          const base = p.outOffset - c0,
            pixels = p.g.batch * p.g.outD * p.g.outH * p.g.outW;
          for (let q = 0; q < pixels; q++) {
            // batch parts: items are perItem apart, which q / (pixels per item) counts
            const perPart = p.g.outD * p.g.outH * p.g.outW;
            const at = base + Math.floor(q / perPart) * perItem + (q % perPart) * g.outC;
            for (let c = 0; c < p.g.outC; c++) seen[at + c0 + c]++;
          }
        }
        expect(Array.from(seen).every((v) => v === 1)).toBe(true);
      }
    }
  });
});
