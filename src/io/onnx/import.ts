// io.loadOnnx: reads an ONNX file into a convkit functional Model of ordinary layers with trainable
// Variables. Inputs are NHWC by default (weights converted at load, layout changes only where the
// graph needs them); inputLayout 'nchw' keeps the file's own input (and output) layout.
import { ModelFormatError, ValueError, ConvkitError } from '../../errors';
import { nodeImport } from '../../platform';
import { InputLayer, Permute } from '../../layers';
import { Model } from '../../models';
import { decodeModel, tensorValue, opsetOf, ModelProto, ValueInfoProto, ExternalReader, DataType } from './proto';
import { ImportContext, Act } from './graph';
import { NN_CONVERTERS } from './convert-nn';
import { BASIC_CONVERTERS } from './convert-basic';
import { QUANT_CONVERTERS } from './convert-quant';

/** Options of loadOnnx. */
export interface LoadOnnxOptions {
  /** 'nhwc' (default): inputs and outputs channels-last, convkit's convention; 'nchw': as in the file. */
  inputLayout?: 'nhwc' | 'nchw';
}

/** Source of an ONNX model: a path or URL, or the file's bytes. */
export type OnnxSource = string | URL | Uint8Array | ArrayBuffer;

const CONVERTERS = { ...NN_CONVERTERS, ...BASIC_CONVERTERS, ...QUANT_CONVERTERS };
/** ONNX op types loadOnnx converts. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(CONVERTERS).sort();

/** Every node loadOnnx cannot convert, as "name (OpType)". */
export function unsupportedNodes(m: ModelProto): string[] {
  return (m.graph?.node ?? [])
    .filter((n) => (n.domain && n.domain !== 'ai.onnx') || !(n.op_type in CONVERTERS))
    .map(
      (n) =>
        `'${n.name || n.output?.[0] || '?'}' (${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.op_type})`,
    );
}

/** Reads the bytes of a source and returns a reader for external data files beside it. */
async function readSource(
  source: OnnxSource,
): Promise<{ bytes: Uint8Array; external?: (locations: string[]) => Promise<ExternalReader> }> {
  if (source instanceof Uint8Array) return { bytes: source };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source) };
  const url = source instanceof URL ? source : /^(https?|file|blob|data):/i.test(source) ? new URL(source) : null;
  if (url && url.protocol !== 'file:') {
    const get = async (u: URL): Promise<Uint8Array> => {
      const r = await fetch(u);
      if (!r.ok) throw new ModelFormatError(`loadOnnx: cannot fetch ${u} (HTTP ${r.status})`);
      return new Uint8Array(await r.arrayBuffer());
    };
    return {
      bytes: await get(url),
      external: async (locations) => {
        const files = new Map<string, Uint8Array>();
        for (const loc of locations) files.set(loc, await get(new URL(loc, url)));
        return sliceReader(files);
      },
    };
  }
  if (typeof source !== 'string' && !url)
    throw new ValueError(`loadOnnx: source must be a path, URL, Uint8Array or ArrayBuffer, got ${typeof source}`);
  const { readFile } = await nodeImport('node:fs/promises');
  const { fileURLToPath } = await nodeImport('node:url');
  const { dirname, resolve, relative, isAbsolute } = await nodeImport('node:path');
  const path: string = url ? fileURLToPath(url) : (source as string);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new ModelFormatError(`loadOnnx: cannot read '${path}': ${(e as Error).message}`);
  }
  const dir = dirname(resolve(path));
  return {
    bytes,
    external: async (locations) => {
      const files = new Map<string, Uint8Array>();
      for (const loc of locations) {
        const target = resolve(dir, loc),
          rel = relative(dir, target);
        // external data must sit beside the model: no absolute paths, nothing outside its folder
        if (isAbsolute(loc) || rel.startsWith('..') || isAbsolute(rel))
          throw new ModelFormatError(`loadOnnx: external data location '${loc}' leaves the model's folder`);
        try {
          files.set(loc, new Uint8Array(await readFile(target)));
        } catch (e) {
          throw new ModelFormatError(`loadOnnx: cannot read external data '${loc}': ${(e as Error).message}`);
        }
      }
      return sliceReader(files);
    },
  };
}

function sliceReader(files: Map<string, Uint8Array>): ExternalReader {
  return (loc, offset, length) => {
    const f = files.get(loc)!;
    if (length === undefined || offset + length > f.length)
      throw new ModelFormatError(
        `loadOnnx: external data '${loc}' holds ${f.length} bytes, ${offset}+${length} needed`,
      );
    return f.subarray(offset, offset + length);
  };
}

/** Loads an ONNX model as a convkit functional Model (NHWC inputs unless inputLayout is 'nchw'). */
export async function loadOnnx(source: OnnxSource, opts: LoadOnnxOptions = {}): Promise<Model> {
  const { bytes, external } = await readSource(source);
  const m = decodeModel(bytes);
  const locations = [
    ...new Set(
      (m.graph!.initializer ?? [])
        .filter((t) => t.data_location === 1)
        .map((t) => (t.external_data ?? []).find((e) => e.key === 'location')?.value)
        .filter((l): l is string => !!l),
    ),
  ];
  const reader = locations.length && external ? await external(locations) : undefined;
  return fromOnnx(m, opts, reader);
}

/** Builds the Model from a decoded ONNX ModelProto. */
export function fromOnnx(m: ModelProto, opts: LoadOnnxOptions = {}, external?: ExternalReader): Model {
  const layout = opts.inputLayout ?? 'nhwc';
  if (layout !== 'nhwc' && layout !== 'nchw')
    throw new ValueError(`loadOnnx: inputLayout must be 'nhwc' or 'nchw', got ${JSON.stringify(layout)}`);
  const g = m.graph!;
  const opset = opsetOf(m);
  if (opset < 7 || opset > 21)
    throw new ModelFormatError(`loadOnnx: opset ${opset} is outside the supported range 7-21`);
  const missing = unsupportedNodes(m);
  if (missing.length)
    throw new ModelFormatError(
      `loadOnnx: ${missing.length} unsupported node(s): ${missing.join(', ')} (supported ops: ${SUPPORTED_ONNX_OPS.join(', ')})`,
    );
  const c = new ImportContext(opset);
  for (const t of g.initializer ?? []) {
    if (!t.name) throw new ModelFormatError('loadOnnx: an initializer has no name');
    const v = tensorValue(t, 'loadOnnx', external);
    c.values.set(t.name, { kind: 'const', dims: v.dims, data: v.data, float: v.float });
  }
  const inputs = (g.input ?? [])
    .filter((i) => !c.values.has(i.name))
    .map((vi) => graphInput(c, vi, layout, alreadyChannelsLast(m, vi.name)));
  if (!inputs.length) throw new ModelFormatError('loadOnnx: the graph has no inputs');
  for (const node of g.node ?? []) {
    c.node = node;
    try {
      CONVERTERS[node.op_type](c);
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      // anything else a malformed node causes (bad shapes, odd attributes) is still a bad file
      const why =
        e instanceof ConvkitError || e instanceof TypeError || e instanceof RangeError ? (e as Error).message : null;
      if (why === null) throw e;
      throw new ModelFormatError(`loadOnnx: ${c.where}: ${why}`);
    }
  }
  const outputs = (g.output ?? []).map((o) => {
    const v = c.values.get(o.name);
    if (!v) throw new ModelFormatError(`loadOnnx: graph output '${o.name}' is not produced by any node`);
    if (v.kind !== 'act') throw new ModelFormatError(`loadOnnx: graph output '${o.name}' is a constant`);
    c.node = { op_type: 'output', name: o.name };
    return layout === 'nchw' ? c.channelsFirst(v) : c.plainAct(v).sym;
  });
  if (!outputs.length) throw new ModelFormatError('loadOnnx: the graph has no outputs');
  try {
    return new Model({
      inputs: inputs.map((a) => a.sym),
      outputs,
      name: (g.name || 'onnx').replace(/[^A-Za-z0-9_.-]+/g, '_'),
    });
  } catch (e) {
    if (e instanceof ConvkitError) throw new ModelFormatError(`loadOnnx: ${e.message}`);
    throw e;
  }
}

/**
 * True when every consumer of a graph input transposes it from channels-last to channels-first (the
 * boundary of an NHWC file: convkit's own exports, tf2onnx's): such an input is NHWC already.
 */
function alreadyChannelsLast(m: ModelProto, name: string): boolean {
  const users = (m.graph!.node ?? []).filter((n) => n.input?.includes(name));
  return (
    users.length > 0 &&
    users.every((n) => {
      const perm = n.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
      return (
        n.op_type === 'Transpose' &&
        !!perm &&
        perm.length >= 3 &&
        perm.join() === [0, perm.length - 1, ...perm.slice(2).map((_, i) => i + 1)].join()
      );
    })
  );
}

function graphInput(c: ImportContext, vi: ValueInfoProto, layout: 'nhwc' | 'nchw', channelsLast: boolean): Act {
  const t = vi.type?.tensor_type;
  if (!t) throw new ModelFormatError(`loadOnnx: graph input '${vi.name}' is not a tensor`);
  if (t.elem_type !== undefined && t.elem_type !== DataType.FLOAT)
    throw new ModelFormatError(
      `loadOnnx: graph input '${vi.name}' has element type ${t.elem_type}; only float32 inputs are supported`,
    );
  const dims = (t.shape?.dim ?? []).map((d, i) =>
    i === 0 ? null : d.dim_value !== undefined && Number(d.dim_value) > 0 ? Number(d.dim_value) : null,
  );
  if (dims.length < 2)
    throw new ModelFormatError(
      `loadOnnx: graph input '${vi.name}' needs a batch axis and at least one more, got rank ${dims.length}`,
    );
  if (dims.slice(1).some((d) => d !== null && (!Number.isSafeInteger(d) || d > 2 ** 30)))
    throw new ModelFormatError(`loadOnnx: graph input '${vi.name}' has invalid dims`);
  // an NHWC file input stays as it is (its Transpose to NCHW becomes free); with 'nchw' it is converted
  const cl = layout === 'nhwc' && dims.length >= 3 && !channelsLast;
  const toNchw = layout === 'nchw' && channelsLast && dims.length >= 3;
  const shape = cl
    ? [null, ...dims.slice(2), dims[1]]
    : toNchw
      ? [null, dims[dims.length - 1], ...dims.slice(1, -1)]
      : dims;
  const name = vi.name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'input';
  c.reserve(name);
  const layer = new InputLayer({ batchShape: shape, name });
  const r = dims.length;
  const sym = toNchw
    ? new Permute({
        dims: [...Array.from({ length: r - 2 }, (_, i) => i + 2), 1],
        name: c.layerName(`${name}_nhwc`),
      }).apply(layer.output)
    : layer.output;
  const a: Act = { kind: 'act', sym, cl };
  c.values.set(vi.name, a);
  return a;
}
