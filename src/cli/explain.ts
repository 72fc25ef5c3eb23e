// `convkit explain photo1.jpg photo2.jpg ... -o DIR`: what a pretrained ConvNet sees. Writes the notes' figure
// (for several layers, each unit's nine strongest patches over the images), a feature-map montage, a saliency
// map and Grad-CAM for the first image as PNG overlays, and reports the receptive fields.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Tensor } from '../tensor';
import * as ops from '../ops';
import * as io from '../io';
import * as vision from '../vision';
import { NSFWJS_MODELS, NSFWJS_CLASSES } from '../io/pretrained';
import { Model } from '../models';
import { Conv2D } from '../layers';
import type { UnitPatches } from '../vision';
import { Command, Log, UsageError, numberOption } from './command';

/** Layers shown for nsfwjs's MobileNetV2: receptive fields of 3, 19, 43 and 107 pixels
 * (at 224 input). The first is before the ReLU6, whose many outputs saturated at 6 tie and rank nothing. */
export const MOBILENET_V2_LAYERS = ['bn_Conv1', 'block_2_add', 'block_4_add', 'block_7_add'];

/** Options of {@link explainImages}. */
export interface ExplainOptions {
  /** Images as the model takes them, one size, [N,H,W,C] or a list of [H,W,C]. */
  images: Tensor | readonly Tensor[];
  model: Model;
  /** Layers for the patch figure (default: the first, middle and last Conv2D). */
  layers?: string[];
  /** Layer for Grad-CAM (default: the last layer of `layers`). */
  camLayer?: string;
  /** Units per layer in the figure: those whose strongest activation is largest (default 8). */
  units?: number;
  /** Patches per unit (default 9). */
  k?: number;
  /** One patch per image at most (default true, as in the notes' figure). */
  distinctImages?: boolean;
  /** Class to explain (default: the model's top class for the first image). */
  classIndex?: number;
  /** Names of the classes, for captions. */
  classNames?: readonly string[];
  /** Pixel values of `images` that mean black and white (default [0, 1]). */
  range?: readonly [number, number];
  /** Integer magnification of the patches (default 1). */
  zoom?: number;
  out: string;
  /** File name prefix (default ''). */
  prefix?: string;
  log?: Log;
}

/** What {@link explainImages} found and wrote. */
export interface ExplainResult {
  layers: {
    layer: string;
    receptiveField: { height: number; width: number; strideY: number; strideX: number };
    units: UnitPatches[];
  }[];
  classIndex: number;
  score: number;
  files: string[];
}

/** The first, middle and last Conv2D of a model. */
function defaultLayers(m: Model): string[] {
  const convs = m.layers.filter((l) => l instanceof Conv2D).map((l) => l.name);
  return [...new Set([convs[0], convs[Math.floor(convs.length / 2)], convs[convs.length - 1]].filter(Boolean))];
}

/** Runs topPatches over the images for each layer and writes the figure, feature maps, saliency and Grad-CAM. */
export async function explainImages(o: ExplainOptions): Promise<ExplainResult> {
  const log = o.log ?? (() => {});
  const m = o.model,
    k = o.k ?? 9,
    nUnits = o.units ?? 8,
    range = o.range ?? [0, 1],
    prefix = o.prefix ?? '';
  const names = o.layers ?? defaultLayers(m);
  if (names.length === 0) throw new UsageError(`model '${m.name}' has no Conv2D layer; name the layers`);
  const batch = o.images instanceof Tensor ? o.images : null;
  const list = batch ? null : [...(o.images as readonly Tensor[])];
  const first = batch
    ? ops.slice(batch, [0, 0, 0, 0], [1, ...batch.shape.slice(1)])
    : list![0].reshape([1, ...list![0].shape]);
  const count = batch ? batch.shape[0] : list!.length;
  const [, h, w] = first.shape;
  await mkdir(o.out, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, t: Tensor) => {
    const p = join(o.out, prefix + name);
    await io.writeImage(p, t);
    files.push(p);
  };

  const found: ExplainResult['layers'] = [];
  const grids: Tensor[] = [],
    titles: string[] = [];
  for (const layer of names) {
    const rf = vision.receptiveField(m, layer, [h, w]);
    // batches of 8: a MobileNetV2 block at 112x112x96 is 4.8 MB per image, and several stay alive per layer
    const all = await vision.topPatches(m, layer, o.images, {
      k,
      distinctImages: o.distinctImages ?? true,
      batchSize: 8,
    });
    const shown = [...all]
      .sort((a, b) => (b.patches[0]?.activation ?? 0) - (a.patches[0]?.activation ?? 0))
      .slice(0, nUnits)
      .sort((a, b) => a.unit - b.unit);
    found.push({
      layer,
      receptiveField: { height: rf.y.size, width: rf.x.size, strideY: rf.y.jump, strideX: rf.x.jump },
      units: shown,
    });
    grids.push(vision.patchGrid(batch ?? list!, shown, { zoom: o.zoom ?? 1, range }));
    titles.push(`${layer}: field ${rf.y.size}x${rf.x.size} px`);
    log(
      `${layer}: receptive field ${rf.y.size}x${rf.x.size} pixels, stride ${rf.y.jump}; units ${shown.map((u) => u.unit).join(', ')} (strongest ${shown.map((u) => u.patches[0].activation.toFixed(2)).join(', ')})`,
    );
  }
  await write('patches.png', vision.patchFigure(grids, titles));

  const shownImage = ops.mul(ops.sub(first, range[0]), 255 / (range[1] - range[0])).reshape([h, w, first.shape[3]]);
  await write('feature-maps.png', vision.featureMaps(m, names[0], first, { maxMaps: 32, cols: 8 }));
  const camLayer = o.camLayer ?? names[names.length - 1];
  const cam = vision.gradCam(m, camLayer, first, { classIndex: o.classIndex });
  const sal = vision.saliency(m, first, { classIndex: cam.classIndex });
  const cls = o.classNames?.[cam.classIndex] ?? `class ${cam.classIndex}`;
  await write(
    'saliency.png',
    vision.montage([shownImage, vision.overlay(shownImage, sal.map, { alpha: 0.8 })], {
      cols: 2,
      pad: 4,
      labels: ['image', `saliency for ${cls}`],
    }),
  );
  await write(
    'grad-cam.png',
    vision.montage([shownImage, vision.overlay(shownImage, cam.map, { alpha: 0.6 })], {
      cols: 2,
      pad: 4,
      labels: ['image', `Grad-CAM at ${camLayer} for ${cls}`],
    }),
  );
  log(
    `${cls} (logit ${cam.score.toFixed(3)}) explained by saliency and Grad-CAM at ${camLayer} over ${count} image(s)`,
  );
  log(`wrote ${files.join(', ')}`);
  return { layers: found, classIndex: cam.classIndex, score: cam.score, files };
}

/**
 * Reads photos and cuts them into model-sized crops: each photo scaled so its short side is `shortSide` (default 2 x
 * size), crops every `stride` (default size: no overlap).
 */
export async function photoCrops(
  paths: readonly string[],
  size: number,
  opts: { channels?: 1 | 3; scale?: number; stride?: number; shortSide?: number } = {},
): Promise<Tensor[]> {
  const crops: Tensor[] = [];
  const step = opts.stride ?? size,
    short = opts.shortSide ?? 2 * size;
  for (const p of paths) {
    const img = await io.readImage(p, { channels: opts.channels ?? 3 });
    const [ih, iw] = img.shape;
    const s = Math.max(short, size) / Math.min(ih, iw);
    const scaled = vision.resize(img, Math.max(size, Math.round(ih * s)), Math.max(size, Math.round(iw * s)));
    const [sh, sw] = scaled.shape;
    for (let y = 0; y + size <= sh; y += step)
      for (let x = 0; x + size <= sw; x += step) {
        crops.push(ops.mul(vision.crop(scaled, { x, y, width: size, height: size }), opts.scale ?? 1 / 255));
      }
  }
  return crops;
}

/** The `convkit explain` command. */
export const explainCommand: Command = {
  name: 'explain',
  summary: 'what a ConvNet sees: top patches per unit, feature maps, saliency and Grad-CAM as PNGs',
  usage: '<image> [more images...] -o <dir> [options]',
  needs: [{ package: 'nsfwjs', for: 'the pretrained MobileNetV2 and InceptionV3 it explains', unless: 'model' }],
  options: {
    out: {
      type: 'string',
      short: 'o',
      arg: 'DIR',
      default: 'explain',
      help: 'folder for patches.png, feature-maps.png, saliency.png, grad-cam.png',
    },
    model: {
      type: 'string',
      arg: 'NAME|PATH',
      default: 'mobilenet_v2',
      help: `nsfwjs model (${Object.keys(NSFWJS_MODELS).join(', ')}) or a TF.js Layers model.json/folder`,
    },
    layers: {
      type: 'string',
      arg: 'A,B,..',
      help: 'layers for the patch figure (default: MobileNetV2 bn_Conv1,block_2_add,block_4_add,block_7_add; else first, middle, last Conv2D)',
    },
    'all-positions': {
      type: 'boolean',
      help: "let one image give several of a unit's patches (default: one per image)",
    },
    'cam-layer': {
      type: 'string',
      arg: 'NAME',
      help: "layer for Grad-CAM (default: MobileNetV2's out_relu, else the last of --layers)",
    },
    k: { type: 'string', arg: 'N', default: '9', help: 'patches per unit' },
    units: {
      type: 'string',
      arg: 'N',
      default: '8',
      help: 'units shown per layer (those with the strongest activations)',
    },
    class: {
      type: 'string',
      arg: 'N',
      help: 'class index for saliency and Grad-CAM (default: the top class of the first image)',
    },
    crop: {
      type: 'boolean',
      help: 'cut each image into model-sized crops (short side scaled to twice the input size, no overlap)',
    },
    scale: {
      type: 'string',
      arg: 'X',
      default: '0.00392156862745098',
      help: 'multiply pixels (0-255) by X for the model (default 1/255)',
    },
    zoom: { type: 'string', arg: 'N', default: '1', help: 'magnify the patches N times' },
  },
  examples: [
    'convkit explain node_modules/@vladmandic/face-api/demo/sample*.jpg --crop -o out/explain',
    'convkit explain digit*.png --model out/lenet5-model --layers conv1,conv2,pool2 --zoom 4 --json',
  ],
  async run(args, log) {
    if (args.positionals.length === 0) throw new UsageError('expected at least one image');
    const name = args.values.model as string;
    const isNsfwjs = name in NSFWJS_MODELS;
    const m = isNsfwjs ? await io.loadNsfwjs(name as keyof typeof NSFWJS_MODELS) : await io.load(name);
    const [, ih, iw, ic] = m.inputs[0].shape;
    if (ih === null || iw === null || (ic !== 1 && ic !== 3))
      throw new UsageError(
        `model '${m.name}' takes input ${JSON.stringify(m.inputs[0].shape)}; explain needs a fixed height and width and 1 or 3 channels`,
      );
    const scale = numberOption(args, 'scale', { integer: false, min: 0 })!;
    const channels = ic as 1 | 3;
    let images: Tensor[];
    if (args.values.crop) {
      if (ih !== iw) throw new UsageError(`--crop needs a square model input, got ${ih}x${iw}`);
      images = await photoCrops(args.positionals, ih, { channels, scale });
    } else {
      images = await Promise.all(
        args.positionals.map(async (p) => ops.mul(vision.resize(await io.readImage(p, { channels }), ih, iw), scale)),
      );
    }
    const layers =
      args.values.layers !== undefined
        ? String(args.values.layers)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : name === 'mobilenet_v2'
          ? MOBILENET_V2_LAYERS
          : undefined;
    log(
      `${images.length} image(s) of ${ih}x${iw} through model '${m.name}'${isNsfwjs ? ` (classes ${NSFWJS_CLASSES.join(', ')})` : ''}`,
    );
    const r = await explainImages({
      images,
      model: m,
      layers,
      camLayer: (args.values['cam-layer'] as string | undefined) ?? (name === 'mobilenet_v2' ? 'out_relu' : undefined),
      classNames: isNsfwjs ? NSFWJS_CLASSES : undefined,
      k: numberOption(args, 'k', { min: 1 }),
      distinctImages: !args.values['all-positions'],
      units: numberOption(args, 'units', { min: 1 }),
      classIndex: numberOption(args, 'class', { min: 0 }),
      zoom: numberOption(args, 'zoom', { min: 1 }),
      range: [0, 255 * scale],
      out: args.values.out as string,
      log,
    });
    return { model: m.name, images: images.length, inputSize: [ih, iw], ...r };
  },
};
