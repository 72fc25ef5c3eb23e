// "What are deep ConvNets really learning?" (the course notes, after Zeiler and Fergus, "Visualizing and
// Understanding Convolutional Networks"): for each unit of a layer, the image patches that activate it most.
// The receptive field of one output position is found by walking the graph from the layer back to the input.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { Model, model as functionalModel } from '../models';
import {
  Conv2D,
  DepthwiseConv2D,
  Pool,
  ZeroPadding2D,
  InputLayer,
  BatchNormalization,
  Activation,
  Dropout,
  ReLU,
  LeakyReLU,
  Add,
  Concatenate,
} from '../layers';
import type { Layer, SymbolicTensor } from '../layers';
import { resolvePadding } from '../ops/geometry';

/**
 * One axis of a receptive field: output position o sees input pixels [o·jump + start, o·jump + start + size − 1]
 * (before clipping).
 */
export interface FieldAxis {
  jump: number;
  start: number;
  size: number;
}

/** The receptive field of a layer's output positions over the model's input, per axis (height, width). */
export interface ReceptiveField {
  y: FieldAxis;
  x: FieldAxis;
  /** the layer's output height and width for this input size */ outHeight: number;
  outWidth: number;
}

/** One of the top patches of a unit: which image, where (input pixels, clipped to the image) and how strongly. */
export interface Patch {
  image: number;
  y: number;
  x: number;
  height: number;
  width: number;
  activation: number;
}

/** The strongest patches of one unit (channel), strongest first. */
export interface UnitPatches {
  unit: number;
  patches: Patch[];
}

/** Options of {@link topPatches}. */
export interface TopPatchesOptions {
  /** Patches per unit (default 9, the notes' nine). */
  k?: number;
  /** Channel indices to report (default: all). */
  units?: readonly number[];
  /** Images per forward pass (default 32); only one batch of activations is held at a time. */
  batchSize?: number;
  /** At most one patch (its strongest) per image, as in the notes' figure (default false: the k largest anywhere). */
  distinctImages?: boolean;
}

/** Layers that keep every position where it is (elementwise or per-channel). */
const POINTWISE = [InputLayer, BatchNormalization, Activation, Dropout, ReLU, LeakyReLU, Add, Concatenate];

type Axis = FieldAxis & { n: number };

/** Sliding-window geometry of a conv or pooling layer per spatial axis, or null when the layer moves nothing. */
function windowOf(
  layer: Layer,
  inSize: number[],
): { f: number[]; s: number[]; d: number[]; before: number[]; out: number[] } | null {
  if (POINTWISE.some((k) => layer instanceof k)) return null;
  if (layer instanceof ZeroPadding2D) {
    const [[t, b], [l, r]] = layer.padding;
    return { f: [1, 1], s: [1, 1], d: [1, 1], before: [t, l], out: [inSize[0] + t + b, inSize[1] + l + r] };
  }
  let f: number[], s: number[], d: number[], padding;
  if (layer instanceof Conv2D || layer instanceof DepthwiseConv2D) {
    f = layer.kernelSize;
    s = layer.strides;
    d = layer.dilationRate;
    padding = layer.padding;
  } else if (layer instanceof Pool && layer.rank === 2) {
    f = layer.poolSize;
    s = layer.strides;
    d = [1, 1];
    padding = layer.padding;
  } else
    throw new ValueError(
      `vision.topPatches: layer '${layer.name}' (${layer.className}) has no spatial receptive field (conv, pooling, padding, batch norm, activation and merge layers only)`,
    );
  const fEff = f.map((k, i) => (k - 1) * d[i] + 1);
  const pads = resolvePadding(`vision.topPatches (layer '${layer.name}')`, padding as never, inSize, fEff, s);
  const out = inSize.map((n, i) => Math.floor((n + pads[i][0] + pads[i][1] - fEff[i]) / s[i]) + 1);
  return { f, s, d, before: pads.map((p) => p[0]), out };
}

/**
 * The receptive field of a layer's outputs in input pixels, from the strides, paddings, dilations and pooling of
 * every layer between the input and it (the union over parallel branches, as in Inception or ResNet blocks).
 */
export function receptiveField(m: Model, layerName: string, inputSize: readonly [number, number]): ReceptiveField {
  const node = findNode(m, layerName, 'vision.receptiveField');
  const memo = new Map<SymbolicTensor, [Axis, Axis]>();
  const visit = (t: SymbolicTensor): [Axis, Axis] => {
    const known = memo.get(t);
    if (known) return known;
    let r: [Axis, Axis];
    if (t.layer instanceof InputLayer)
      r = [
        { jump: 1, start: 0, size: 1, n: inputSize[0] },
        { jump: 1, start: 0, size: 1, n: inputSize[1] },
      ];
    else {
      const ins = t.node.inputs.map(visit);
      // Parallel branches: the union of what they see (their jumps agree whenever their outputs can be added or
      // stacked).
      const merged = [0, 1].map((a) => {
        const axes = ins.map((i) => i[a]);
        if (axes.some((x) => x.jump !== axes[0].jump || x.n !== axes[0].n)) {
          throw new ShapeError(
            `vision.receptiveField: the inputs of layer '${t.layer.name}' have different strides or sizes (${axes.map((x) => `${x.n}/${x.jump}`).join(', ')})`,
          );
        }
        const start = Math.min(...axes.map((x) => x.start)),
          end = Math.max(...axes.map((x) => x.start + x.size));
        return { jump: axes[0].jump, start, size: end - start, n: axes[0].n };
      }) as [Axis, Axis];
      const w = windowOf(
        t.layer,
        merged.map((x) => x.n),
      );
      r = !w
        ? merged
        : (merged.map((x, a) => ({
            jump: x.jump * w.s[a],
            start: x.start - w.before[a] * x.jump,
            size: x.size + (w.f[a] - 1) * w.d[a] * x.jump,
            n: w.out[a],
          })) as [Axis, Axis]);
    }
    memo.set(t, r);
    return r;
  };
  const [y, x] = visit(node.outputs[0]);
  return {
    y: { jump: y.jump, start: y.start, size: y.size },
    x: { jump: x.jump, start: x.start, size: x.size },
    outHeight: y.n,
    outWidth: x.n,
  };
}

/** The pixels [from, from + length) that output position o sees on one axis, clipped to an image of n pixels. */
export function fieldSpan(a: FieldAxis, o: number, n: number): [number, number] {
  const lo = Math.max(0, o * a.jump + a.start),
    hi = Math.min(n, o * a.jump + a.start + a.size);
  return [lo, hi - lo];
}

function findNode(m: Model, layerName: string, op: string) {
  if (!(m instanceof Model))
    throw new ValueError(`${op}: expected a convkit Model, got ${m === null ? 'null' : typeof m}`);
  if (!m.built || m.inputs.length !== 1)
    throw new ValueError(`${op}: model '${m.name}' must be built and have one input`);
  const node = m.nodes.find((n) => n.layer.name === layerName);
  if (!node)
    throw new ValueError(
      `${op}: model '${m.name}' has no layer named '${layerName}' (layers: ${m.layers.map((l) => l.name).join(', ')})`,
    );
  return node;
}

/** Images as batches [n,H,W,C]: one tensor [N,H,W,C] or [H,W,C], an array of them, or an (async) iterable of them. */
export type ImageBatches = Tensor | readonly Tensor[] | Iterable<Tensor> | AsyncIterable<Tensor>;

async function* batchesOf(images: ImageBatches, batchSize: number): AsyncGenerator<Tensor> {
  const one = (t: unknown): Tensor => {
    if (!(t instanceof Tensor))
      throw new ValueError(`vision.topPatches: images must be Tensors, got ${t === null ? 'null' : typeof t}`);
    if (t.rank === 3) return t.reshape([1, ...t.shape]);
    if (t.rank === 4) return t;
    throw new ShapeError(`vision.topPatches: expected images [N,H,W,C] or [H,W,C], got ${fmtShape(t.shape)}`);
  };
  const source: Iterable<Tensor> | AsyncIterable<Tensor> = images instanceof Tensor ? [images] : images;
  // single images [H,W,C] are gathered into batches; big batches are cut into views
  let pending: Tensor[] = [],
    rows = 0;
  const flush = (): Tensor => {
    if (pending.length === 1) {
      rows = 0;
      return pending.pop()!;
    }
    const [, h, w, c] = pending[0].shape;
    const data = new Float32Array(rows * h * w * c);
    let o = 0;
    for (const t of pending) {
      data.set(t.data, o);
      o += t.data.length;
    }
    pending = [];
    rows = 0;
    return new Tensor(data, [data.length / (h * w * c), h, w, c]);
  };
  for await (const item of source) {
    const t = one(item);
    const size = t.shape[1] * t.shape[2] * t.shape[3];
    if (pending.length && pending[0].shape.slice(1).some((d, i) => d !== t.shape[i + 1])) {
      throw new ShapeError(
        `vision.topPatches: all images must have one shape; got ${fmtShape(pending[0].shape.slice(1))} then ${fmtShape(t.shape.slice(1))}`,
      );
    }
    for (let i = 0; i < t.shape[0];) {
      const n = Math.min(batchSize - rows, t.shape[0] - i);
      pending.push(
        n === t.shape[0] ? t : new Tensor(t.data.subarray(i * size, (i + n) * size), [n, ...t.shape.slice(1)]),
      );
      rows += n;
      i += n;
      if (rows === batchSize) yield flush();
    }
  }
  if (rows) yield flush();
}

/**
 * For each unit (channel) of the named layer, the k largest activations over every position of every image,
 * strongest first (ties: the earlier image, row, column first), each with the unit's receptive field in input
 * pixels clipped to the image. Works on any conv, pooling, padding or activation layer of a Sequential or
 * functional model; images stream through in batches, so only k patches per unit and one batch are kept.
 */
export async function topPatches(
  m: Model,
  layer: string,
  images: ImageBatches,
  opts: TopPatchesOptions = {},
): Promise<UnitPatches[]> {
  const k = opts.k ?? 9,
    batchSize = opts.batchSize ?? 32,
    distinct = !!opts.distinctImages;
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`vision.topPatches: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValueError(`vision.topPatches: batchSize must be a positive integer, got ${batchSize}`);
  if (images instanceof Tensor && images.rank >= 3 && m instanceof Model && !m.built)
    m.build([null, ...images.shape.slice(-3)]);
  const node = findNode(m, layer, 'vision.topPatches');
  const out = node.outputs[0];
  if (out.rank !== 4)
    throw new ShapeError(
      `vision.topPatches: layer '${layer}' outputs ${fmtShape(out.shape.map((d) => d ?? -1))}; expected feature maps [N,H,W,C]`,
    );
  const channels = out.shape[3]!;
  const units = opts.units ? [...opts.units] : Array.from({ length: channels }, (_, i) => i);
  for (const u of units)
    if (!Number.isInteger(u) || u < 0 || u >= channels)
      throw new ValueError(`vision.topPatches: unit ${u} is not a channel of layer '${layer}' (0..${channels - 1})`);
  const extractor = functionalModel({ inputs: m.inputs, outputs: [out], name: `${m.name}_${layer}_patches` });

  // per unit: the best k so far as parallel arrays sorted strongest first
  const best = units.map(() => ({ v: [] as number[], at: [] as [number, number, number][] }));
  let field: ReceptiveField | null = null,
    imageH = 0,
    imageW = 0,
    seen = 0;
  for await (const batch of batchesOf(images, batchSize)) {
    const [n, h, w] = batch.shape;
    if (!field) {
      field = receptiveField(m, layer, [h, w]);
      imageH = h;
      imageW = w;
    } else if (h !== imageH || w !== imageW)
      throw new ShapeError(
        `vision.topPatches: all images must have one size; got ${imageH}x${imageW} then ${fmtShape(batch.shape)}`,
      );
    const a = noGrad(() => extractor.run([batch])[0]);
    const [, oh, ow, c] = a.shape;
    const d = a.data;
    units.forEach((u, ui) => {
      const b = best[ui];
      for (let i = 0; i < n; i++)
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++) {
            const v = d[((i * oh + y) * ow + x) * c + u];
            if (b.v.length === k && !(v > b.v[k - 1])) continue;
            if (Number.isNaN(v))
              throw new ValueError(`vision.topPatches: layer '${layer}' gave NaN for unit ${u} on image ${seen + i}`);
            if (distinct) {
              const same = b.at.findIndex((p) => p[0] === seen + i);
              if (same >= 0 && !(v > b.v[same])) continue;
              if (same >= 0) {
                b.v.splice(same, 1);
                b.at.splice(same, 1);
              }
            }
            // insertion after any equal value keeps the earlier position first among ties
            let j = b.v.length;
            while (j > 0 && b.v[j - 1] < v) j--;
            b.v.splice(j, 0, v);
            b.at.splice(j, 0, [seen + i, y, x]);
            if (b.v.length > k) {
              b.v.pop();
              b.at.pop();
            }
          }
    });
    seen += n;
  }
  if (!field) throw new ValueError('vision.topPatches: no images given');
  const f = field;
  return units.map((unit, ui) => ({
    unit,
    patches: best[ui].v.map((activation, j) => {
      const [image, oy, ox] = best[ui].at[j];
      const [y, height] = fieldSpan(f.y, oy, imageH),
        [x, width] = fieldSpan(f.x, ox, imageW);
      return { image, y, x, height, width, activation };
    }),
  }));
}
