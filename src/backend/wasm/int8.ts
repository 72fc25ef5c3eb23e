// One-shot calls of the int8 kernels (assembly/int8.ts) on a WebAssembly build: copy in, run, copy out. Inference
// plans call the exports directly on pinned memory; these are for tests and checks against src/backend/js/int8.ts.
import type { ConvGeometry } from '../kernels';
import { Q_KIND, paramBlock, type QParams } from '../js/int8';
import { geometryBlock } from './geometry';
import type { ArenaOutput, KernelArray, WasmModule } from './module';

type Quantized = Uint8Array | Int8Array | Float32Array;

/** 16 bytes of slack after every input and output: the kernels read and write whole vectors. */
const ROOM = 16;
const slack = (data: KernelArray) => ({ data, room: ROOM });

/** The per-channel block: np i32 corrections then np f32 multipliers (both padded with zeros). */
function channels(corr: Int32Array, mult: Float32Array, n: number): Int32Array {
  const np = Math.ceil(n / 8) * 8,
    block = new Int32Array(2 * np);
  block.set(corr.subarray(0, Math.min(corr.length, np)));
  new Float32Array(block.buffer, np * 4, np).set(mult.subarray(0, Math.min(mult.length, np)));
  return block;
}

/** The output of n values of a kind (Q_KIND) with room after it. */
function output(n: number, kind: number): ArenaOutput<Quantized> {
  const type = kind === Q_KIND.f32 ? Float32Array : kind === Q_KIND.i8 ? Int8Array : Uint8Array;
  return { type, length: n, room: ROOM };
}

/** qgemm on a build: a [m, k], packed weights (packInt8Weights), n output channels. */
export function qgemmWasm(
  mod: WasmModule,
  a: Uint8Array | Int8Array,
  m: number,
  k: number,
  packed: Int16Array,
  n: number,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const inputs = [a, packed, channels(corr, mult, n), paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(m * n, p.kind), ([pa, pw, pc, pq, out]) =>
    mod.exports.qgemm(m, n, k, pa, k, pw, pc, pq, out, n, mod.arena.allocBytes(mod.exports.qScratchBytes(k, n))),
  );
}

/** qconv or qdepthwise on a build (w: packInt8Weights for conv, widenDepthwise for depthwise). */
export function qconvWasm(
  mod: WasmModule,
  depthwise: boolean,
  x: Uint8Array | Int8Array,
  g: ConvGeometry,
  w: Int16Array,
  corr: Int32Array,
  mult: Float32Array,
  p: QParams,
): Quantized {
  const n = g.outC,
    inputs = [x, geometryBlock(g), w, channels(corr, mult, n), paramBlock(p, n)].map(slack);
  return mod.arena.call(inputs, output(g.batch * g.outH * g.outW * n, p.kind), ([px, pg, pw, pc, pq, out]) => {
    const scratch = mod.arena.allocBytes(mod.exports.qScratchBytes(depthwise ? g.fH * g.fW : g.fH * g.fW * g.inC, n));
    mod.exports[depthwise ? 'qdepthwise' : 'qconv'](px, pg, pw, pc, pq, out, scratch);
  });
}

/** quantizeF32 on a build: bytes (an Int8Array view for int8). */
export function quantizeWasm(
  mod: WasmModule,
  x: Float32Array,
  invScale: number,
  z: number,
  qmin: number,
  qmax: number,
): Uint8Array {
  return mod.arena.call([slack(x)], { type: Uint8Array, length: x.length, room: ROOM }, ([px, out]) =>
    mod.exports.quantizeF32(px, x.length, invScale, z, qmin, qmax, out),
  );
}

/** dequantize on a build. */
export function dequantizeWasm(mod: WasmModule, q: Uint8Array | Int8Array, z: number, scale: number): Float32Array {
  return mod.arena.call([slack(q)], q.length, ([pq, out]) =>
    mod.exports.dequantize(pq, q.length, q instanceof Int8Array ? 1 : 0, z, scale, out),
  );
}
