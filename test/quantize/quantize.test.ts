// quantize(): int8 post-training quantisation through the inference plan. Quantised outputs track the float model's
// (small nets of every int8 step kind, random zoo nets), LeNet-5 trained on real MNIST keeps its held-out accuracy,
// skip keeps layers float, summary marks the model, bad options fail with typed errors.
import { describe, expect, it, vi } from 'vitest';
import {
  layers,
  model,
  optimizers,
  quantize,
  Tensor,
  ValueError,
  ShapeError,
  zoo,
  backend,
  init,
  io,
  QuantizedModel,
  ModelFormatError,
} from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDigits } from '../helpers/mnist';
import { sizeOf } from '../../src/tensor';
import { restoreQuantized, type SavedQuantization } from '../../src/quantize';
import { relError, seeded, smallNet, residualNet, tinyYoloNet } from './nets';
import { Model } from '../../src/models/model';
import { lower } from '../../src/models/plan/lower';
import { fuse, rootOf } from '../../src/models/plan/fuse';
import { int8Rewrites, planFor } from '../../src/models/plan';
import type { Layer } from '../../src/layers';
import type { Program } from '../../src/models/plan/steps';
import {
  dequantizeRef,
  qaddRef,
  qconvRef,
  qdepthwiseRef,
  qgemmRef,
  qmaxPoolRef,
  quantizeRef,
  unpackInt8Weights,
  type QArray,
  type QParams,
} from '../../src/backend/js/int8';

/** The step kinds of a quantised model's int8 plan at these input shapes (int8 kernels as 'int8'), counted. */
function planKinds(q: QuantizedModel, shape: number[]): Record<string, number> {
  const isModel = (l: Layer): l is Model => l instanceof Model;
  const p = fuse(lower(q, [shape], isModel), { residuals: false, rewrite: int8Rewrites.get(q) });
  const count: Record<string, number> = {};
  for (const s of p.steps) count[s.kind] = (count[s.kind] ?? 0) + 1;
  return count;
}

const argmax = (d: Float32Array, i: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[i * n + j] > d[i * n + b]) b = j;
  return b;
};

function agreement(a: Tensor, b: Tensor): number {
  const n = a.shape[a.shape.length - 1],
    rows = a.size / n;
  let same = 0;
  for (let i = 0; i < rows; i++) if (argmax(a.data, i, n) === argmax(b.data, i, n)) same++;
  return same / rows;
}

describeEachBackend('quantize', () => {
  it('a small net of every int8 step kind tracks the float model (batch 5, calibrated on 24 other inputs)', () => {
    const m = smallNet();
    const q = quantize(m, { calibration: seeded([24, 13, 11, 3], 1) });
    const x = seeded([5, 13, 11, 3], 2);
    const yf = m.predict(x),
      yq = q.predict(x);
    expect(yq.shape).toEqual(yf.shape);
    const err = relError(yf, yq);
    expect(err).toBeLessThan(0.05);
    expect(err).toBeGreaterThan(0); // it did run int8
    expect(q.quantization.int8.sort()).toEqual(['c1', 'c5', 'dw', 'out', 'pw']);
  });

  it('int8 activations and per-tensor weights work too; skip keeps the named layers float', () => {
    const m = smallNet(),
      cal = seeded([16, 13, 11, 3], 3),
      x = seeded([3, 13, 11, 3], 4);
    const yf = m.predict(x);
    const q8 = quantize(m, { calibration: cal, activations: 'int8', weights: 'perTensor' });
    expect(relError(yf, q8.predict(x))).toBeLessThan(0.08);
    const all = quantize(m, { calibration: cal, skip: ['c1', 'dw', 'pw', 'c5', 'out'] });
    expect(all.quantization.int8).toEqual([]);
    expect(relError(yf, all.predict(x))).toBeLessThan(1e-5);
    const some = quantize(m, { calibration: cal, skip: ['out'] });
    expect(some.quantization.float).toEqual(['out']);
    // skip names residual Add layers too: that add runs float, between dequantize and quantize steps
    expect(planKinds(some, [3, 13, 11, 3]).qadd).toBe(1);
    const sum = quantize(m, { calibration: cal, skip: ['sum'] });
    expect(planKinds(sum, [3, 13, 11, 3]).qadd).toBeUndefined();
    expect(planKinds(sum, [3, 13, 11, 3]).add).toBe(1);
    expect(relError(yf, sum.predict(x))).toBeLessThan(0.05);
  });
});

/** Per output unit (last axis), the mean of a - b over the rest; then the mean of its absolute values. */
function meanShift(a: Tensor, b: Tensor): number {
  const n = a.shape[a.shape.length - 1],
    d = new Float64Array(n);
  for (let i = 0; i < a.size; i++) {
    expect(Number.isFinite(b.data[i])).toBe(true);
    d[i % n] += a.data[i] - b.data[i];
  }
  return d.reduce((s, x) => s + Math.abs(x), 0) / a.size;
}

describeEachBackend('quantize: bias correction', () => {
  it('removes the per-channel mean error on the calibration set and reduces it on other inputs', () => {
    const m = smallNet(),
      cal = seeded([32, 13, 11, 3], 51),
      x = seeded([32, 13, 11, 3], 52);
    // per-tensor weights: the rounding errors of a whole layer share one scale and bias its outputs most
    const plain = quantize(m, { calibration: cal, weights: 'perTensor' }),
      fixed = quantize(m, { calibration: cal, weights: 'perTensor', biasCorrection: true });
    expect(fixed.saved.bias?.map(([l]) => l)).toEqual(fixed.quantization.int8);
    const [before, after] = [plain, fixed].map((q) => meanShift(m.predict(cal), q.predict(cal)));
    console.log(`bias correction, calibration mean shift ${before.toExponential(2)} -> ${after.toExponential(2)}`);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeLessThan(before / 10);
    const [heldBefore, heldAfter] = [plain, fixed].map((q) => meanShift(m.predict(x), q.predict(x)));
    console.log(`other inputs ${heldBefore.toExponential(2)} -> ${heldAfter.toExponential(2)}`);
    expect(heldAfter).toBeLessThan(heldBefore);
    expect(relError(m.predict(x), fixed.predict(x))).toBeLessThan(relError(m.predict(x), plain.predict(x)));
  });

  it('io.save / io.load keep the corrected biases: same predictions bit for bit', async () => {
    const m = smallNet(),
      q = quantize(m, { calibration: seeded([8, 13, 11, 3], 53), biasCorrection: true });
    const x = seeded([3, 13, 11, 3], 54);
    const dir = mkdtempSync(join(tmpdir(), 'convkit-int8-bc-'));
    try {
      await io.save(q, dir);
      const back = (await io.load(dir)) as QuantizedModel;
      expect(back.saved.bias).toEqual(q.saved.bias);
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(q.predict(x).data));
      const file = join(dir, 'model.json'),
        json = JSON.parse(readFileSync(file, 'utf8'));
      json.modelTopology.convkit_quantization.bias = [['c1', [null]]];
      writeFileSync(file, JSON.stringify(json));
      await expect(io.load(dir)).rejects.toThrow(ModelFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachBackend('quantize: residual adds', () => {
  it('adds whose sum an int8 conv reads run int8 (no dequantize / quantize around them) and track the float model', () => {
    const m = residualNet(),
      q = quantize(m, { calibration: seeded([16, 9, 10, 8], 31) });
    // ResNet's add (+ ReLU) and MobileNetV2's run int8; the last add, read by float pooling only, stays float and its
    // int8 shortcut is dequantised for it; quantize steps only for the input and after the pooling
    expect(planKinds(q, [1, 9, 10, 8])).toMatchObject({ qadd: 2, add: 1, dequantize: 1, quantize: 2, int8: 7 });
    const x = seeded([4, 9, 10, 8], 32);
    const yf = m.predict(x),
      yq = q.predict(x),
      err = relError(yf, yq);
    expect(err).toBeLessThan(0.05);
    expect(err).toBeGreaterThan(0);
    // the int8 adds' ranges matter: squeezing the sums' calibrated ranges to a tenth clamps them, and the outputs move
    const sums = new Set<number>();
    const isModel = (l: Layer): l is Model => l instanceof Model;
    const p = fuse(lower(m, [[1, 9, 10, 8]], isModel), { residuals: false });
    for (const s of p.steps) if (s.kind === 'add') sums.add(s.y);
    const squeezed = restoreQuantized(
      m,
      { ...q.saved, ranges: q.saved.ranges.map(([v, lo, hi]) => (sums.has(v) ? [v, lo / 10, hi / 10] : [v, lo, hi])) },
      'test',
    );
    expect(relError(yf, squeezed.predict(x))).toBeGreaterThan(3 * err);
  });
});

/** The int8 program a quantised model's plans run, for inputs of this shape. */
function int8Program(q: QuantizedModel, shape: number[]): Program {
  const isModel = (l: Layer): l is Model => l instanceof Model;
  return fuse(lower(q, [shape], isModel), { residuals: false, rewrite: int8Rewrites.get(q)! });
}

/** A program's step kinds, int8 pools as 'pool true'. */
const stepKinds = (p: Program) => p.steps.map((s) => (s.kind === 'pool' ? `pool ${s.zero !== undefined}` : s.kind));
/** tinyYoloNet's quantised program: no float step between the input quantize and the head. */
const TINY_YOLO_INT8_STEPS = ['quantize', 'int8', 'pool true', 'int8', 'int8', 'pool true', 'int8'];

/** An int8 program run step by step on the TypeScript references (src/backend/js/int8.ts): its first output. */
function interpret(p: Program, x: Float32Array): Float32Array {
  const data = new Map<number, Float32Array | QArray>();
  const get = (v: number) => data.get(rootOf(p, v))!;
  const bytesOf = (v: number, b: Uint8Array | Int8Array) =>
    p.values[v].dtype === 'i8' ? new Int8Array(b.buffer, b.byteOffset, b.length) : b;
  data.set(rootOf(p, p.inputs[0]), x);
  for (const s of p.steps) {
    let y: Float32Array | QArray;
    if (s.kind === 'quantize' && p.values[s.y].dtype === 'i16')
      y = quantizeRef(get(s.x) as Float32Array, 1 / s.scale, s.zero, s.qmin, s.qmax, true);
    else if (s.kind === 'quantize')
      y = bytesOf(s.y, quantizeRef(get(s.x) as Float32Array, 1 / s.scale, s.zero, s.qmin, s.qmax));
    else if (s.kind === 'dequantize') y = dequantizeRef(get(s.x) as Uint8Array, s.zero, s.scale);
    else if (s.kind === 'pool' && s.zero !== undefined) y = qmaxPoolRef(get(s.x) as Uint8Array, s.g, s.zero);
    else if (s.kind === 'qadd') y = qaddRef(get(s.xs[0]) as QArray, get(s.xs[1]) as QArray, s.q);
    // the float steps an int8 program keeps between int8 ones (residual sums no int8 step reads, pooling)
    else if (s.kind === 'add' && s.act <= 2) {
      const xs = s.xs.map((v) => get(v) as Float32Array);
      y = xs[0].map((_, i) => {
        const v = xs.reduce((t, a) => Math.fround(t + a[i]), 0);
        return s.act === 0 ? v : s.act === 1 ? Math.max(v, 0) : Math.min(Math.max(v, 0), 6);
      });
    } else if (s.kind === 'mean') {
      const xs = get(s.x) as Float32Array;
      y = new Float32Array(s.batch * s.channels);
      for (let b = 0; b < s.batch; b++)
        for (let c = 0; c < s.channels; c++) {
          let t = 0;
          for (let i = 0; i < s.cells; i++) t += xs[(b * s.cells + i) * s.channels + c];
          y[b * s.channels + c] = t / s.cells;
        }
    } else if (s.kind === 'int8') {
      const b = s.params,
        np = b[5];
      const qp: QParams = {
        kind: b[0],
        zOut: b[1],
        qmin: b[2],
        qmax: b[3],
        act: b[4],
        zA: b[6],
        signedA: b[7] !== 0,
        wideA: b[7] === 2,
        alpha: new Float32Array(b.buffer, b.byteOffset + 32, 1)[0],
      };
      const corr = s.channels.subarray(0, np),
        mult = new Float32Array(s.channels.buffer, s.channels.byteOffset + np * 4, np);
      const xs = get(s.x) as Uint8Array;
      if (s.op === 'depthwise') {
        const w = Int8Array.from({ length: s.k * s.n }, (_, i) => s.w[Math.floor(i / s.n) * np + (i % s.n)]);
        y = qdepthwiseRef(xs, s.g!, w, corr, mult, qp);
      } else {
        const w = unpackInt8Weights(s.w, s.k, s.n);
        y = s.op === 'gemm' ? qgemmRef(xs, s.m, s.k, w, s.n, corr, mult, qp) : qconvRef(xs, s.g!, w, corr, mult, qp);
      }
    } else throw new Error(`no reference for a '${s.kind}' step`);
    data.set(rootOf(p, s.y), y);
  }
  return get(p.outputs[0]) as Float32Array;
}

describeEachBackend('quantize: leaky ReLU and max pooling run int8', () => {
  it('Tiny-YOLO blocks: no float step between the input quantize and the head; equal to the references step by step', () => {
    const m = tinyYoloNet(),
      x = seeded([3, 15, 13, 3], 41);
    const q = quantize(m, { calibration: seeded([12, 15, 13, 3], 42) });
    const yq = q.predict(x);
    const err = relError(m.predict(x), yq);
    expect(err).toBeLessThan(0.05);
    expect(err).toBeGreaterThan(0);
    const p = int8Program(q, x.shape);
    expect(stepKinds(p)).toEqual(TINY_YOLO_INT8_STEPS);
    // the leaky ReLUs in the epilogues of c0 and pw; each pool's input keeps its output's scale
    expect(p.steps.filter((s) => s.kind === 'int8' && s.params[4] === 3).map((s) => 'layer' in s && s.layer)).toEqual([
      'c0',
      'pw',
    ]);
    expect(Array.from(yq.data)).toEqual(Array.from(interpret(p, x.data)));
  });

  it('the stem (3 input channels) runs direct on the i16 path, equal to im2col + GEMM bit for bit', () => {
    const m = tinyYoloNet(),
      x = seeded([2, 15, 13, 3], 43),
      cal = seeded([12, 15, 13, 3], 42);
    const q = quantize(m, { calibration: cal }),
      im2col = quantize(m, { calibration: cal });
    const y = q.predict(x);
    process.env.CONVKIT_INT8_DIRECT = '0';
    try {
      expect(Array.from(y.data)).toEqual(Array.from(im2col.predict(x).data));
      const plan = planFor(im2col, [x.shape], (l): l is Model => l instanceof Model);
      if (plan) expect(plan.directSteps).toBe(0);
    } finally {
      delete process.env.CONVKIT_INT8_DIRECT;
    }
    // wasm builds: the stem direct, on the relaxed dot path too
    const plan = planFor(q, [x.shape], (l): l is Model => l instanceof Model);
    if (plan) expect(plan.directSteps).toBe(1);
  });

  it('a leaky slope outside [0, 1] stays a float step', () => {
    const m = tinyYoloNet(2),
      x = seeded([2, 15, 13, 3], 43);
    const q = quantize(m, { calibration: seeded([8, 15, 13, 3], 44) });
    expect(relError(m.predict(x), q.predict(x))).toBeLessThan(0.05);
    expect(int8Program(q, x.shape).steps.filter((s) => s.kind === 'activate').length).toBe(2);
  });
});

/** A quantised model's float layers (its int8 weights on their grid, activations float): plans off. */
function weightsOnly(q: QuantizedModel, x: Tensor): Tensor {
  process.env.CONVKIT_PLAN = '0';
  try {
    return q.predict(x);
  } finally {
    delete process.env.CONVKIT_PLAN;
  }
}

describeEachBackend("quantize: int16 activations (TensorFlow Lite's 16x8 mode)", () => {
  it('Tiny-YOLO blocks: int16 between the steps, far closer to float than uint8, equal to the references step by step', () => {
    const m = tinyYoloNet(),
      x = seeded([3, 15, 13, 3], 41),
      cal = seeded([12, 15, 13, 3], 42);
    const q8 = quantize(m, { calibration: cal }),
      q16 = quantize(m, { calibration: cal, activations: 'int16' });
    // against the same int8 weights run float, the activations' error alone: 8 more bits, far below uint8's
    const y16 = q16.predict(x),
      ref = weightsOnly(q16, x),
      e16 = relError(ref, y16);
    expect(e16).toBeGreaterThan(0);
    expect(e16).toBeLessThan(relError(weightsOnly(q8, x), q8.predict(x)) / 20);
    const p = int8Program(q16, x.shape);
    expect(stepKinds(p)).toEqual(TINY_YOLO_INT8_STEPS);
    const between = p.steps.filter((s) => s.kind !== 'int8' || s.params[0] !== 2).map((s) => p.values[s.y].dtype);
    expect(new Set(between)).toEqual(new Set(['i16']));
    expect(Array.from(y16.data)).toEqual(Array.from(interpret(p, x.data)));
    expect(q16.summary().text).toContain('int8 post-training (weights int8 perChannel, activations int16)');
  });

  it('residual adds, depthwise, 1x1 and dense run int16: far closer than int8, equal to the references', () => {
    for (const [net, shape] of [
      [residualNet(), [3, 9, 10, 8]],
      [smallNet(), [2, 13, 11, 3]],
    ] as const) {
      const x = seeded([...shape], 51),
        cal = seeded([8, ...shape.slice(1)], 52);
      const q8 = quantize(net, { calibration: cal, activations: 'int8' }),
        q16 = quantize(net, { calibration: cal, activations: 'int16' });
      const y16 = q16.predict(x);
      const p = int8Program(q16, x.shape);
      expect(p.steps.some((s) => s.kind === 'qadd')).toBe(true);
      expect(Array.from(y16.data)).toEqual(Array.from(interpret(p, x.data)));
      // smallNet's batch norm folds into its convs after their weights were put on the int8 grid, so its float
      // layers are no reference for the plan's weights; residualNet has none. The ranges, calibrated on the float
      // weights, clip the int8 weights' largest outputs a little, which 16 bits show: 8x, not 256x.
      if (net.layers.some((l) => l.className === 'BatchNormalization')) continue;
      expect(relError(weightsOnly(q16, x), y16)).toBeLessThan(relError(weightsOnly(q8, x), q8.predict(x)) / 8);
    }
  });

  it("narrows a value's int16 range where a reader's i32 sums could overflow, and stays exact there", () => {
    // 4,096 inputs of +-1 into weights all at one magnitude: sum_k |w_q| = 4096·127, and the bias -1 is 254 more
    // (1 / (range 1 · weight scale 0.5 / 127)), so the input may take (2^31 - 1) / 520,446 = 4126 levels; with
    // 32767 the sum of the largest inputs would wrap
    const x = layers.input({ shape: [4096] });
    const d = layers.dense({ units: 3, name: 'wide' });
    const m = model({ inputs: x, outputs: d.apply(x) as never });
    const w = new Float32Array(4096 * 3).map((_, i) => (i % 3 === 2 ? -0.5 : 0.5));
    d.setWeights([new Tensor(w, [4096, 3]), new Tensor(Float32Array.of(0.25, -1, 0), [3])]);
    const ones = new Tensor(new Float32Array(4096).fill(1), [1, 4096]),
      cal = new Tensor(
        new Float32Array(2 * 4096).map((_, i) => (i < 4096 ? 1 : -1)),
        [2, 4096],
      );
    const q = quantize(m, { calibration: cal, activations: 'int16' });
    const quant = int8Program(q, [1, 4096]).steps.find((s) => s.kind === 'quantize');
    expect(quant?.kind === 'quantize' && [quant.qmin, quant.qmax]).toEqual([-4126, 4126]);
    const want = m.predict(ones).data,
      got = q.predict(ones).data;
    expect(Array.from(want)).toEqual([2048.25, 2047, -2048]);
    for (let j = 0; j < 3; j++) expect(Math.abs(got[j] - want[j])).toBeLessThan(1);
  });

  it('io.save / io.load keep it bit for bit; mse ranges refuse it with a typed error', async () => {
    const q = quantize(tinyYoloNet(), { calibration: seeded([8, 15, 13, 3], 42), activations: 'int16' });
    const mem = io.memory();
    await io.save(q, mem);
    const back = (await io.load(io.fromMemory(mem.artifacts!))) as QuantizedModel;
    const x = seeded([2, 15, 13, 3], 45);
    expect(back.quantization.activations).toBe('int16');
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(q.predict(x).data));
    expect(() =>
      quantize(tinyYoloNet(), { calibration: seeded([8, 15, 13, 3], 42), activations: 'int16', ranges: 'mse' }),
    ).toThrow(ValueError);
  });
});

describeEachBackend('quantize: ReLU and ReLU6 as the int8 clamp', () => {
  // Calibrated ReLU outputs start at 0 (their zero point is qmin already), so only a range wider than the
  // activation's shows whether the int8 step applies it: widened to [-3, 12], the values below 0 and above 6 that
  // the pre-activation sum holds must still be cut at the clamp, as the float model cuts them.
  for (const activation of ['relu', 'relu6'] as const)
    it(`${activation} output range widened to [-3, 12]: the int8 conv still clamps like the float one`, () => {
      const x = layers.input({ shape: [6, 7, 3] });
      const c1 = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation, seed: 21, name: 'c1' });
      const y = layers.conv2d({ filters: 5, kernelSize: 1, seed: 22, name: 'c2' }).apply(c1.apply(x));
      const m = model({ inputs: x, outputs: y as never });
      const [w, b] = c1.getWeights();
      // pre-activation sums well beyond [0, 6] on both sides
      c1.setWeights([
        new Tensor(
          w.data.map((v) => v * 6),
          w.shape,
        ),
        b,
      ]);
      const cal = seeded([8, 6, 7, 3], 23),
        q = quantize(m, { calibration: cal });
      const relu = q.saved.ranges.filter(([, lo]) => lo >= 0);
      expect(relu.length).toBe(1); // c1's output, the only value with no negative entries
      const wide: SavedQuantization = {
        ...q.saved,
        ranges: q.saved.ranges.map(([v, lo, hi]) => (lo >= 0 ? [v, -3, 12] : [v, lo, hi])),
      };
      const r = restoreQuantized(m, wide, 'test'),
        xs = seeded([4, 6, 7, 3], 24);
      const yf = m.predict(xs);
      expect(relError(yf, r.predict(xs))).toBeLessThan(0.05);
      expect(relError(yf, r.predict(xs))).toBeGreaterThan(0);
    });
});

describe('quantize on zoo nets and real data', () => {
  it('random ResNet-18 (32x32): int8 top-1 agrees with float on most of 24 inputs', () => {
    backend.use('wasm-simd');
    const m = zoo.resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 5 });
    const q = quantize(m, { calibration: seeded([16, 32, 32, 3], 5) });
    const x = seeded([24, 32, 32, 3], 6);
    const yf = m.predict(x),
      yq = q.predict(x);
    console.log(`resnet18 agreement ${agreement(yf, yq)} rel ${relError(yf, yq)}`);
    expect(agreement(yf, yq)).toBeGreaterThanOrEqual(0.75);
  });

  it('LeNet-5 trained on real MNIST keeps its held-out accuracy within 0.3 points (bias-corrected too)', async () => {
    backend.use('wasm-simd');
    const { train, test } = loadDigits(6000, 2000, 7);
    const m = zoo.lenet5({ seed: 3 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'categoricalCrossentropy' });
    await m.fit(train.x, train.y, { epochs: 2, batchSize: 32, seed: 1, verbose: 0 });
    const cal = new Tensor(train.x.data.slice(0, 200 * 784), [200, 28, 28, 1]);
    const q = quantize(m, { calibration: cal });
    const acc = (p: Tensor) => test.labels.filter((d, i) => argmax(p.data, i, 10) === d).length / test.labels.length;
    const af = acc(m.predict(test.x)),
      aq = acc(q.predict(test.x)),
      ab = acc(quantize(m, { calibration: cal, biasCorrection: true }).predict(test.x));
    console.log(`lenet float ${af} int8 ${aq} int8 bias-corrected ${ab}`);
    expect(af).toBeGreaterThan(0.9);
    expect(Math.abs(af - aq)).toBeLessThanOrEqual(0.003);
    expect(Math.abs(af - ab)).toBeLessThanOrEqual(0.003);
  });

  it('the int8 plan on 2 threads (GEMM rows, convolution bands) equals the 1-thread result bit for bit', async () => {
    backend.use('wasm-simd');
    const m = smallNet(),
      q = quantize(m, { calibration: seeded([8, 13, 11, 3], 11) });
    // batch 40 so every int8 step is large enough to split
    const x = seeded([40, 13, 11, 3], 12);
    backend.setThreads(1);
    const one = q.predict(x);
    backend.setThreads(2);
    await init();
    try {
      const two = q.predict(x);
      expect(Array.from(two.data)).toEqual(Array.from(one.data));
    } finally {
      backend.setThreads(null);
    }
  });

  it('int8 max pools and quantize large enough to split: 2 threads equal 1 thread bit for bit', async () => {
    backend.use('wasm-simd');
    const q = quantize(tinyYoloNet(), { calibration: seeded([8, 15, 13, 3], 45) });
    // one batch of 64: 64 x 13 x 11 x 16 = 146,432 bytes into the first pool, over the plan's split size (the second
    // pool's input is smaller)
    const x = seeded([64, 15, 13, 3], 46);
    backend.setThreads(1);
    const one = q.predict(x, { batchSize: 64 });
    backend.setThreads(2);
    await init();
    const pool = backend.module('wasm-simd')!.pool;
    expect(pool).toBeTruthy();
    const run = vi.spyOn(pool!, 'run');
    try {
      expect(Array.from(q.predict(x, { batchSize: 64 }).data)).toEqual(Array.from(one.data));
      const split = (name: string) => run.mock.calls.filter(([fn, parts]) => fn === name && parts.length === 2);
      expect(split('qmaxPool').length).toBe(1);
      // and the input's quantize (64 x 15 x 13 x 3 floats, 149,760 bytes) in ranges
      expect(split('quantizeF32').length).toBe(1);
    } finally {
      run.mockRestore();
      backend.setThreads(null);
    }
  });

  it('int8 residual adds large enough to split: 2 threads equal 1 thread bit for bit', async () => {
    backend.use('wasm-simd');
    // 2 x 64 x 64 x 32 = 262,144 bytes per sum: the adds run in byte ranges, one per thread
    const m = residualNet(64, 64, 32),
      q = quantize(m, { calibration: seeded([2, 64, 64, 32], 41) });
    expect(planKinds(q, [2, 64, 64, 32]).qadd).toBe(2);
    const x = seeded([2, 64, 64, 32], 42);
    backend.setThreads(1);
    const one = q.predict(x);
    backend.setThreads(2);
    await init();
    try {
      expect(Array.from(q.predict(x).data)).toEqual(Array.from(one.data));
    } finally {
      backend.setThreads(null);
    }
  });

  it('io.save / io.load of a net with int8 residual adds: same predictions bit for bit', async () => {
    backend.use('wasm-simd');
    const q = quantize(residualNet(), { calibration: seeded([8, 9, 10, 8], 43), activations: 'int8' });
    const mem = io.memory();
    await io.save(q, mem);
    const back = (await io.load(io.fromMemory(mem.artifacts!))) as QuantizedModel;
    const x = seeded([3, 9, 10, 8], 44);
    expect(planKinds(back, [3, 9, 10, 8]).qadd).toBe(2);
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(q.predict(x).data));
  });

  it('io.save and io.load keep a quantised model: same int8 predictions bit for bit; a bad record fails', async () => {
    backend.use('wasm-simd');
    const m = smallNet(),
      q = quantize(m, { calibration: seeded([8, 13, 11, 3], 13), skip: ['c5'], activations: 'int8' });
    const x = seeded([3, 13, 11, 3], 14);
    const dir = mkdtempSync(join(tmpdir(), 'convkit-int8-'));
    try {
      await io.save(q, dir);
      const back = await io.load(dir);
      expect(back).toBeInstanceOf(QuantizedModel);
      const r = back as QuantizedModel;
      expect(r.quantization).toEqual(q.quantization);
      expect(Array.from(r.predict(x).data)).toEqual(Array.from(q.predict(x).data));
      // the float model saved alone loads as a float model
      await io.save(m, join(dir, 'float'));
      expect(await io.load(join(dir, 'float'))).not.toBeInstanceOf(QuantizedModel);
      const file = join(dir, 'model.json'),
        json = JSON.parse(readFileSync(file, 'utf8'));
      json.modelTopology.convkit_quantization.values += 1;
      writeFileSync(file, JSON.stringify(json));
      await expect(io.load(dir)).rejects.toThrow(/io.load: the saved quantisation is for a graph of/);
      json.modelTopology.convkit_quantization.ranges = [[0, 1, 0]];
      writeFileSync(file, JSON.stringify(json));
      await expect(io.load(dir)).rejects.toThrow(ModelFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('io.save writes int8 kernels (per channel: convkit int8 with scales; per tensor: TF.js uint8), 4x smaller', async () => {
    backend.use('wasm-simd');
    const m = smallNet(),
      cal = seeded([8, 13, 11, 3], 21),
      x = seeded([2, 13, 11, 3], 22);
    for (const weights of ['perChannel', 'perTensor'] as const) {
      const q = quantize(m, { calibration: cal, weights, skip: ['c5'] });
      const mem = io.memory();
      await io.save(q, mem);
      const a = mem.artifacts!,
        specs = a.weightSpecs!;
      const kernels = specs.filter((s) => /\/(depthwise_)?kernel$/.test(s.name));
      for (const s of kernels) {
        const int8 = !s.name.startsWith('c5/');
        const want = weights === 'perChannel' ? 'int8' : 'uint8';
        expect([s.name, s.quantization?.dtype]).toEqual([s.name, int8 ? want : undefined]);
      }
      const floatBytes = ((await io.save(m, io.memory())) as { weightBytes: number }).weightBytes;
      const kernelFloats = kernels.filter((s) => !s.name.startsWith('c5/')).reduce((t, s) => t + sizeOf(s.shape), 0);
      // each int8 kernel value takes 1 byte instead of 4 (plus 4 per channel scale, per channel)
      expect((a.weightData as ArrayBuffer).byteLength).toBeLessThan(floatBytes - 2.5 * kernelFloats);
      const back = (await io.load(io.fromMemory(a))) as QuantizedModel;
      expect(back).toBeInstanceOf(QuantizedModel);
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(q.predict(x).data));
      back.weights.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(q.weights[i].data)));
      // the float model keeps its own weights: quantize rounds a copy
      expect(q.weights.some((w, i) => w.data.some((v, j) => v !== m.weights[i].data[j]))).toBe(true);
      expect(q.layers.every((l) => !m.layers.includes(l))).toBe(true);
      // a save from before int8 storage (every weight float32, same topology) still loads, with the same outputs
      const named = io.decodeWeights(a);
      const floats = specs.map((s) => named.get(s.name)!.data);
      const old = {
        ...a,
        weightSpecs: specs.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })),
        weightData: Float32Array.from(floats.flatMap((d) => Array.from(d))).buffer,
      };
      const fromOld = await io.load(io.fromMemory(old));
      expect(Array.from(fromOld.predict(x).data)).toEqual(Array.from(q.predict(x).data));
    }
    // a per-channel int8 spec whose channel count does not divide the tensor fails as a format error
    const q = quantize(m, { calibration: cal });
    const mem = io.memory();
    await io.save(q, mem);
    const bad = structuredClone(mem.artifacts!);
    bad.weightSpecs!.find((s) => s.quantization?.dtype === 'int8')!.quantization!.channels = 5;
    await expect(io.load(io.fromMemory(bad))).rejects.toThrow(
      /io.load: weight 'c1\/kernel' has int8 quantization with channels 5/,
    );
  });

  it('summary marks the model as quantised', () => {
    const q = quantize(smallNet(), { calibration: seeded([4, 13, 11, 3], 8), skip: ['c5'] });
    const s = q.summary({ print: false });
    expect(s.text).toContain('Quantised: int8 post-training (weights int8 perChannel, activations uint8)');
    expect(s.text).toContain('float: c5');
    expect(s.quantization!.int8.sort()).toEqual(['c1', 'dw', 'out', 'pw']);
  });

  it('bad options fail with typed errors naming quantize', () => {
    const m = smallNet(),
      cal = seeded([2, 13, 11, 3], 9);
    expect(() => quantize(m, undefined as never)).toThrow(ValueError);
    expect(() => quantize(m, { calibraton: cal } as never)).toThrow(/quantize: unknown option 'calibraton'/);
    expect(() => quantize(m, {} as never)).toThrow(/calibration is required/);
    expect(() => quantize(m, { calibration: cal, activations: 'int4' as never })).toThrow(/activations must be/);
    expect(() => quantize(m, { calibration: cal, biasCorrection: 'yes' as never })).toThrow(/biasCorrection must be/);
    expect(() => quantize(m, { calibration: cal, weights: 'perRow' as never })).toThrow(/weights must be/);
    expect(() => quantize(m, { calibration: cal, skip: ['nope'] })).toThrow(/skip names 'nope'/);
    expect(() => quantize(m, { calibration: seeded([2, 12, 11, 3], 9) })).toThrow(ShapeError);
    const nan = seeded([2, 13, 11, 3], 9);
    nan.data[5] = NaN;
    expect(() => quantize(m, { calibration: nan })).toThrow(/quantize/);
  });
});
