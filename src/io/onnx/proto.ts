// ONNX protobuf: decoding and encoding ModelProto with protobufjs/light and the generated JSON schema
// (protobufjs's runtime without its .proto parser keeps the bundles small), plus tensor payloads:
// raw_data or typed fields, float16/bfloat16 widening, external data, and size checks made before
// anything is allocated.
import protobuf from 'protobufjs/light.js'; // with .js: Node's ES module resolver adds no extensions and protobufjs has no exports map
import { ModelFormatError } from '../../errors';
import { ONNX_SCHEMA } from './schema';
import { sizeOf } from '../../tensor';

const root = protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values, from the schema (one source: onnx.proto). */
const dataTypes = root.lookupEnum('onnx.TensorProto.DataType');
export const DataType = dataTypes.values as Readonly<Record<string, number>>;
const TYPE_NAMES: Readonly<Record<number, string>> = dataTypes.valuesById;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** The largest tensor convkit accepts from a file (2^30 values, as Layer weights). */
export const MAX_TENSOR_VALUES = 2 ** 30;

/** A decoded TensorProto (only the fields convkit uses). */
export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  data_location?: number;
  external_data?: { key: string; value: string }[];
}
export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface NodeProto {
  name?: string;
  op_type: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: AttributeProto[];
}
export interface ValueInfoProto {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}
export interface GraphProto {
  name?: string;
  node?: NodeProto[];
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}
export interface ModelProto {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
  opset_import?: { domain?: string; version?: number }[];
}

/** Decodes an ONNX file; anything protobuf cannot read is a ModelFormatError. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let msg: protobuf.Message;
  try {
    msg = ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(`loadOnnx: not a valid ONNX (protobuf) file: ${(e as Error).message}`);
  }
  const m = ModelProto.toObject(msg, { longs: Number, defaults: false, arrays: true }) as ModelProto;
  if (!m.graph) throw new ModelFormatError('loadOnnx: the file holds no graph (is it an ONNX model?)');
  return m;
}

/** Encodes a ModelProto (plain object, as decodeModel returns) into bytes. */
export function encodeModel(m: ModelProto): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}

/** The default-domain opset a model imports (ONNX's 'ai.onnx' is the empty domain). */
export function opsetOf(m: ModelProto): number {
  const o = m.opset_import?.find((x) => !x.domain || x.domain === 'ai.onnx');
  return o?.version ?? 1;
}

/** A tensor's values: floats as Float32Array, integers and booleans as numbers. */
export interface TensorValue {
  dims: number[];
  float: boolean;
  data: Float32Array | number[];
}

/** Reads external data: the file a tensor's `location` names, relative to the model. */
export type ExternalReader = (location: string, offset: number, length: number | undefined) => Uint8Array;

const BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2,
};

/** Widens an IEEE half to a float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decodes a TensorProto's payload, checking sizes against its dims before allocating. */
export function tensorValue(t: TensorProto, where: string, external?: ExternalReader): TensorValue {
  const dims = (t.dims ?? []).map(Number);
  const type = t.data_type ?? 0;
  const what = `${where}: tensor '${t.name ?? ''}'`;
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new ModelFormatError(`${what} has invalid dims [${dims.join(',')}]`);
  const n = sizeOf(dims);
  if (!(n <= MAX_TENSOR_VALUES))
    throw new ModelFormatError(
      `${what} declares ${n} values (dims [${dims.join(',')}]), over the limit of ${MAX_TENSOR_VALUES}`,
    );
  const width = BYTES[type];
  if (width === undefined) throw new ModelFormatError(`${what} has unsupported data type ${TYPE_NAMES[type] ?? type}`);
  let raw = t.raw_data;
  if (t.data_location === 1) {
    const kv = Object.fromEntries((t.external_data ?? []).map((e) => [e.key, e.value]));
    if (!kv.location) throw new ModelFormatError(`${what} is stored externally but names no location`);
    if (!external)
      throw new ModelFormatError(
        `${what} is stored in external file '${kv.location}': load the model from a path or URL so that file can be read`,
      );
    const offset = Number(kv.offset ?? 0),
      length = kv.length === undefined ? undefined : Number(kv.length);
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      (length !== undefined && (!Number.isSafeInteger(length) || length < 0))
    ) {
      throw new ModelFormatError(`${what}: bad external offset/length ${kv.offset}/${kv.length}`);
    }
    if (length !== undefined && length !== n * width)
      throw new ModelFormatError(`${what}: external length ${length} bytes, dims need ${n * width}`);
    raw = external(kv.location, offset, n * width);
  }
  const float =
    type === DataType.FLOAT || type === DataType.FLOAT16 || type === DataType.DOUBLE || type === DataType.BFLOAT16;
  if (raw && raw.length > 0) {
    if (raw.length !== n * width)
      throw new ModelFormatError(
        `${what}: raw_data holds ${raw.length} bytes, dims [${dims.join(',')}] of ${TYPE_NAMES[type]} need ${n * width}`,
      );
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read = (i: number): number => {
      switch (type) {
        case DataType.FLOAT:
          return v.getFloat32(4 * i, true);
        case DataType.DOUBLE:
          return v.getFloat64(8 * i, true);
        case DataType.FLOAT16:
          return halfToFloat(v.getUint16(2 * i, true));
        case DataType.BFLOAT16:
          return new Float32Array(new Uint32Array([v.getUint16(2 * i, true) << 16]).buffer)[0];
        case DataType.UINT8:
        case DataType.BOOL:
          return v.getUint8(i);
        case DataType.INT8:
          return v.getInt8(i);
        case DataType.UINT16:
          return v.getUint16(2 * i, true);
        case DataType.INT16:
          return v.getInt16(2 * i, true);
        case DataType.INT32:
          return v.getInt32(4 * i, true);
        case DataType.UINT32:
          return v.getUint32(4 * i, true);
        default:
          return Number(type === DataType.INT64 ? v.getBigInt64(8 * i, true) : v.getBigUint64(8 * i, true));
      }
    };
    // a copy, aligned: raw may be a view into the file (Node's Buffer.slice does not copy)
    if (type === DataType.FLOAT) {
      const copy = new Uint8Array(raw.length);
      copy.set(raw);
      return { dims, float, data: new Float32Array(copy.buffer) };
    }
    const data = float ? new Float32Array(n) : new Array<number>(n);
    for (let i = 0; i < n; i++) data[i] = read(i);
    return { dims, float, data };
  }
  // typed fields: float_data, int32_data (also 8/16-bit ints, bools and float16 bits), int64_data, ...
  const field =
    type === DataType.FLOAT
      ? t.float_data
      : type === DataType.DOUBLE
        ? t.double_data
        : type === DataType.INT64
          ? t.int64_data
          : type === DataType.UINT32 || type === DataType.UINT64
            ? t.uint64_data
            : t.int32_data;
  const src = field ?? [];
  if (src.length !== n)
    throw new ModelFormatError(`${what}: holds ${src.length} values, dims [${dims.join(',')}] need ${n}`);
  if (type === DataType.FLOAT16) return { dims, float, data: Float32Array.from(src, (h) => halfToFloat(h)) };
  if (type === DataType.BFLOAT16)
    return { dims, float, data: Float32Array.from(src, (h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]) };
  return { dims, float, data: float ? Float32Array.from(src) : src.map(Number) };
}

/** A float32 TensorProto with raw_data (what the exporter writes). */
export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  const bytes = new Uint8Array(data.byteLength);
  new Float32Array(bytes.buffer).set(data);
  return { name, dims, data_type: DataType.FLOAT, raw_data: bytes };
}

/** An int8, uint8 or int32 TensorProto with raw_data (quantised weights, zero points, biases). */
export function intTensor(
  name: string,
  dims: number[],
  data: Int8Array | Uint8Array | Int16Array | Int32Array,
): TensorProto {
  const type =
    data instanceof Int8Array
      ? DataType.INT8
      : data instanceof Uint8Array
        ? DataType.UINT8
        : data instanceof Int16Array
          ? DataType.INT16
          : DataType.INT32;
  return {
    name,
    dims,
    data_type: type,
    raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

/** An int64 TensorProto (shapes, axes, pads). */
export function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], data_type: DataType.INT64, int64_data: values };
}
