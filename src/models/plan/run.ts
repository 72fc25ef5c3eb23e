// Runs a fused program on one WebAssembly build: weights (folded and copied once), geometry blocks and
// the activation arena live in pinned WebAssembly memory for the life of the plan, so a prediction
// copies its inputs in once, calls kernels on fixed pointers and copies its output out once (into a
// resident block where outputs reside). Large steps split into parts the thread pool runs at once (row
// bands, GEMM rows or columns), the calling thread taking part 0; each part has its own scratch.
import { Tensor } from '../../tensor';
import { BackendError } from '../../errors';
import { type WasmModule, F32, align16, runParts, poolOf, threadsOf } from '../../backend/wasm/module';
import { splitStep, convAlgo, winogradStep, MIN_SPLIT_FLOPS, type GemmSplit } from './parts';
import { splitByOutput, splitPoolByOutput, splitRange } from '../../backend/wasm/split';
import { acquireWeights, releaseWeights } from './weights';
import { geometryBlock, poolGeometryBlock } from '../../backend/wasm/geometry';
import { gemmRange, sgemmArgs } from '../../backend/wasm/gemm';
import { ACT, Program, Step, bytesOf, qTypeOfValue } from './steps';
import { layout } from './memory';
import { envVar } from '../../platform';
import {
  directWeights,
  dotArithmetic,
  dotDepthwise,
  dotExact,
  dotWeights,
  qDirectScratch,
} from '../../backend/wasm/int8';
import { directInt8 } from '../../backend/js/int8';

/**
 * Below this many input bytes a memory-bound step (elementwise, pooling) runs on one thread (waking workers costs
 * more than it saves).
 */
const MEMORY_BOUND_SPLIT = 1 << 17;
/** Bytes at the end of a transformed Winograd filter that the transform uses for temporaries (36 v128s). */
const WINOGRAD_TEMPORARIES = 36 * 16;
/** Input channels up to which an int8 conv runs direct rather than on the relaxed dot path. */
const DIRECT_OVER_DOT_IN_C = 4;

const BINARY_ADD = 0,
  UNARY = { sigmoid: 1, tanh: 2 } as const;

/**
 * One kernel export and its argument lists (one per part); pointers are filled in once memory is pinned, one by
 * one or (sgemm) the whole list at once.
 */
interface Call {
  fn: string;
  parts: Array<Array<number | (() => number)> | (() => number[])>;
  scratch?: Array<() => number>;
}

/** Arrays a plan copies into WebAssembly memory once: float weights, packed int8 weights, int8 parameters. */
type PlanWeights = Float32Array | Int16Array | Int32Array | Int8Array;

/**
 * An int8 step's operands on the relaxed dot path: byte-packed weights, corrections, flip (depthwise: its own
 * corrections, the dot path's inside w).
 */
type DotOperands = ReturnType<typeof dotWeights>;

/** What a plan holds in WebAssembly memory. */
export interface PlanBytes {
  arena: number;
  weights: number;
  scratch: number;
  peakLive: number;
}

export class WasmPlan {
  private readonly block: number;
  private scratchBlock = 0;
  private readonly actions: Array<() => void> = [];
  private readonly at: number[];
  /** The shared packed weights this plan holds a reference to (weights.ts), given back on release. */
  private readonly held: number[] = [];
  readonly bytes: PlanBytes;
  private released = false;
  /** Threads the plan's parts were split for (1 where no pool runs). */
  readonly threads: number;
  /** Milliseconds spent in each step over `runs` runs, when CONVKIT_PLAN_PROFILE is set (stepProfile reads it). */
  readonly profile: { ms: number[]; runs: number } | null;
  /** Whether two values share their place in the arena (an activation the memory plan runs in place). */
  private inPlace: (a: number, b: number) => boolean = () => false;
  /** Where a Winograd step's transformed filter lies (winogradStep), by its filter. */
  private transformedAt: (w: PlanWeights) => () => number = () => () => 0;
  /** Int8 steps that run on the relaxed dot path (where the engine's int8 dot product is exact). */
  private readonly dot = new Map<Step, DotOperands>();
  /** Int8 convs with few input channels that run direct on the i16 path (qconvDirect), their weights repacked. */
  private readonly direct = new Map<Step, Int16Array>();
  /** How many int8 steps run on the relaxed dot path. */
  get dotSteps(): number {
    return this.dot.size;
  }
  /** How many int8 convs run direct (qconvDirect). */
  get directSteps(): number {
    return this.direct.size;
  }

  constructor(
    private readonly mod: WasmModule,
    private readonly program: Program,
  ) {
    const { arena } = mod;
    this.threads = poolOf(mod) ? threadsOf(mod) : 1;
    const lay = layout(program);
    // weights once each (a shared layer's, or an unfolded Variable's, appear in several steps), each at the address
    // the module's weight store gives it (shared with the module's other plans holding the same bytes)
    const weights = new Map<PlanWeights, number>();
    const transformed = new Map<PlanWeights, { at: number; inC: number; outC: number }>();
    let wBytes = 0;
    const weight = (w: PlanWeights | null) => {
      if (w && !weights.has(w)) {
        weights.set(w, 0);
        wBytes += align16(w.byteLength);
      }
    };
    // CONVKIT_INT8_DOT=0 keeps the i16 path (to compare the two)
    const arith = envVar('CONVKIT_INT8_DOT') === '0' ? 'unknown' : dotArithmetic(mod);
    // CONVKIT_INT8_DIRECT=0 keeps im2col + GEMM for the stem, =all runs every 2D int8 conv direct (to compare)
    const direct = envVar('CONVKIT_INT8_DIRECT'),
      maxInC = direct === 'all' ? Infinity : undefined;
    for (const s of program.steps) {
      if (s.kind === 'int8') {
        const dw = s.op === 'depthwise';
        // a stem (few input channels) runs direct even where the dot path is exact: its im2col rows of k = 27
        // bytes cost more than the dot products save (Chromium, face-api's detector: 3.3 ms on the dot path
        // against 2.7 direct, bench/int8-browser.ts --profile)
        const stem = direct !== '0' && s.op === 'conv' && directInt8(s.g!, DIRECT_OVER_DOT_IN_C);
        // int16 inputs (16x8 mode) have no dot product: the i16 path
        if (dotExact(arith) && !stem && s.params[7] !== 2) {
          // depthwise keeps its i16 weights and corrections (edges) beside the dot path's (interior)
          const d = dw
            ? dotDepthwise(arith, s.w, s.channels, s.k, s.n, s.params[7] !== 0)
            : dotWeights(arith, s.w, s.channels, s.k, s.n, s.params[7] !== 0);
          if (d) this.dot.set(s, { channels: s.channels, ...d });
        }
        const d = this.dot.get(s);
        if (!d && direct !== '0' && s.op === 'conv' && directInt8(s.g!, maxInC))
          this.direct.set(s, directWeights(s.w, s.k, s.n, s.g!));
        weight(this.direct.get(s) ?? (d && !dw ? d.w : s.w));
        weight(d && !dw ? d.channels : s.channels);
        weight(s.params);
        if (dw && d) weight(d.w);
      } else if (winogradStep(s)) {
        // the filter transformed once (4x its size) instead of on every call
        if (!transformed.has(s.w)) {
          const bytes = mod.exports.winogradFilterBytes(s.g.inC, s.g.outC);
          transformed.set(s.w, { at: 0, inC: s.g.inC, outC: s.g.outC });
          wBytes += align16(bytes);
        }
        weight(s.bias);
      } else if ('w' in s) {
        weight(s.w);
        weight(s.bias);
      }
      if (s.kind === 'affine') {
        weight(s.scale);
        weight(s.shift);
      }
    }
    // geometry blocks: collected while the calls are built, sized before pinning
    const geoBlocks: Int32Array[] = [];
    const geoPtr: number[] = [];
    const geometry = (v: Int32Array): (() => number) => {
      const i = geoBlocks.push(v) - 1;
      return () => geoPtr[i];
    };
    const arenaBytes = lay.floats * F32;
    const valuePtr = (v: number) => () => this.block + lay.offset[v] * F32;
    const weightPtr = (w: PlanWeights | null) => () => (w ? weights.get(w)! : 0);
    this.transformedAt = (w) => () => transformed.get(w)!.at;
    this.inPlace = (a, b) => lay.offset[a] === lay.offset[b];
    const calls = program.steps.map((s) => this.lower(s, valuePtr, weightPtr, geometry));
    const geoTotal = geoBlocks.reduce((t, g) => t + align16(g.byteLength), 0);
    const heap = () => mod.exports.memory.buffer;
    // memory grown once for everything the plan may pin (block by block it would grow in hundreds of steps)
    arena.reset();
    arena.allocBytes(wBytes + arenaBytes + geoTotal);
    try {
      for (const w of weights.keys()) {
        const ptr = acquireWeights(mod, w.byteLength, (at) =>
          new Uint8Array(heap(), at, w.byteLength).set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength)),
        );
        weights.set(w, ptr);
        this.held.push(ptr);
      }
      for (const [w, t] of transformed) {
        // the panels' padding and, at the end, the transform's temporaries zeroed, so equal filters give equal bytes
        const bytes = mod.exports.winogradFilterBytes(t.inC, t.outC);
        t.at = acquireWeights(mod, bytes, (at) => {
          new Uint8Array(heap(), at, bytes).fill(0);
          mod.exports.winogradFilter(arena.put(w as Float32Array), t.inC, t.outC, t.outC, at);
          new Uint8Array(heap(), at + bytes - WINOGRAD_TEMPORARIES, WINOGRAD_TEMPORARIES).fill(0);
        });
        this.held.push(t.at);
      }
      this.block = arena.pin(arenaBytes + geoTotal);
    } catch (e) {
      this.releaseWeights();
      throw e;
    }
    this.at = program.values.map((_, v) => valuePtr(v)());
    // geometry in
    let g = this.block + arenaBytes;
    geoBlocks.forEach((b, i) => {
      geoPtr[i] = g;
      new Int32Array(heap(), g, b.length).set(b);
      g += align16(b.byteLength);
    });
    // scratch: the most any step's parts need together (parts run at once, each in its own share)
    const need = calls.map((c) => (c ? c.parts.map((_, i) => align16(c.scratch?.[i]() ?? 0)) : []));
    const scratchBytes = Math.max(16, ...need.map((n) => n.reduce((a, b) => a + b, 0)));
    try {
      this.scratchBlock = arena.pin(scratchBytes);
    } catch (e) {
      arena.unpin(this.block);
      this.releaseWeights();
      throw e;
    }
    calls.forEach((c, i) => {
      const s = program.steps[i];
      if (!c) {
        this.actions.push(this.jsAction(s));
        return;
      }
      let sp = this.scratchBlock;
      const parts = c.parts.map((args, j) => {
        const out = typeof args === 'function' ? args() : args.map((a) => (typeof a === 'function' ? a() : a));
        if (c.scratch) {
          out.push(sp);
          sp += need[i][j];
        }
        return out;
      });
      const { fn } = c,
        mod = this.mod;
      this.actions.push(() => runParts(mod, fn, parts));
    });
    const prof = envVar('CONVKIT_PLAN_PROFILE');
    this.profile = prof && prof !== '0' ? { ms: program.steps.map(() => 0), runs: 0 } : null;
    this.bytes = { arena: arenaBytes, weights: wBytes, scratch: scratchBytes, peakLive: lay.peakLive * F32 };
  }

  /** The kernel call for a step, or null for steps run from JavaScript (pad, concat, sums, copied activations,
   * eager layers). */
  private lower(
    s: Step,
    value: (v: number) => () => number,
    weight: (w: PlanWeights | null) => () => number,
    geometry: (v: Int32Array) => () => number,
  ): Call | null {
    const { mod } = this,
      ex = mod.exports;
    switch (s.kind) {
      case 'conv': {
        const split = splitStep(s, this.threads)!;
        if ('gemm' in split)
          return this.gemm(
            split.gemm,
            value(s.x),
            weight(s.w),
            weight(s.bias),
            value(s.y),
            s.act,
            s.residual !== undefined,
          );
        const x = value(s.x),
          y = value(s.y),
          w = weight(s.w),
          b = weight(s.bias);
        // every part takes the whole step's kernel; a block of output channels reads its filter columns and
        // bias from c0 on (split.ts), or a transformed filter's panels from c0 / 8 on (before them: the
        // bytes of a c0-channel transformed filter, less its room for temporaries, 36 v128s)
        const geos = split.bands.map((p) => geometry(geometryBlock(p.g, 1, convAlgo(s.g), p.channels?.ldC)));
        const c0 = (p: { channels?: { c0: number } }) => p.channels?.c0 ?? 0;
        const wino = winogradStep(s),
          u = wino ? this.transformedAt(s.w) : w;
        const filterAt = (c: number) => (wino ? ex.winogradFilterBytes(s.g.inC, c) - WINOGRAD_TEMPORARIES : c * F32);
        return {
          fn: wino ? 'winogradConvTransformed' : 'conv',
          parts: split.bands.map((p, i) => [
            () => x() + p.inOffset * F32,
            () => u() + filterAt(c0(p)),
            () => (b() ? b() + c0(p) * F32 : 0),
            () => y() + p.outOffset * F32,
            geos[i],
            s.act,
          ]),
          scratch: geos.map(
            (gp) => () => (wino ? ex.winogradTransformedScratchBytes(gp()) : ex.convScratchBytes(gp(), 0)),
          ),
        };
      }
      case 'depthwise': {
        const g = s.g,
          x = value(s.x),
          y = value(s.y),
          w = weight(s.w),
          b = weight(s.bias);
        const split = splitStep(s, this.threads) as {
          bands: Array<{ g: typeof g; inOffset: number; outOffset: number }>;
        };
        return {
          fn: 'depthwiseConv',
          parts: split.bands.map((p) => [
            () => x() + p.inOffset * F32,
            w,
            b,
            () => y() + p.outOffset * F32,
            geometry(geometryBlock(p.g, g.multiplier)),
            s.act,
          ]),
        };
      }
      case 'dense': {
        const split = splitStep(s, this.threads) as { gemm: GemmSplit };
        return this.gemm(split.gemm, value(s.x), weight(s.w), weight(s.bias), value(s.y), s.act, false);
      }
      case 'pool': {
        // memory-bound: large pools in bands of output rows, one per thread, so each reads input rows the step
        // before wrote on the same thread (run whole after a split step, a pool read half its input from the
        // other core: the detector's int8 pools took 2x longer on 2 threads than on 1)
        const x = value(s.x),
          y = value(s.y),
          int8 = s.zero !== undefined,
          eb = bytesOf(this.program.values[s.x]),
          n = this.program.values[s.x].size * eb;
        const bands = splitPoolByOutput(s.g, n < MEMORY_BOUND_SPLIT ? 1 : this.threads);
        return {
          fn: int8 ? 'qmaxPool' : s.max ? 'maxPool' : 'avgPool',
          parts: bands.map((p) => [
            () => x() + p.inOffset * eb,
            () => y() + p.outOffset * eb,
            geometry(poolGeometryBlock(p.g)),
            ...(int8 ? [qTypeOfValue(this.program.values[s.x]), s.zero!] : []),
          ]),
        };
      }
      case 'mean':
        return { fn: 'meanRows', parts: [[value(s.x), value(s.y), s.batch, s.cells, s.channels]] };
      case 'affine': {
        const x = value(s.x),
          y = value(s.y),
          rows = this.program.values[s.x].size / s.channels;
        return {
          fn: 'channelAffine',
          parts: this.elementwise(rows, s.channels * F32).map(([i, j]) => [
            () => x() + i * s.channels * F32,
            weight(s.scale),
            weight(s.shift),
            () => y() + i * s.channels * F32,
            j - i,
            s.channels,
          ]),
        };
      }
      case 'unary': {
        const x = value(s.x),
          y = value(s.y);
        return {
          fn: 'eltUnary',
          parts: this.elementwise(this.program.values[s.x].size, F32).map(([i, j]) => [
            UNARY[s.op],
            () => x() + i * F32,
            () => y() + i * F32,
            j - i,
          ]),
        };
      }
      case 'activate': {
        // in place (as the memory plan places most): ranges, one per thread; a copy first runs from JavaScript
        if (!this.inPlace(s.x, s.y)) return null;
        const y = value(s.y);
        return {
          fn: 'activateInPlace',
          parts: this.elementwise(this.program.values[s.y].size, F32).map(([i, j]) => [
            () => y() + i * F32,
            j - i,
            s.act,
            s.alpha,
          ]),
        };
      }
      case 'softmax':
        return { fn: 'softmaxRows', parts: [[value(s.x), value(s.y), s.rows, s.cols]] };
      case 'int8': {
        // rows of the GEMM, or bands of output rows, one per thread; byte offsets (quantised in, quantised or
        // float out)
        const d = this.dot.get(s),
          dw = s.op === 'depthwise',
          direct = this.direct.get(s);
        const x = value(s.x),
          y = value(s.y),
          w = [weight(direct ?? (d && !dw ? d.w : s.w)), weight(d && !dw ? d.channels : s.channels), weight(s.params)],
          eb = bytesOf(this.program.values[s.y]),
          ab = bytesOf(this.program.values[s.x]),
          // depthwise: its dot weights (or 0) and the flip; the dot GEMM and conv: the flip
          flip = dw ? [d ? weight(d.w) : 0, d ? d.flip : 0] : d ? [d.flip] : [];
        const macs = s.op === 'gemm' ? s.m * s.n * s.k : this.program.values[s.y].size * s.k;
        const parts = 2 * macs < MIN_SPLIT_FLOPS ? 1 : this.threads;
        const scratch = () =>
          direct ? qDirectScratch(this.mod, s.g!) : d && !dw ? ex.qdotScratchBytes(s.k) : ex.qScratchBytes(s.k, s.n);
        if (s.op === 'gemm') {
          const ranges = splitRange(s.m, parts, 4);
          return {
            fn: d ? 'qgemmDot' : 'qgemm',
            parts: ranges.map(([a, b]) => [
              b - a,
              s.n,
              s.k,
              () => x() + a * s.k * ab,
              s.k * ab,
              ...w,
              () => y() + a * s.n * eb,
              s.n,
              ...flip,
            ]),
            scratch: ranges.map(() => scratch),
          };
        }
        const bands = splitByOutput(s.g!, parts);
        return {
          fn: dw ? 'qdepthwise' : d ? 'qconvDot' : direct ? 'qconvDirect' : 'qconv',
          parts: bands.map((p) => [
            () => x() + p.inOffset * ab,
            geometry(geometryBlock(p.g)),
            ...w,
            () => y() + p.outOffset * eb,
            ...flip,
          ]),
          scratch: bands.map(() => scratch),
        };
      }
      case 'qadd': {
        // elementwise: large adds (ResNet-50's 56x56x256) in byte ranges, one per thread
        const n = this.program.values[s.y].size,
          [a, b] = s.xs.map(value),
          y = value(s.y),
          { za, ma, zb, mb, z, qmin, qmax } = s.q,
          t = qTypeOfValue(this.program.values[s.y]),
          eb = bytesOf(this.program.values[s.y]);
        return {
          fn: 'qadd',
          parts: this.elementwise(n, eb).map(([i, j]) => [
            () => a() + i * eb,
            za,
            ma,
            () => b() + i * eb,
            zb,
            mb,
            j - i,
            t,
            z,
            qmin,
            qmax,
            () => y() + i * eb,
          ]),
        };
      }
      case 'quantize': {
        const x = value(s.x),
          y = value(s.y),
          t = qTypeOfValue(this.program.values[s.y]),
          eb = bytesOf(this.program.values[s.y]);
        return {
          fn: 'quantizeF32',
          parts: this.elementwise(this.program.values[s.x].size, F32).map(([i, j]) => [
            () => x() + i * F32,
            j - i,
            1 / s.scale,
            s.zero,
            s.qmin,
            s.qmax,
            t,
            () => y() + i * eb,
          ]),
        };
      }
      case 'dequantize': {
        const t = qTypeOfValue(this.program.values[s.x]),
          eb = bytesOf(this.program.values[s.x]),
          x = value(s.x),
          y = value(s.y);
        return {
          fn: 'dequantize',
          parts: this.elementwise(this.program.values[s.x].size, eb).map(([i, j]) => [
            () => x() + i * eb,
            j - i,
            t,
            s.zero,
            s.scale,
            () => y() + i * F32,
          ]),
        };
      }
      default:
        return null;
    }
  }

  /** [m, k] · [k, n] (+ bias, act) into y (accumulating onto y when asked), in the parts of its split. */
  /** [start, end) ranges of n items of `bytes` each: one per thread from MEMORY_BOUND_SPLIT bytes, else the whole. */
  private elementwise(n: number, bytes: number): Array<[number, number]> {
    return splitRange(n, n * bytes < MEMORY_BOUND_SPLIT ? 1 : this.threads, 16);
  }

  private gemm(
    { m, k, n, alongN, ranges }: GemmSplit,
    x: () => number,
    w: () => number,
    b: () => number,
    y: () => number,
    act: number,
    accumulate: boolean,
  ): Call {
    const ex = this.mod.exports;
    return {
      fn: 'sgemm',
      // the argument list is built once memory is pinned (the pointers are known only then)
      parts: ranges.map(
        ([s, e]) =>
          () =>
            sgemmArgs(gemmRange({ m, n, k, a: x(), b: w(), c: y(), bias: b(), act, accumulate }, alongN, s, e)),
      ),
      scratch: ranges.map(
        ([s, e]) =>
          () =>
            alongN ? ex.gemmScratchBytes(m, e - s, k) : ex.gemmScratchBytes(e - s, n, k),
      ),
    };
  }

  /** Steps run from JavaScript: padding, concatenation, sums, activations (copied unless in place), eager layers. */
  private jsAction(s: Step): () => void {
    const ex = this.mod.exports,
      at = this.at,
      values = this.program.values;
    const heap = () => ex.memory.buffer as ArrayBuffer;
    switch (s.kind) {
      case 'pad': {
        const [n, h, w, c] = values[s.x].shape,
          [, hp, wp] = values[s.y].shape,
          x = at[s.x],
          y = at[s.y];
        return () => {
          new Float32Array(heap(), y, n * hp * wp * c).fill(0);
          for (let b = 0; b < n; b++)
            ex.copyRows(
              x + b * h * w * c * F32,
              w * c,
              y + ((b * hp + s.top) * wp + s.left) * c * F32,
              wp * c,
              h,
              w * c,
            );
        };
      }
      case 'add': {
        // one sum after another (not parts: each adds onto the previous), then the fused activation
        const n = values[s.y].size,
          y = at[s.y],
          [x0, ...rest] = s.xs.map((v) => at[v]),
          act = s.act;
        return () => {
          rest.forEach((x, i) => ex.eltBinary(BINARY_ADD, i === 0 ? x0 : y, n, x, n, y));
          if (act !== ACT.linear) ex.activateInPlace(y, n, act, 0);
        };
      }
      case 'activate': {
        const x = at[s.x],
          y = at[s.y],
          n = values[s.y].size,
          { act, alpha } = s;
        return () => {
          if (x !== y) ex.copyRows(x, n, y, n, 1, n);
          ex.activateInPlace(y, n, act, alpha);
        };
      }
      case 'concat': {
        const total = s.cols.reduce((a, b) => a + b, 0),
          y = at[s.y];
        return () => {
          let off = 0;
          s.xs.forEach((v, i) => {
            ex.copyRows(at[v], s.cols[i], y + off * F32, total, s.rows, s.cols[i]);
            off += s.cols[i];
          });
        };
      }
      case 'eager': {
        const y = at[s.y],
          size = values[s.y].size;
        return () => {
          const ins = s.xs.map(
            (v) => new Tensor(new Float32Array(heap(), at[v], values[v].size).slice(), values[v].shape),
          );
          const out = s.run(ins);
          if (out.size !== size)
            throw new BackendError(
              `inference plan: layer '${s.layer.name}' gave ${out.size} values, the plan expected ${size}`,
            );
          new Float32Array(heap(), y, size).set(out.data);
        };
      }
      default:
        throw new BackendError(`inference plan: no way to run a '${s.kind}' step`);
    }
  }

  /** Runs the network on inputs (flat, in the program's input shapes); returns the outputs' values. */
  run(inputs: Float32Array[], observe?: (step: number, y: Float32Array) => void): Float32Array[] {
    if (this.released) throw new BackendError('inference plan: used after release');
    const buf = this.mod.exports.memory.buffer as ArrayBuffer;
    this.program.inputs.forEach((v, i) =>
      new Float32Array(buf, this.at[v], this.program.values[v].size).set(inputs[i]),
    );
    if (observe) {
      // calibration: each step's float output, read before a later step can overwrite its memory
      this.actions.forEach((a, i) => {
        a();
        const y = this.program.steps[i].y,
          v = this.program.values[y];
        if (!v.dtype) observe(i, new Float32Array(this.mod.exports.memory.buffer as ArrayBuffer, this.at[y], v.size));
      });
    } else if (this.profile) {
      this.actions.forEach((a, i) => {
        const t = performance.now();
        a();
        this.profile!.ms[i] += performance.now() - t;
      });
      this.profile.runs++;
    } else for (const a of this.actions) a();
    // on the threads builds an output of 4 KiB or more comes back as a resident block (src/backend/resident.ts)
    return this.program.outputs.map((v) => this.mod.arena.result(this.at[v], this.program.values[v].size));
  }

  /** Per-step time (ms per run) labelled by kind and layer, when profiling; null otherwise. */
  stepProfile(): Array<{ step: number; label: string; ms: number }> | null {
    const p = this.profile;
    if (!p || p.runs === 0) return null;
    return this.program.steps.map((s, i) => {
      const op =
        s.kind === 'int8'
          ? `int8 ${s.op}${this.dot.has(s) ? ' dot' : this.direct.has(s) ? ' direct' : ''}`
          : s.kind === 'pool' && s.zero !== undefined
            ? 'int8 pool'
            : s.kind;
      return {
        step: i,
        label: 'layer' in s && typeof s.layer === 'string' ? `${op} ${s.layer}` : op,
        ms: p.ms[i] / p.runs,
      };
    });
  }

  /** Shape of the first output. */
  get outputShape(): number[] {
    return this.program.values[this.program.outputs[0]].shape;
  }

  /** Frees the plan's WebAssembly memory (for reuse by later plans and kernel calls). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.mod.arena.unpin(this.scratchBlock);
    this.mod.arena.unpin(this.block);
    this.releaseWeights();
  }

  /** Gives back the plan's references to shared packed weights. */
  private releaseWeights(): void {
    for (const ptr of this.held.splice(0)) releaseWeights(this.mod, ptr);
  }
}
