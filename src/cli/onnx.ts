// `convkit info FILE` and `convkit convert IN OUT`: ONNX files and TF.js Layers folders (model.json +
// shards) read and written with io.loadOnnx / io.saveOnnx / io.load / io.save.
import { io } from '..';
import type { Model } from '../models';
import { decodeModel, opsetOf } from '../io/onnx/proto';
import { unsupportedNodes } from '../io/onnx/import';
import { nodeImport } from '../platform';
import { type Command, UsageError, numberOption } from './command';
import { sizeOf } from '../tensor';

const isOnnx = (p: string): boolean => /\.onnx$/i.test(p);

function layout(v: string | boolean | undefined): 'nhwc' | 'nchw' {
  if (v === undefined) return 'nhwc';
  if (v !== 'nhwc' && v !== 'nchw') throw new UsageError(`--input-layout must be nhwc or nchw, got '${v}'`);
  return v;
}

const dimsOf = (dims: { dim_value?: number; dim_param?: string }[] | undefined): (number | string)[] =>
  (dims ?? []).map((d) => (d.dim_value !== undefined ? Number(d.dim_value) : (d.dim_param ?? '?')));

export const infoCommand: Command = {
  name: 'info',
  summary:
    'inputs, outputs, op counts and parameters of an .onnx file or a TF.js Layers model, and what convkit cannot load',
  usage: '<model.onnx | model folder | model.json>',
  options: {},
  examples: ['convkit info resnet18.onnx', 'convkit info my-model/ --json'],
  async run(args, log) {
    if (args.positionals.length !== 1)
      throw new UsageError(args.positionals.length ? 'expected one model file' : 'missing the model file');
    const file = args.positionals[0];
    if (isOnnx(file)) {
      const { readFile } = await nodeImport('node:fs/promises');
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (e) {
        throw new Error(`cannot read '${file}': ${(e as Error).message}`);
      }
      const m = decodeModel(bytes),
        g = m.graph!;
      const inits = new Set((g.initializer ?? []).map((t) => t.name));
      const ops: Record<string, number> = {};
      for (const n of g.node ?? []) ops[n.op_type] = (ops[n.op_type] ?? 0) + 1;
      const params = (g.initializer ?? []).reduce((a, t) => a + sizeOf((t.dims ?? []).map(Number)), 0);
      const result = {
        file,
        format: 'onnx',
        opset: opsetOf(m),
        producer: [m.producer_name, m.producer_version].filter(Boolean).join(' '),
        inputs: (g.input ?? [])
          .filter((i) => !inits.has(i.name))
          .map((i) => ({ name: i.name, shape: dimsOf(i.type?.tensor_type?.shape?.dim) })),
        outputs: (g.output ?? []).map((o) => ({ name: o.name, shape: dimsOf(o.type?.tensor_type?.shape?.dim) })),
        nodes: (g.node ?? []).length,
        ops,
        params,
        unsupported: unsupportedNodes(m),
      };
      log(`${file}: ONNX opset ${result.opset}${result.producer ? `, from ${result.producer}` : ''}`);
      for (const i of result.inputs) log(`  input  ${i.name} [${i.shape.join(', ')}]`);
      for (const o of result.outputs) log(`  output ${o.name} [${o.shape.join(', ')}]`);
      log(
        `  ${result.nodes} nodes: ${Object.entries(ops)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      log(`  ${params.toLocaleString('en')} parameters`);
      log(
        result.unsupported.length
          ? `  convkit cannot load ${result.unsupported.length} node(s): ${result.unsupported.join(', ')}`
          : '  convkit loads every node',
      );
      return result;
    }
    const m = await io.load(file);
    const s = m.summary();
    const layers: Record<string, number> = {};
    for (const l of m.layers) layers[l.className] = (layers[l.className] ?? 0) + 1;
    const unexportable = io.unexportableLayers(m);
    const result = {
      file,
      format: 'tfjs-layers',
      inputs: m.inputs.map((i) => ({ name: i.layer.name, shape: i.shape })),
      outputs: m.outputs.map((o) => ({ name: o.layer.name, shape: o.shape })),
      layers,
      params: s.totals.params,
      trainableParams: s.totals.trainableParams,
      macs: s.totals.macs,
      unexportable,
    };
    log(`${file}: TF.js Layers model '${m.name}'`);
    for (const i of result.inputs) log(`  input  ${i.name} [${i.shape.map((d) => d ?? 'batch').join(', ')}]`);
    for (const o of result.outputs) log(`  output ${o.name} [${o.shape.map((d) => d ?? 'batch').join(', ')}]`);
    log(
      `  ${m.layers.length} layers: ${Object.entries(layers)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    log(
      `  ${s.totals.params.toLocaleString('en')} parameters, ${s.totals.macs.toLocaleString('en')} multiply-adds per image`,
    );
    log(unexportable.length ? `  no ONNX export for: ${unexportable.join(', ')}` : '  every layer exports to ONNX');
    return result;
  },
};

export const convertCommand: Command = {
  name: 'convert',
  summary: 'converts between an .onnx file and a TF.js Layers folder, both ways',
  usage: '<in.onnx> <out folder>  |  <model folder or model.json> <out.onnx>',
  options: {
    'input-layout': {
      type: 'string',
      arg: 'L',
      default: 'nhwc',
      help: "nhwc (convkit's, default) or nchw: the layout of the converted model's inputs",
    },
    opset: { type: 'string', arg: 'N', help: 'ONNX opset of a written .onnx (11-17; default 13, 14 with hard-swish)' },
  },
  examples: [
    'convkit convert resnet18.onnx resnet18-tfjs/',
    'convkit convert lenet5-model/ lenet5.onnx --input-layout nchw',
  ],
  async run(args, log) {
    if (args.positionals.length !== 2)
      throw new UsageError(`expected IN and OUT, got ${args.positionals.length} argument(s)`);
    const [src, dst] = args.positionals;
    const inputLayout = layout(args.values['input-layout']);
    const opset = numberOption(args, 'opset', { min: 1 });
    let m: Model;
    if (isOnnx(src)) {
      if (isOnnx(dst)) throw new UsageError('one side must be a TF.js Layers folder');
      m = await io.loadOnnx(src, { inputLayout });
      const saved = await io.save(m, dst);
      log(
        `${src} -> ${dst}: ${m.layers.length} layers, ${m.countParams().toLocaleString('en')} parameters (TF.js Layers format)`,
      );
      return {
        from: src,
        to: dst,
        format: 'tfjs-layers',
        layers: m.layers.length,
        params: m.countParams(),
        inputs: m.inputs.map((i) => i.shape),
        files: saved.files,
      };
    }
    if (!isOnnx(dst)) throw new UsageError('one side must be an .onnx file');
    m = await io.load(src);
    const bytes = await io.saveOnnx(m, dst, { inputLayout, ...(opset !== undefined ? { opset } : {}) });
    log(`${src} -> ${dst}: ${m.layers.length} layers, ${bytes.length.toLocaleString('en')} bytes of ONNX`);
    return {
      from: src,
      to: dst,
      format: 'onnx',
      layers: m.layers.length,
      params: m.countParams(),
      bytes: bytes.length,
    };
  },
};
