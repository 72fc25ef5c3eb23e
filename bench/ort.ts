// ONNX Runtime Web (onnxruntime-web, wasm execution provider) as a peer in benchmarks. Its models are
// built here at run time: one MatMul node, or one Conv (+ Relu, which ORT fuses like convkit's bias + ReLU)
// with its weights as initializers, encoded with protobufjs from the subset of onnx.proto written below.
// ORT fixes its thread count when its wasm module initialises (env.wasm.numThreads, once per process;
// the session option intraOpNumThreads is ignored on the web backend), so benchOrt() runs each thread
// count in its own child process: `node --import tsx bench/ort.ts '<json spec>'` prints JSON rows.
import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-web';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConvGeometry } from '../src/backend/kernels';
import { lcg } from './util';

// The fields of onnx.proto (proto2, same field numbers) that a one-node float model needs.
const ONNX_SUBSET = `syntax = "proto2"; package onnx;
message TensorProto { repeated int64 dims = 1; optional int32 data_type = 2; optional string name = 8; optional bytes raw_data = 9; }
message AttributeProto { optional string name = 1; optional int64 i = 3; repeated int64 ints = 8; optional int32 type = 20; }
message NodeProto { repeated string input = 1; repeated string output = 2; optional string op_type = 4; repeated AttributeProto attribute = 5; }
message TensorShapeProto { message Dimension { optional int64 dim_value = 1; } repeated Dimension dim = 1; }
message TypeProto { message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; } optional Tensor tensor_type = 1; }
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message GraphProto { repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message ModelProto { optional int64 ir_version = 1; optional GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }`;
const ModelProto = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
const FLOAT = 1,
  ATTR_INT = 2,
  ATTR_INTS = 7;

type Node = { op_type: string; input: string[]; output: string[]; attribute?: object[] };
const valueInfo = (name: string, dims: number[]) => ({
  name,
  type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
});
const initializer = (name: string, dims: number[], data: Float32Array) => ({
  name,
  dims,
  data_type: FLOAT,
  raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});
const ints = (name: string, v: number[]) => ({ name, type: ATTR_INTS, ints: v });

/** Encodes a one-graph float model (opset 13) as ONNX bytes. */
function onnxModel(
  nodes: Node[],
  inputs: [string, number[]][],
  output: [string, number[]],
  inits: object[] = [],
): Uint8Array {
  const graph = {
    name: 'bench',
    node: nodes,
    initializer: inits,
    input: inputs.map(([n, d]) => valueInfo(n, d)),
    output: [valueInfo(...output)],
  };
  return ModelProto.encode(
    ModelProto.fromObject({ ir_version: 8, opset_import: [{ domain: '', version: 13 }], graph }),
  ).finish();
}

/** Loads ORT's wasm from the package's own dist/ folder (resolved, not hard-coded) with n threads; once per process. */
export function configureOrt(threads: number): void {
  const require = createRequire(import.meta.url);
  ort.env.wasm.wasmPaths = dirname(require.resolve('onnxruntime-web')) + '/';
  ort.env.wasm.numThreads = threads;
}

export const ORT_VERSION = ort.env.versions.web;

export type OrtRunner = () => Promise<ort.InferenceSession.ReturnType>;

async function session(model: Uint8Array, feeds: Record<string, ort.Tensor>, outDims: number[]): Promise<OrtRunner> {
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const run = () => s.run(feeds);
  const dims = (await run()).y.dims;
  if (dims.join() !== outDims.join()) throw new Error(`ORT output [${dims}] is not the expected [${outDims}]`);
  return run;
}

/**
 * The node groups ORT's QDQSelectorActionTransformer fused when it loaded the file, by target op (Conv -> QLinearConv,
 * Add -> QLinearAdd, ...), read from its verbose log, which its wasm glue writes with fs.writeSync in Node.
 */
export async function ortFusions(bytes: Uint8Array): Promise<Record<string, number>> {
  const lines: string[] = [];
  const write = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = (fd: number, s: unknown, ...rest: unknown[]) =>
    (fd === 1 || fd === 2) && typeof s === 'string' && s.includes('onnxruntime')
      ? (lines.push(...s.split('\n')), s.length)
      : (write as (...a: unknown[]) => number)(fd, s, ...rest);
  try {
    await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], logSeverityLevel: 0 });
  } finally {
    fs.writeSync = write;
  }
  const fused: Record<string, number> = {};
  let transformer = '';
  for (const l of lines) {
    transformer = / Applying graph transformer (\w+)/.exec(l)?.[1] ?? transformer;
    const m = / MatchAndProcess\] Matched (\w+)/.exec(l);
    if (m && transformer === 'QDQSelectorActionTransformer') fused[m[1]] = (fused[m[1]] ?? 0) + 1;
  }
  return fused;
}

/** C = A·B with A [m,k], B [k,n], both fed as inputs on every run (as convkit's and TF.js's matmuls take them). */
export async function ortMatmul(m: number, k: number, n: number, a: Float32Array, b: Float32Array): Promise<OrtRunner> {
  const model = onnxModel(
    [{ op_type: 'MatMul', input: ['a', 'b'], output: ['y'] }],
    [
      ['a', [m, k]],
      ['b', [k, n]],
    ],
    ['y', [m, n]],
  );
  return session(model, { a: new ort.Tensor('float32', a, [m, k]), b: new ort.Tensor('float32', b, [k, n]) }, [m, n]);
}

/** NHWC [b,h,w,c] → NCHW [b,c,h,w]. */
export function nhwcToNchw(x: Float32Array, b: number, h: number, w: number, c: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < h * w; i++)
      for (let ch = 0; ch < c; ch++) y[(n * c + ch) * h * w + i] = x[(n * h * w + i) * c + ch];
  return y;
}

/**
 * relu(conv(x, w) + bias) for convkit's geometry: x NHWC, filters [fH,fW,inC,outC] (depthwise: [fH,fW,inC,1],
 * group = inC). ONNX wants NCHW data and [outC, inC/group, fH, fW] filters, so both are transposed here,
 * once, untimed: the runner times only session.run on NCHW tensors and returns NCHW output.
 */
export async function ortConv(
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  depthwise = false,
): Promise<OrtRunner> {
  const perGroup = depthwise ? 1 : g.inC;
  const taps = g.fH * g.fW,
    oihw = new Float32Array(w.length);
  for (let s = 0; s < taps; s++)
    for (let i = 0; i < perGroup; i++)
      for (let o = 0; o < g.outC; o++) oihw[(o * perGroup + i) * taps + s] = w[(s * perGroup + i) * g.outC + o];
  const wDims = [g.outC, perGroup, g.fH, g.fW],
    xDims = [g.batch, g.inC, g.inH, g.inW],
    yDims = [g.batch, g.outC, g.outH, g.outW];
  const padBottom = (g.outH - 1) * g.strideH + g.fH - g.inH - g.padTop,
    padRight = (g.outW - 1) * g.strideW + g.fW - g.inW - g.padLeft;
  const attribute = [
    ints('kernel_shape', [g.fH, g.fW]),
    ints('strides', [g.strideH, g.strideW]),
    ints('dilations', [g.dilationH, g.dilationW]),
    ints('pads', [g.padTop, g.padLeft, Math.max(padBottom, 0), Math.max(padRight, 0)]),
    { name: 'group', type: ATTR_INT, i: depthwise ? g.inC : 1 },
  ];
  const model = onnxModel(
    [
      { op_type: 'Conv', input: ['x', 'w', 'b'], output: ['c'], attribute },
      { op_type: 'Relu', input: ['c'], output: ['y'] },
    ],
    [['x', xDims]],
    ['y', yDims],
    [initializer('w', wDims, oihw), initializer('b', [g.outC], bias)],
  );
  return session(model, { x: new ort.Tensor('float32', nhwcToNchw(x, g.batch, g.inH, g.inW, g.inC), xDims) }, yDims);
}

export type OrtCase =
  { name: string; matmul: [number, number, number] } | { name: string; conv: ConvGeometry; depthwise?: boolean };
export interface OrtSpec {
  threads: number;
  warmMs: number;
  runMs: number;
  cases: OrtCase[];
}
/** Median ms per session.run by wall clock and by this process's CPU time (all its threads, so above wall with 2). */
export interface OrtRow {
  name: string;
  threads: number;
  wallMs: number;
  cpuMs: number;
  runs: number;
}

// Untimed runs for warmMs (V8 tiers WebAssembly up late), then runs for about runMs (3 to 25), medians.
async function measure(
  f: OrtRunner,
  warmMs: number,
  runMs: number,
): Promise<{ wallMs: number; cpuMs: number; runs: number }> {
  let t = performance.now();
  do await f();
  while (performance.now() - t < warmMs);
  const wall: number[] = [],
    cpu: number[] = [];
  t = performance.now();
  do {
    const s = performance.now(),
      c = process.cpuUsage();
    await f();
    const d = process.cpuUsage(c);
    wall.push(performance.now() - s);
    cpu.push((d.user + d.system) / 1000);
  } while ((performance.now() - t < runMs || wall.length < 3) && wall.length < 25);
  const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
  return { wallMs: median(wall), cpuMs: median(cpu), runs: wall.length };
}

/** Times the cases in this process; call configureOrt first. */
export async function timeOrtCases(spec: OrtSpec, log?: (r: OrtRow) => void): Promise<OrtRow[]> {
  const rows: OrtRow[] = [],
    r = lcg(7),
    rand = (n: number) => Float32Array.from({ length: n }, () => r() - 0.5);
  for (const c of spec.cases) {
    let run: OrtRunner;
    if ('matmul' in c) {
      const [m, k, n] = c.matmul;
      run = await ortMatmul(m, k, n, rand(m * k), rand(k * n));
    } else {
      const g = c.conv;
      run = await ortConv(
        g,
        rand(g.batch * g.inH * g.inW * g.inC),
        rand(g.fH * g.fW * (c.depthwise ? 1 : g.inC) * g.outC),
        rand(g.outC),
        c.depthwise,
      );
    }
    const row = { name: c.name, threads: spec.threads, ...(await measure(run, spec.warmMs, spec.runMs)) };
    rows.push(row);
    log?.(row);
  }
  return rows;
}

/** Times the cases with ORT at spec.threads threads in a fresh child process (stderr passes through as progress). */
export function benchOrt(spec: OrtSpec): Promise<OrtRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`bench/ort.ts child (${spec.threads} threads) exited with ${code}`)),
    );
  });
}

// `node --import tsx bench/ort.ts --check [threads]`: ORT's outputs against convkit's plain TypeScript reference
// on every conv case and two matmuls (one odd-sized), so the timed models are known to compute the same thing.
async function check(threads: number): Promise<void> {
  const { init, backend } = await import('../src/backend');
  const { CONV_CASES } = await import('./conv');
  await init();
  configureOrt(threads);
  const k = backend.kernels('js'),
    r = lcg(3),
    rand = (n: number) => Float32Array.from({ length: n }, () => r() - 0.5);
  const report = (name: string, y: Float32Array, ref: Float32Array) => {
    let e = 0,
      scale = 0;
    for (let i = 0; i < ref.length; i++) {
      e = Math.max(e, Math.abs(y[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    console.log(`${name}: max abs difference ${e.toExponential(1)} (max |value| ${scale.toFixed(1)})`);
    if (y.length !== ref.length || !(e <= 1e-5 * Math.max(scale, 1))) process.exitCode = 1;
  };
  for (const [m, kk, n] of [
    [37, 29, 23],
    [256, 256, 256],
  ]) {
    const a = rand(m * kk),
      b = rand(kk * n),
      y = (await (await ortMatmul(m, kk, n, a, b))()).y.data as Float32Array;
    report(`matmul ${m}x${kk}x${n}`, y, k.matmul(a, b, m, kk, n, false, false, null, 'linear'));
  }
  for (const c of CONV_CASES) {
    const g = c.g,
      dw = !!c.depthwise;
    const x = rand(g.batch * g.inH * g.inW * g.inC),
      w = rand(g.fH * g.fW * (dw ? 1 : g.inC) * g.outC),
      b = rand(g.outC);
    const ref = dw
      ? k.depthwiseConv(x, w, { ...g, multiplier: 1 }).map((v, i) => Math.max(v + b[i % g.outC], 0))
      : k.conv(x, w, g, b, 'relu');
    const y = (await (await ortConv(g, x, w, b, dw))()).y.data as Float32Array;
    report(c.name, y, nhwcToNchw(ref, g.batch, g.outH, g.outW, g.outC));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === '--check') {
  await check(Number(process.argv[3] ?? 1));
  process.exit();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const spec: OrtSpec = JSON.parse(process.argv[2]);
  configureOrt(spec.threads);
  const rows = await timeOrtCases(spec, (r) =>
    console.error(`ORT ${r.threads}T | ${r.name}: wall ${r.wallMs.toFixed(2)} ms, cpu ${r.cpuMs.toFixed(2)} ms`),
  );
  process.stdout.write(JSON.stringify(rows));
  // ORT's worker threads keep the event loop alive.
  process.exit(0);
}
