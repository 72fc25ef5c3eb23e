// Rebuilding models from their Keras / TF.js Layers configs (Sequential and functional, nested
// models included). Weights are not part of a config; io loads them with setWeights.
import { ModelFormatError } from '../errors';
import { Layer, SymbolicTensor, InputLayer, fromConfig as layerFromConfig } from '../layers';
import { Model } from './model';
import { Sequential } from './sequential';

/** A Keras { class_name, config } object. */
export interface KerasConfig {
  class_name: string;
  config: any;
  name?: string;
  inbound_nodes?: unknown[];
}

/** Rebuilds a layer or a model (Sequential, Functional/Model) from its Keras config. */
export function modelFromConfig(c: KerasConfig): Layer {
  if (!c || typeof c !== 'object' || typeof c.class_name !== 'string')
    throw new ModelFormatError(
      `modelFromConfig: expected { class_name, config }, got ${JSON.stringify(c)?.slice(0, 80)}`,
    );
  if (c.class_name === 'Sequential') return sequentialFromConfig(c.config);
  if (c.class_name === 'Functional' || c.class_name === 'Model') return functionalFromConfig(c.config);
  return layerFromConfig(c);
}

function sequentialFromConfig(cfg: any): Sequential {
  // TF.js saves either { name, layers: [...] } or, in old files, the bare list of layers.
  const list: KerasConfig[] = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(list)) throw new ModelFormatError(`Sequential config: expected a list of layers`);
  const m = new Sequential([], { name: Array.isArray(cfg) ? undefined : cfg.name });
  for (const lc of list) {
    const l = modelFromConfig(lc);
    m.add(l instanceof InputLayer ? l.output : l);
  }
  return m;
}

type NodeRef = [string, number, number, ...unknown[]];

function functionalFromConfig(cfg: any): Model {
  const list: KerasConfig[] = cfg?.layers;
  if (!Array.isArray(list)) throw new ModelFormatError(`Functional config: expected a list of layers`);
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; nodes: NodeRef[][] }[] = [];
  for (const lc of list) {
    const layer = modelFromConfig(lc);
    const name = lc.name ?? lc.config?.name;
    if (layer.name !== name)
      throw new ModelFormatError(
        `Functional config: layer name '${name}' does not match its config name '${layer.name}'`,
      );
    byName.set(name, layer);
    // Keras 2 / TF.js inbound nodes: [[[layer, nodeIndex, tensorIndex, kwargs], ...], ...] per call.
    const nodes = (lc.inbound_nodes ?? []) as unknown[];
    if (!Array.isArray(nodes) || nodes.some((n) => !Array.isArray(n)))
      throw new ModelFormatError(`Functional config: bad inbound_nodes for layer '${name}'`);
    pending.push({ layer, nodes: nodes as NodeRef[][] });
  }
  // Keras counts a nested model's calls from 1 (node 0 is the model's own graph).
  const tensorOf = (ref: NodeRef): SymbolicTensor | undefined => {
    const l = byName.get(ref[0]);
    return l?.inboundNodes[ref[1] - (l instanceof Model ? 1 : 0)]?.outputs[ref[2] ?? 0];
  };
  // Calls may refer to later layers (shared layers); apply what is ready until nothing changes.
  const done = new Map<Layer, number>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const { layer, nodes } of pending) {
      let k = done.get(layer) ?? 0;
      while (k < nodes.length) {
        const ins = nodes[k].map(tensorOf);
        if (ins.some((t) => !t)) break;
        layer.apply(ins.length === 1 ? ins[0]! : (ins as SymbolicTensor[]));
        k++;
        progress = true;
      }
      done.set(layer, k);
    }
  }
  const unresolved = pending.filter(({ layer, nodes }) => (done.get(layer) ?? 0) < nodes.length);
  if (unresolved.length)
    throw new ModelFormatError(
      `Functional config: cannot resolve the inputs of layer(s) ${unresolved.map((p) => `'${p.layer.name}'`).join(', ')}`,
    );
  const refs = (v: unknown, what: string): SymbolicTensor[] => {
    const list = (Array.isArray(v) && typeof v[0] === 'string' ? [v] : v) as NodeRef[];
    if (!Array.isArray(list)) throw new ModelFormatError(`Functional config: missing ${what}`);
    return list.map((r) => {
      const t = tensorOf(r);
      if (!t) throw new ModelFormatError(`Functional config: ${what} refers to unknown tensor ${JSON.stringify(r)}`);
      return t;
    });
  };
  return new Model({
    inputs: refs(cfg.input_layers, 'input_layers'),
    outputs: refs(cfg.output_layers, 'output_layers'),
    name: cfg.name,
  });
}
