// Pictures that explain a ConvNet: the notes' grid of top patches per unit, a feature-map montage, a saliency
// map (Simonyan, Vedaldi and Zisserman, "Deep Inside Convolutional Networks") and Grad-CAM (Selvaraju et al.),
// the last two as heat maps laid over the image.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { valueAndGrads, noGrad } from '../autograd';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { Model, model as functionalModel } from '../models';
import { resize, imageDims } from './image';
import { montage, channelTiles } from './draw';
import type { UnitPatches } from './patches';

/** The images patches were found in: a batch [N,H,W,C], an array of [H,W,C], or a lookup by index. */
export type ImageLookup = Tensor | readonly Tensor[] | ((index: number) => Tensor);

function imageAt(images: ImageLookup, i: number): Tensor {
  if (typeof images === 'function') return images(i);
  if (images instanceof Tensor) {
    const [n, h, w, c] = images.shape;
    if (images.rank !== 4 || i >= n)
      throw new ShapeError(`vision.patchGrid: image ${i} is not in the batch ${fmtShape(images.shape)}`);
    return new Tensor(images.data.subarray(i * h * w * c, (i + 1) * h * w * c), [h, w, c]);
  }
  if (i >= images.length) throw new ValueError(`vision.patchGrid: image ${i} is not among the ${images.length} images`);
  return images[i];
}

/** Options of {@link patchGrid}. */
export interface PatchGridOptions {
  /** Integer magnification of the crops (default 1): one zoom for every layer keeps deeper fields visibly larger. */
  zoom?: number;
  /** Pixel values that map to black and white (default [0, 255]; [0, 1] for images scaled to 0–1). */
  range?: readonly [number, number];
}

/**
 * The notes' figure for one layer: a row per unit with its top patches cropped from the images, strongest on the
 * left. Crops keep their size in input pixels, so a deeper layer's grid is larger; a field clipped by the image
 * border sits against that side of a gray cell of the full field size.
 */
export function patchGrid(images: ImageLookup, units: readonly UnitPatches[], opts: PatchGridOptions = {}): Tensor {
  if (!Array.isArray(units) || units.length === 0)
    throw new ValueError('vision.patchGrid: expected the result of vision.topPatches (one entry per unit)');
  const [lo, hi] = opts.range ?? [0, 255];
  if (!(hi > lo))
    throw new ValueError(`vision.patchGrid: range must be [low, high] with low < high, got [${lo}, ${hi}]`);
  const zoom = opts.zoom ?? 1;
  const all = units.flatMap((u) => u.patches);
  const cellH = Math.max(...all.map((p) => p.height)),
    cellW = Math.max(...all.map((p) => p.width));
  const cols = Math.max(...units.map((u) => u.patches.length));
  const tiles: Tensor[] = [];
  for (const u of units)
    for (let j = 0; j < cols; j++) {
      const p = u.patches[j];
      const img = p ? imageAt(images, p.image) : null;
      const c = img ? imageDims(img, 'vision.patchGrid').c : 1;
      const cell = new Float32Array(cellH * cellW * c).fill(160);
      if (p && img) {
        const [, ih, iw] = img.rank === 3 ? [1, ...img.shape] : img.shape;
        const oy = p.y === 0 && p.y + p.height < ih ? cellH - p.height : 0,
          ox = p.x === 0 && p.x + p.width < iw ? cellW - p.width : 0;
        for (let y = 0; y < p.height; y++)
          for (let x = 0; x < p.width; x++)
            for (let k = 0; k < c; k++) {
              const v = img.data[((p.y + y) * iw + p.x + x) * c + k];
              cell[((oy + y) * cellW + ox + x) * c + k] = Math.min(255, Math.max(0, ((v - lo) * 255) / (hi - lo)));
            }
      }
      tiles.push(new Tensor(cell, [cellH, cellW, c]));
    }
  return montage(tiles, { cols, zoom, pad: Math.max(1, zoom), background: 255 });
}

/**
 * The notes' whole figure: several layers' grids ({@link patchGrid}) side by side at their own sizes, top-aligned,
 * each captioned (e.g. with its layer and receptive field).
 */
export function patchFigure(
  grids: readonly Tensor[],
  titles: readonly string[],
  opts: { gap?: number; labelScale?: number } = {},
): Tensor {
  if (grids.length === 0 || grids.length !== titles.length)
    throw new ValueError(
      `vision.patchFigure: expected one title per grid, got ${grids.length} grids and ${titles.length} titles`,
    );
  const gap = opts.gap ?? 12;
  const panels = grids.map((g, i) =>
    montage([g], { pad: 0, labels: [titles[i]], labelScale: opts.labelScale ?? 2, background: 255 }),
  );
  const height = Math.max(...panels.map((p) => p.shape[0])),
    width = panels.reduce((a, p) => a + p.shape[1], gap * (panels.length + 1));
  const out = new Float32Array(height * width * 3).fill(255);
  let x0 = gap;
  for (const p of panels) {
    const [ph, pw, pc] = p.shape;
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++)
        for (let k = 0; k < 3; k++) out[(y * width + x0 + x) * 3 + k] = p.data[(y * pw + x) * pc + (pc === 1 ? 0 : k)];
    x0 += pw + gap;
  }
  return new Tensor(out, [height, width, 3]);
}

/** One image as a batch of one: [H,W,C] or [1,H,W,C] → [1,H,W,C]. */
function single(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor))
    throw new ValueError(`${op}: expected an image Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.rank === 3) return x.reshape([1, ...x.shape]);
  if (x.rank === 4 && x.shape[0] === 1) return x;
  throw new ShapeError(`${op}: expected one image [H,W,C] or [1,H,W,C], got ${fmtShape(x.shape)}`);
}

function checkModel(m: unknown, op: string): asserts m is Model {
  if (!(m instanceof Model))
    throw new ValueError(`${op}: expected a convkit Model, got ${m === null ? 'null' : typeof m}`);
  if (!m.built || m.inputs.length !== 1 || m.outputs.length !== 1)
    throw new ValueError(`${op}: model '${m.name}' must be built, with one input and one output`);
}

function layerOutput(m: Model, layer: string, op: string) {
  const node = m.nodes.find((n) => n.layer.name === layer);
  if (!node)
    throw new ValueError(
      `${op}: model '${m.name}' has no layer named '${layer}' (layers: ${m.layers.map((l) => l.name).join(', ')})`,
    );
  if (node.outputs[0].rank !== 4)
    throw new ShapeError(
      `${op}: layer '${layer}' outputs ${fmtShape(node.outputs[0].shape.map((d) => d ?? -1))}; expected feature maps [N,H,W,C]`,
    );
  return node.outputs[0];
}

/** The activations of a layer for one image, [1,h,w,C]. */
export function activations(m: Model, layer: string, image: Tensor): Tensor {
  checkModel(m, 'vision.activations');
  const out = layerOutput(m, layer, 'vision.activations');
  const x = single(image, 'vision.activations');
  return noGrad(() => functionalModel({ inputs: m.inputs, outputs: [out] }).run([x])[0]);
}

/**
 * A montage of a layer's feature maps for one image, each stretched to its own range (Keras users' "show the
 * activations").
 */
export function featureMaps(
  m: Model,
  layer: string,
  image: Tensor,
  opts: { maxMaps?: number; zoom?: number; cols?: number } = {},
): Tensor {
  const a = activations(m, layer, image);
  const tiles = channelTiles(a).slice(0, opts.maxMaps ?? 64);
  const zoom = opts.zoom ?? Math.max(1, Math.round(48 / a.shape[1]));
  return montage(tiles, {
    scale: 'tile',
    zoom,
    cols: opts.cols,
    pad: 2,
    background: 255,
    labels: tiles.map((_, i) => String(i)),
  });
}

/** A heat map over the input pixels and the class it explains. */
export interface Explanation {
  /** [H,W,1] in 0..1, the input's height and width. */
  map: Tensor;
  /** The class explained (default: the model's top class for this image). */
  classIndex: number;
  /** That class's score before the final softmax/sigmoid. */
  score: number;
  /**
   * The map before scaling: max |∂ score / ∂ pixel| per pixel (saliency) or ReLU(Σ α_k A_k) at the layer's resolution
   * (Grad-CAM).
   */
  raw: Tensor;
}

/** Runs the graph with some outputs given (Grad-CAM's feature maps), skipping the last softmax/sigmoid. */
function runFrom(m: Model, x: Tensor, given: Map<unknown, Tensor>): Tensor {
  const values = new Map<unknown, Tensor>(given);
  values.set(m.inputs[0], x);
  for (const node of m.nodes) {
    if (values.has(node.outputs[0])) continue;
    const ins = node.inputs.map((s) => values.get(s)!);
    values.set(node.outputs[0], node.layer.apply(ins, { training: false, logits: node.outputs[0] === m.outputs[0] }));
  }
  return values.get(m.outputs[0])!;
}

function pickClass(m: Model, logits: Tensor, classIndex: number | undefined, op: string): number {
  if (logits.rank !== 2)
    throw new ShapeError(
      `${op}: model '${m.name}' outputs ${fmtShape(logits.shape)}; expected class scores [1, classes]`,
    );
  const classes = logits.shape[1];
  if (classIndex === undefined) return ops.argMax(logits, -1).data[0];
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes)
    throw new ValueError(`${op}: classIndex must be 0..${classes - 1}, got ${classIndex}`);
  return classIndex;
}

const scoreOf = (logits: Tensor, c: number): Tensor => ops.sum(ops.slice(logits, [0, c], [1, 1]));

/** Scales a map to 0..1 by its q-quantile (robust to a few extreme pixels). */
function normalise(d: Float32Array, q = 0.995): Float32Array {
  const sorted = Float32Array.from(d).sort();
  const top = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return top > 0 ? d.map((v) => Math.min(1, Math.max(0, v / top))) : new Float32Array(d.length);
}

/**
 * Saliency map (Simonyan et al. 2014): |∂ score / ∂ pixel|, the largest over the colour channels, scaled to 0..1.
 * The image is given as the model takes it; the score is the class's logit.
 */
export function saliency(m: Model, image: Tensor, opts: { classIndex?: number } = {}): Explanation {
  checkModel(m, 'vision.saliency');
  const x = single(image, 'vision.saliency');
  const logits = noGrad(() => runFrom(m, x, new Map()));
  const classIndex = pickClass(m, logits, opts.classIndex, 'vision.saliency');
  const { value, grads } = valueAndGrads(() => scoreOf(runFrom(m, x, new Map()), classIndex), [x]);
  const [, h, w, c] = x.shape;
  const g = grads[0].data,
    map = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) map[i] = Math.max(map[i], Math.abs(g[i * c + k]));
  return {
    map: new Tensor(normalise(map), [h, w, 1]),
    raw: new Tensor(map, [h, w, 1]),
    classIndex,
    score: value.data[0],
  };
}

/**
 * Grad-CAM (Selvaraju et al. 2017) on a conv layer: the feature maps A_k weighted by the spatial mean of
 * ∂ score / ∂ A_k, summed, passed through ReLU, scaled to 0..1 and resized (bilinear) to the input.
 */
export function gradCam(m: Model, layer: string, image: Tensor, opts: { classIndex?: number } = {}): Explanation {
  checkModel(m, 'vision.gradCam');
  const out = layerOutput(m, layer, 'vision.gradCam');
  const x = single(image, 'vision.gradCam');
  const a = noGrad(() => functionalModel({ inputs: m.inputs, outputs: [out] }).run([x])[0]);
  const logits = noGrad(() => runFrom(m, x, new Map([[out, a]])));
  const classIndex = pickClass(m, logits, opts.classIndex, 'vision.gradCam');
  const { value, grads } = valueAndGrads(() => scoreOf(runFrom(m, x, new Map([[out, a]])), classIndex), [a]);
  const [, h, w, c] = a.shape;
  const g = grads[0].data,
    alpha = new Float64Array(c),
    cam = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) alpha[k] += g[i * c + k] / (h * w);
  for (let i = 0; i < h * w; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += alpha[k] * a.data[i * c + k];
    cam[i] = Math.max(0, s);
  }
  const coarse = new Tensor(normalise(cam, 1), [h, w, 1]);
  return {
    map: resize(coarse, x.shape[1], x.shape[2]),
    raw: new Tensor(cam, [h, w, 1]),
    classIndex,
    score: value.data[0],
  };
}

/** A blue → cyan → yellow → red colour scale for heat maps (0..1 → RGB 0..255). */
function heatColour(v: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [0, 0, 130],
    [0, 90, 255],
    [0, 220, 220],
    [250, 230, 0],
    [230, 20, 0],
  ];
  const t = Math.min(1, Math.max(0, v)) * (stops.length - 1),
    i = Math.min(stops.length - 2, Math.floor(t)),
    f = t - i;
  return [0, 1, 2].map((k) => stops[i][k] + f * (stops[i + 1][k] - stops[i][k])) as [number, number, number];
}

/**
 * Lays a heat map [h,w,1] in 0..1 over an image [H,W,C] (0–255, gray or RGB): the image in gray, the heat in colour,
 * mixed by `alpha` (default 0.5) where the heat is; the map is resized to the image first.
 */
export function overlay(
  image: Tensor,
  heat: Tensor,
  opts: { alpha?: number; range?: readonly [number, number] } = {},
): Tensor {
  const img = single(image, 'vision.overlay'),
    hm = heat.rank === 2 ? heat.reshape([...heat.shape, 1]) : heat;
  const [, h, w, c] = img.shape;
  if (hm.rank !== 3 || hm.shape[2] !== 1)
    throw new ShapeError(`vision.overlay: expected a heat map [h,w,1], got ${fmtShape(heat.shape)}`);
  const [lo, hi] = opts.range ?? [0, 255],
    alpha = opts.alpha ?? 0.5;
  const hr = hm.shape[0] === h && hm.shape[1] === w ? hm : resize(hm, h, w);
  const out = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    let gray = 0;
    for (let k = 0; k < c; k++) gray += img.data[i * c + k] / c;
    gray = Math.min(255, Math.max(0, ((gray - lo) * 255) / (hi - lo)));
    const v = hr.data[i],
      col = heatColour(v),
      mix = alpha * Math.sqrt(Math.min(1, Math.max(0, v)));
    for (let k = 0; k < 3; k++) out[i * 3 + k] = (1 - mix) * gray + mix * col[k];
  }
  return new Tensor(out, [h, w, 3]);
}
