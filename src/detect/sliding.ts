// Sliding windows (the notes' "Object Detection" and "Convolutional implementation of Sliding
// Windows"): slidingWindows crops every window and classifies the crops one by one (batched);
// toConvolutional turns a classifier's Flatten + Dense head into convolutions so one forward pass
// over a larger image computes every window's output at once, sharing the overlapping work.
import { Tensor, sizeOf } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkOptions, optionNames } from '../options';
import {
  Layer,
  Dense,
  Flatten,
  Dropout,
  Activation,
  InputLayer,
  Conv2D,
  Add,
  Concatenate,
  input,
  SymbolicTensor,
  SymShape,
} from '../layers';
import { Model, model as functionalModel } from '../models';
import { resize, crop } from '../vision/image';
import { convOutputSize } from '../ops';
import type { CenterBox } from './box';

/** Options of slidingWindows. */
export interface SlidingWindowOptions {
  /** Window size in pixels, number or [height, width]; default: the model's input size. */
  window?: number | [number, number];
  /** Step between windows in pixels, number or [down, across]; default: the window size (no overlap). */
  stride?: number | [number, number];
  /**
   * Window sizes as multiples of `window` (default [1]): at scale s the window is round(s · window)
   * pixels, and each crop is resized (bilinear) to `window` before the model sees it.
   */
  scales?: number[];
  /** Crops per model call (default 64). */
  batchSize?: number;
}

/** One window: where it is, and what the model said about it. */
export interface SlidingWindow {
  /** The window as a box normalised to the image (centre form). */
  box: CenterBox;
  /** The window in pixels: top-left corner and size. */
  pixels: { x: number; y: number; width: number; height: number };
  /** The scale it was taken at, and its row and column in that scale's grid of windows. */
  scale: number;
  row: number;
  col: number;
  /** The model's output for the crop (flattened). */
  output: Float32Array;
  /** The largest output value and its index (the class, for a softmax classifier). */
  score: number;
  classId: number;
}

const pair = (v: number | [number, number], what: string): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d > 0))
    throw new ValueError(
      `slidingWindows: ${what} must be a positive integer or [height, width], got ${JSON.stringify(v)}`,
    );
  return p;
};

/**
 * Runs the classifier `m` on every window of `img` ([H, W, C] or [1, H, W, C]), scale by scale,
 * windows in row-major order: the notes' (slow) sliding-window detector, and the reference the
 * convolutional version is checked against.
 */
export function slidingWindows(m: Model, img: Tensor, opts: SlidingWindowOptions = {}): SlidingWindow[] {
  checkOptions(
    'slidingWindows',
    opts,
    optionNames<SlidingWindowOptions>({ window: true, stride: true, scales: true, batchSize: true }),
  );
  if (!(m instanceof Model)) throw new ValueError('slidingWindows: expected a model');
  if (!(img instanceof Tensor) || !(img.rank === 3 || (img.rank === 4 && img.shape[0] === 1))) {
    throw new ShapeError(
      `slidingWindows: expected an image [H,W,C] or [1,H,W,C], got ${img instanceof Tensor ? fmtShape(img.shape) : typeof img}`,
    );
  }
  const [H, W, C] = img.shape.slice(-3);
  const image = img.rank === 3 ? img : new Tensor(img.data, [H, W, C]);
  const inShape = m.inputs[0]?.shape;
  const win =
    opts.window ?? (inShape && inShape[1] && inShape[2] ? ([inShape[1], inShape[2]] as [number, number]) : undefined);
  if (win === undefined) throw new ValueError('slidingWindows: the model has no fixed input size; pass opts.window');
  const [wh, ww] = pair(win, 'window');
  const [sh, sw] = pair(opts.stride ?? [wh, ww], 'stride');
  const scales = opts.scales ?? [1];
  if (!Array.isArray(scales) || scales.length === 0 || !scales.every((s) => s > 0 && Number.isFinite(s)))
    throw new ValueError(`slidingWindows: scales must be positive numbers, got ${JSON.stringify(scales)}`);
  const batchSize = opts.batchSize ?? 64;
  const out: SlidingWindow[] = [];
  for (const scale of scales) {
    const h = Math.round(wh * scale),
      w = Math.round(ww * scale);
    if (h > H || w > W) continue;
    const rows = convOutputSize(H, h, sh),
      cols = convOutputSize(W, w, sw);
    const crops = new Float32Array(rows * cols * h * w * C);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        crops.set(crop(image, { x: c * sw, y: r * sh, width: w, height: h }).data, (r * cols + c) * h * w * C);
      }
    let batch = new Tensor(crops, [rows * cols, h, w, C]);
    if (h !== wh || w !== ww) batch = resize(batch, wh, ww);
    const y = m.predict(batch, { batchSize });
    const per = sizeOf(y.shape.slice(1));
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const k = r * cols + c,
          o = y.data.slice(k * per, (k + 1) * per);
        let best = 0;
        for (let i = 1; i < per; i++) if (o[i] > o[best]) best = i;
        const px = { x: c * sw, y: r * sh, width: w, height: h };
        out.push({
          box: { x: (px.x + w / 2) / W, y: (px.y + h / 2) / H, w: w / W, h: h / H },
          pixels: px,
          scale,
          row: r,
          col: c,
          output: o,
          score: o[best],
          classId: best,
        });
      }
  }
  if (out.length === 0)
    throw new ValueError(
      `slidingWindows: no window of ${wh}x${ww} (scales ${JSON.stringify(scales)}) fits in the image ${fmtShape(img.shape)}`,
    );
  return out;
}

/** Options of toConvolutional. */
export interface ToConvolutionalOptions {
  /** Input shape [H, W, C] of the new model; default [null, null, C]: any image size. */
  inputShape?: (number | null)[];
}

/**
 * Turns a classifier's Flatten + Dense layers into equivalent convolutions (the notes: 5x5x16 → 400
 * filters of 5x5, then 1x1 → 400, 1x1 → 4): the first Dense after Flatten becomes a Conv2D whose
 * kernel is the Flatten input's h x w, later Dense layers become 1x1 convolutions (weights copied).
 * The layers before Flatten are shared with `m` (same weights). On an image larger than the
 * classifier's input, output [1, rows, cols, classes] holds the window results at a stride of the
 * product of the strides before Flatten (2 in the notes: 16x16 → 2x2).
 */
export function toConvolutional(m: Model, opts: ToConvolutionalOptions = {}): Model {
  const where = 'toConvolutional';
  checkOptions(where, opts, optionNames<ToConvolutionalOptions>({ inputShape: true }));
  if (!(m instanceof Model) || m.inputs.length !== 1)
    throw new ValueError(`${where}: expected a model with one image input`);
  const inShape = m.inputs[0].shape;
  if (inShape.length !== 4)
    throw new ShapeError(
      `${where}: expected a model taking images [N,H,W,C], got input ${fmtShape(inShape.map((d) => d ?? -1))}`,
    );
  const x = input({ shape: (opts.inputShape ?? [null, null, inShape[3]]) as number[] });
  let t: SymbolicTensor = x;
  let shape: SymShape = inShape; // the shape this layer sees in the original classifier
  let flat: SymShape | null = null; // input shape of a pending Flatten
  for (const layer of m.layers) {
    if (layer instanceof InputLayer) continue;
    if (layer instanceof Add || layer instanceof Concatenate)
      throw new ValueError(
        `${where}: only a chain of layers can be converted; '${layer.name}' (${layer.className}) merges branches`,
      );
    const next = layer.computeOutputShape(shape);
    if (layer instanceof Flatten) {
      if (shape.length !== 4 || shape.slice(1).some((d) => d === null))
        throw new ShapeError(
          `${where}: Flatten '${layer.name}' needs a known [N,H,W,C] input, got ${fmtShape(shape.map((d) => d ?? -1))}`,
        );
      flat = shape;
    } else if (layer instanceof Dense) {
      const [h, w, c] = flat ? (flat.slice(1) as number[]) : [1, 1, shape[shape.length - 1] as number];
      if (!flat && shape.length !== 2 && shape.length !== 4)
        throw new ShapeError(
          `${where}: Dense '${layer.name}' sees ${fmtShape(shape.map((d) => d ?? -1))}; expected a Flatten before it`,
        );
      if (!flat && shape.length === 2 && t.shape.length !== 4)
        throw new ValueError(
          `${where}: Dense '${layer.name}' follows a layer that is not Flatten or Dense (${fmtShape(shape.map((d) => d ?? -1))}); only Flatten + Dense heads convert`,
        );
      const conv = new Conv2D({
        name: `${layer.name}_conv`,
        filters: layer.units,
        kernelSize: [h, w],
        activation: layer.activation,
        useBias: layer.useBias,
      });
      t = conv.apply(t);
      // Flatten is row-major over (h, w, c), so the Dense kernel [h·w·c, units] is already laid out as [h, w, c, units]
      const [kernel, ...bias] = layer.getWeights();
      conv.setWeights([new Tensor(kernel.data, [h, w, c, layer.units]), ...bias]);
      flat = null;
    } else if (flat && !(layer instanceof Dropout || (layer instanceof Activation && layer.activation !== 'softmax'))) {
      throw new ValueError(
        `${where}: '${layer.name}' (${layer.className}) between Flatten and Dense cannot be converted`,
      );
    } else {
      t = (layer as Layer).apply(t);
    }
    shape = next;
  }
  if (flat) throw new ValueError(`${where}: the model ends with Flatten; nothing to convert`);
  return functionalModel({ inputs: x, outputs: t, name: `${m.name}_convolutional` });
}
