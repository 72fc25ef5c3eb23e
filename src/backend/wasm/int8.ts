// One-shot calls of the int8 kernels (assembly/int8.ts) on a WebAssembly build: copy in, run, copy out. Inference
// plans call the exports directly on pinned memory; these are for tests and checks against src/backend/js/int8.ts.
import type { ConvGeometry } from '../kernels';
import { Q_KIND, paramBlock, type QParams } from '../js/int8';
import { geometryBlock } from './geometry';
import type { WasmModule } from './module';

type Bytes = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array;

function put(mod: WasmModule, src: Bytes): number {
  const ptr = mod.arena.allocBytes(Math.max(src.byteLength, 16));
  new Uint8Array(mod.exports.memory.buffer, ptr, src.byteLength).set(
    new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
  );
  return ptr;
}

/** The per-channel block: np i32 corrections then np f32 multipliers (both padded with zeros). */
function channels(mod: WasmModule, corr: Int32Array, mult: Float32Array, n: number): number {
  const np = Math.ceil(n / 8) * 8,
    block = new Int32Array(2 * np);
  block.set(corr.subarray(0, Math.min(corr.length, np)));
  new Float32Array(block.buffer, np * 4, np).set(mult.subarray(0, Math.min(mult.length, np)));
  return put(mod, block);
}

function take(mod: WasmModule, ptr: number, n: number, kind: number): Uint8Array | Int8Array | Float32Array {
  const buf = mod.exports.memory.buffer as ArrayBuffer;
  if (kind === Q_KIND.f32) return new Float32Array(buf, ptr, n).slice();
  return kind === Q_KIND.i8 ? new Int8Array(buf, ptr, n).slice() : new Uint8Array(buf, ptr, n).slice();
}

const outBytes = (n: number, kind: number) => (kind === Q_KIND.f32 ? 4 * n : n) + 16;

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
): Uint8Array | Int8Array | Float32Array {
  mod.arena.reset();
  const pa = put(mod, a),
    pw = put(mod, packed),
    pc = channels(mod, corr, mult, n),
    pq = put(mod, paramBlock(p, n));
  const out = mod.arena.allocBytes(outBytes(m * n, p.kind));
  const scratch = mod.arena.allocBytes(mod.exports.qScratchBytes(k, n));
  mod.exports.qgemm(m, n, k, pa, k, pw, pc, pq, out, n, scratch);
  return take(mod, out, m * n, p.kind);
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
): Uint8Array | Int8Array | Float32Array {
  mod.arena.reset();
  const n = g.outC,
    size = g.batch * g.outH * g.outW * n;
  const px = put(mod, x),
    pg = put(mod, geometryBlock(g)),
    pw = put(mod, w),
    pc = channels(mod, corr, mult, n),
    pq = put(mod, paramBlock(p, n));
  const out = mod.arena.allocBytes(outBytes(size, p.kind));
  const scratch = mod.arena.allocBytes(mod.exports.qScratchBytes(depthwise ? g.fH * g.fW : g.fH * g.fW * g.inC, n));
  mod.exports[depthwise ? 'qdepthwise' : 'qconv'](px, pg, pw, pc, pq, out, scratch);
  return take(mod, out, size, p.kind);
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
  mod.arena.reset();
  const px = put(mod, x),
    out = mod.arena.allocBytes(x.length + 16);
  mod.exports.quantizeF32(px, x.length, invScale, z, qmin, qmax, out);
  return take(mod, out, x.length, Q_KIND.u8) as Uint8Array;
}

/** dequantize on a build. */
export function dequantizeWasm(mod: WasmModule, q: Uint8Array | Int8Array, z: number, scale: number): Float32Array {
  mod.arena.reset();
  const pq = put(mod, q),
    out = mod.arena.alloc(q.length);
  mod.exports.dequantize(pq, q.length, q instanceof Int8Array ? 1 : 0, z, scale, out);
  return take(mod, out, q.length, Q_KIND.f32) as Float32Array;
}
