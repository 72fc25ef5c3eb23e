// The style-transfer loop (Gatys et al., as in the notes): a multi-output sub-model of the chosen layers
// gives a(C) once, the style Gram matrices G(S) once, then every step runs the network on G, takes
// J = α·J_content + β·J_style (+ tv·TV) and its gradient down to the pixels, and lets Adam move them.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { valueAndGrads, noGrad, Variable } from '../autograd';
import { Model, model as functionalModel } from '../models';
import { Adam } from '../train/optimizers';
import { crop, resize } from '../vision/image';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkOptions, optionNames } from '../options';
import { contentCost, gramCost, totalVariation, layerWeights, StyleLayer } from './costs';
import { gramMatrix } from './gram';
import { Lbfgs } from './lbfgs';

/**
 * Progress of one step: costs before the step's update; `image` ([H,W,C], a copy) every `previewEvery` steps and at
 * the end.
 */
export interface TransferStep {
  step: number;
  steps: number;
  J: number;
  Jcontent: number;
  Jstyle: number;
  Jtv: number;
  image?: Tensor;
  /** Height and width being optimised (coarse to fine) and forward/backward passes so far. */
  height: number;
  width: number;
  evaluations: number;
}

/** Options of {@link transfer}. Images are [H,W,C] or [1,H,W,C] with pixel values in `pixelRange` (default 0–255). */
export interface TransferOptions {
  /** Any convkit model whose input takes the images (a functional model or a built Sequential). */
  model: Model;
  content: Tensor;
  /**
   * Centre-cropped to the content's aspect ratio and resized to its size, so the Gram matrices compare like with like.
   */
  style: Tensor;
  /** The layer a(C) and a(G) come from (default: {@link defaultLayers} of the model). */
  contentLayer?: string;
  /** Style layers and λ[l]; plain names get equal weights 1/L (default: {@link defaultLayers}). */
  styleLayers?: readonly (StyleLayer | string)[];
  /**
   * Weight of J_content (default 1e-6: the content cost is an unnormalised sum of squares, so it needs a far smaller
   * weight than the normalised style cost).
   */
  alpha?: number;
  /** Weight of J_style (default 1). */
  beta?: number;
  /** Weight of the total-variation smoothing on the pixels (default 0: off). */
  tvWeight?: number;
  /** Steps at each scale (default 100): one number for every scale or one per scale. */
  steps?: number | readonly number[];
  /**
   * 'adam' (default): one forward and backward pass per step. 'lbfgs': L-BFGS as in Gatys et al., usually one
   * pass per step once it has curvature, more when its line search backtracks.
   */
  optimizer?: 'adam' | 'lbfgs';
  /** Adam step in pixels per step (default 5 on the 0–255 scale; the gradient is normalised, see below). */
  learningRate?: number;
  /**
   * Coarse to fine: fractions of the content's size to optimise at in turn, ending at 1 (default [1]). Each scale
   * starts from the previous result upsampled; the coarse scales are cheap and set the large shapes.
   */
  scales?: readonly number[];
  /**
   * Starting image: the content image (default, converges fastest), seeded uniform noise (the notes' start) or a
   * tensor.
   */
  init?: 'content' | 'noise' | Tensor;
  /** Seed of the noise start. */
  seed?: number;
  /** Valid pixel range; G is clipped to it after every step (default [0, 255]). */
  pixelRange?: readonly [number, number];
  /**
   * Maps pixels to the model's input with differentiable ops. Default: a recognised VGG gets Keras's 'caffe'
   * preprocessing (BGR, minus the ImageNet means), anything else x / 255 (nsfwjs's MobileNetV2 convention).
   */
  preprocess?: (x: Tensor) => Tensor;
  /** Called after every step; returning false stops early. */
  onStep?: (s: TransferStep) => void | boolean | Promise<void | boolean>;
  /** Steps between preview images in onStep (default 10; 0: only at the end). */
  previewEvery?: number;
}

/** Layers for style transfer on a known architecture, and how its input expects pixels 0–255. */
export interface LayerChoice {
  contentLayer: string;
  styleLayers: StyleLayer[];
  preprocess: (x: Tensor) => Tensor;
}

/** nsfwjs's convention: RGB / 255. */
const unitScale = (x: Tensor): Tensor => ops.mul(x, 1 / 255);
const CAFFE_MEAN_BGR = new Tensor(Float32Array.from([103.939, 116.779, 123.68]), [3]);
/** Keras's VGG 'caffe' convention: RGB → BGR, minus the ImageNet channel means. */
const caffe = (x: Tensor): Tensor => ops.sub(ops.reverse(x, -1), CAFFE_MEAN_BGR);

/**
 * Layers used when transfer() is given none.
 * InceptionV3 (nsfwjs, Keras names; the better pictures): content 'mixed0' (63-pixel fields), style 'activation_1',
 * 'activation_3', 'activation_5', 'mixed0', 'mixed2' (fields of 3, 11, 23, 63 and 127 pixels), λ = 1/5 each. Its
 * stem follows the first stride-2 conv with two stride-1 3x3 convs, which spread each strided sample's gradient
 * over its neighbours: on the same recipe its result carries 3.6x less checkerboard energy than MobileNetV2's
 * (README, "Style transfer"). Its valid padding leaves a few border pixels with little gradient.
 * MobileNetV2 (nsfwjs, Keras names): content 'block_6_expand_relu' (28x28 at 224 input: shapes, not pixels),
 * style the first ReLU at each resolution 'Conv1_relu', 'block_1_expand_relu', 'block_3_expand_relu',
 * 'block_6_expand_relu', 'block_10_expand_relu' (strides 2 to 16), λ = 1/5 each. VGG-16/19 (Keras names):
 * content 'block4_conv2', style 'block1_conv1' … 'block5_conv1' (Gatys et al.), λ = 1/5 each.
 */
export const DEFAULT_LAYERS: Readonly<Record<'inceptionV3' | 'mobilenetV2' | 'vgg', LayerChoice>> = {
  inceptionV3: {
    contentLayer: 'mixed0',
    styleLayers: layerWeights(['activation_1', 'activation_3', 'activation_5', 'mixed0', 'mixed2']),
    preprocess: unitScale,
  },
  mobilenetV2: {
    contentLayer: 'block_6_expand_relu',
    styleLayers: layerWeights([
      'Conv1_relu',
      'block_1_expand_relu',
      'block_3_expand_relu',
      'block_6_expand_relu',
      'block_10_expand_relu',
    ]),
    preprocess: unitScale,
  },
  vgg: {
    contentLayer: 'block4_conv2',
    styleLayers: layerWeights(['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1']),
    preprocess: caffe,
  },
};

/**
 * The default layers for a model recognised by its layer names (InceptionV3, MobileNetV2 or VGG); throws ValueError
 * otherwise.
 */
export function defaultLayers(m: Model): LayerChoice {
  const choice = recognise(m);
  if (choice) return choice;
  throw new ValueError(
    `style.transfer: model '${m.name}' is not InceptionV3, MobileNetV2 or VGG by its layer names; give contentLayer and styleLayers`,
  );
}

function recognise(m: Model): LayerChoice | null {
  const names = new Set(m.layers.map((l) => l.name));
  return (
    Object.values(DEFAULT_LAYERS).find(
      (c) => names.has(c.contentLayer) && c.styleLayers.every((s) => names.has(s.name)),
    ) ?? null
  );
}

/**
 * A multi-output functional model giving the named layers' activations (Keras's Model(inputs, [layer.output, ...])).
 */
export function featureExtractor(m: Model, names: readonly string[]): Model {
  if (!(m instanceof Model))
    throw new ValueError(`style.featureExtractor: expected a convkit Model, got ${m === null ? 'null' : typeof m}`);
  if (!m.built || m.inputs.length !== 1)
    throw new ValueError(`style.featureExtractor: model '${m.name}' must be built and have one input`);
  const outputs = names.map((name) => {
    const node = m.nodes.find((n) => n.layer.name === name);
    if (!node)
      throw new ValueError(
        `style.featureExtractor: model '${m.name}' has no layer named '${name}' (layers: ${m.layers.map((l) => l.name).join(', ')})`,
      );
    return node.outputs[0];
  });
  return functionalModel({ inputs: m.inputs, outputs, name: `${m.name}_features` });
}

/** [H,W,C] or [1,H,W,C] → [1,H,W,C]. */
function asBatch(x: unknown, what: string): Tensor {
  if (!(x instanceof Tensor))
    throw new ValueError(`style.transfer: ${what} must be a Tensor image, got ${x === null ? 'null' : typeof x}`);
  if (x.rank === 3) return ops.reshape(x, [1, ...x.shape]);
  if (x.rank === 4 && x.shape[0] === 1) return x;
  throw new ShapeError(`style.transfer: expected ${what} [H,W,C] or [1,H,W,C], got ${fmtShape(x.shape)}`);
}

/** Centre crop to the aspect ratio h:w, then bilinear resize to h x w. */
function fitTo(img: Tensor, h: number, w: number): Tensor {
  const [, ih, iw] = img.shape;
  if (ih === h && iw === w) return img;
  const cw = Math.min(iw, Math.round((ih * w) / h)),
    ch = Math.min(ih, Math.round((iw * h) / w));
  const cut = crop(img, { x: Math.floor((iw - cw) / 2), y: Math.floor((ih - ch) / 2), width: cw, height: ch });
  return resize(cut, h, w);
}

function positive(v: number, what: string, integer = false): number {
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
    throw new ValueError(`style.transfer: ${what} must be a non-negative ${integer ? 'integer' : 'number'}, got ${v}`);
  return v;
}

const TRANSFER_OPTIONS = optionNames<TransferOptions>({
  model: true,
  content: true,
  style: true,
  contentLayer: true,
  styleLayers: true,
  alpha: true,
  beta: true,
  tvWeight: true,
  steps: true,
  learningRate: true,
  init: true,
  seed: true,
  pixelRange: true,
  preprocess: true,
  onStep: true,
  previewEvery: true,
  optimizer: true,
  scales: true,
});

/**
 * Neural style transfer: returns G (same rank as `content`) minimising
 * J(G) = α·‖a(C) − a(G)‖² + β·Σ λ[l]·J_style[l]\(S, G) + tvWeight·TV(G) with Adam or L-BFGS on its pixels,
 * kept in the pixel range, at each of `scales` in turn (coarse to fine).
 */
export async function transfer(opts: TransferOptions): Promise<Tensor> {
  if (opts === undefined) throw new ValueError('style.transfer: expected an options object');
  checkOptions('style.transfer', opts, TRANSFER_OPTIONS);
  const m = opts.model;
  if (!(m instanceof Model)) throw new ValueError('style.transfer: model must be a convkit Model');
  const chosen = opts.contentLayer === undefined || opts.styleLayers === undefined ? defaultLayers(m) : null;
  const contentLayer = opts.contentLayer ?? chosen!.contentLayer;
  const styleSpec = opts.styleLayers ?? chosen!.styleLayers;
  if (!Array.isArray(styleSpec) || styleSpec.length === 0)
    throw new ValueError('style.transfer: styleLayers must be a non-empty array of names or { name, weight }');
  const styleLayers: StyleLayer[] = styleSpec.every((s) => typeof s === 'string')
    ? layerWeights(styleSpec as string[])
    : styleSpec.map((s) => (typeof s === 'string' ? { name: s, weight: 1 / styleSpec.length } : s));
  const alpha = positive(opts.alpha ?? 1e-6, 'alpha'),
    beta = positive(opts.beta ?? 1, 'beta'),
    tvWeight = positive(opts.tvWeight ?? 0, 'tvWeight');
  const scales = opts.scales ?? [1];
  if (
    !Array.isArray(scales) ||
    scales.length === 0 ||
    scales.some((v, i) => !(v > 0 && v <= 1) || (i > 0 && v <= scales[i - 1])) ||
    scales[scales.length - 1] !== 1
  ) {
    throw new ValueError(
      `style.transfer: scales must increase and end at 1, e.g. [0.5, 1], got ${JSON.stringify(scales)}`,
    );
  }
  const stepsSpec = opts.steps ?? 100;
  const stepsPer = typeof stepsSpec === 'number' ? scales.map(() => stepsSpec) : [...stepsSpec];
  if (stepsPer.length !== scales.length)
    throw new ValueError(`style.transfer: ${scales.length} scales but ${stepsPer.length} step counts`);
  stepsPer.forEach((n) => positive(n, 'steps', true));
  const steps = stepsPer.reduce((a, b) => a + b, 0);
  const previewEvery = positive(opts.previewEvery ?? 10, 'previewEvery', true);
  const optimizer = opts.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'lbfgs')
    throw new ValueError(`style.transfer: optimizer must be 'adam' or 'lbfgs', got '${optimizer}'`);
  const [lo, hi] = opts.pixelRange ?? [0, 255];
  if (!(hi > lo))
    throw new ValueError(`style.transfer: pixelRange must be [low, high] with low < high, got [${lo}, ${hi}]`);
  const preprocess = opts.preprocess ?? recognise(m)?.preprocess ?? unitScale;

  const contentFull = asBatch(opts.content, 'content');
  const [, h, w, c] = contentFull.shape;
  const styleImg = asBatch(opts.style, 'style');
  if (styleImg.shape[3] !== c)
    throw new ShapeError(
      `style.transfer: content has ${c} channels but style has ${styleImg.shape[3]} (shapes ${fmtShape(opts.content.shape)} and ${fmtShape(opts.style.shape)})`,
    );

  const names = [...new Set([contentLayer, ...styleLayers.map((s) => s.name)])];
  const extractor = featureExtractor(m, names);
  const features = (x: Tensor): Tensor[] => extractor.run([preprocess(x)], { training: false });
  const ci = names.indexOf(contentLayer),
    si = styleLayers.map((s) => names.indexOf(s.name));

  const start = opts.init ?? 'content';
  let g0: Tensor;
  if (start === 'content') g0 = contentFull;
  else if (start === 'noise') g0 = ops.randomUniform(contentFull.shape, { min: lo, max: hi, seed: opts.seed });
  else {
    g0 = asBatch(start, 'init');
    if (g0.shape.some((d, i) => d !== contentFull.shape[i]))
      throw new ShapeError(
        `style.transfer: init must have the content's shape ${fmtShape(contentFull.shape)}, got ${fmtShape(start.shape)}`,
      );
  }
  let step = 0,
    evaluations = 0,
    stopped = false;
  let G = g0;

  for (let level = 0; level < scales.length && !stopped; level++) {
    const sh = Math.max(8, Math.round(h * scales[level])),
      sw = Math.max(8, Math.round(w * scales[level]));
    const content = sh === h && sw === w ? contentFull : resize(contentFull, sh, sw);
    const style = fitTo(styleImg, sh, sw);
    const aC = noGrad(() => features(content)[ci]);
    const gS = noGrad(() => {
      const f = features(style);
      return si.map((i) => gramMatrix(f[i]));
    });
    const X = new Variable(G.shape[1] === sh && G.shape[2] === sw ? G : resize(G, sh, sw), {
      name: 'style_transfer/G',
    });
    clipInPlace(X.data, lo, hi);
    const outShape = opts.content.rank === 3 ? [sh, sw, c] : [1, sh, sw, c];
    let parts = { jc: 0, js: 0, jtv: 0 };
    // J and dJ/dG at the current pixels of X
    const objective = () => {
      evaluations++;
      const { value, grads } = valueAndGrads(() => {
        const f = features(X);
        const jContent = contentCost(aC, f[ci]);
        let jStyle = ops.mul(gramCost(gS[0], f[si[0]], 'style.transfer'), styleLayers[0].weight);
        for (let l = 1; l < si.length; l++)
          jStyle = ops.add(jStyle, ops.mul(gramCost(gS[l], f[si[l]], 'style.transfer'), styleLayers[l].weight));
        let J = ops.add(ops.mul(jContent, alpha), ops.mul(jStyle, beta));
        parts = { jc: jContent.data[0], js: jStyle.data[0], jtv: 0 };
        if (tvWeight > 0) {
          const tv = totalVariation(X);
          parts.jtv = tv.data[0];
          J = ops.add(J, ops.mul(tv, tvWeight));
        }
        return J;
      }, [X]);
      return { value: value.data[0], grad: grads[0].data };
    };
    // Adam's epsilon (1e-7) would swamp gradients as tiny as these costs give (1e-8 per pixel is common), and
    // L-BFGS's first step needs a scale: J is divided by its gradient's mean magnitude at the scale's first step.
    const first = objective();
    const scale = meanAbsInverse(first.grad);
    let pending: { value: number; grad: Float32Array } | null = first;
    const report = async (J: number): Promise<boolean> => {
      step++;
      const endOfScale = step === stepsPer.slice(0, level + 1).reduce((a, b) => a + b, 0);
      const preview = endOfScale || (previewEvery > 0 && step % previewEvery === 0);
      const image = preview ? new Tensor(new Float32Array(X.data), outShape) : undefined;
      const more = opts.onStep
        ? await opts.onStep({
            step,
            steps,
            J,
            Jcontent: parts.jc,
            Jstyle: parts.js,
            Jtv: parts.jtv,
            image,
            height: sh,
            width: sw,
            evaluations,
          })
        : undefined;
      // lets timers, progress output and browser frames run between the long steps
      await new Promise((r) => setTimeout(r, 0));
      return more !== false;
    };
    if (optimizer === 'adam') {
      const adam = new Adam({ learningRate: opts.learningRate ?? 5 });
      for (let i = 0; i < stepsPer[level]; i++) {
        const r = pending ?? objective();
        pending = null;
        const J = r.value;
        const gd = r.grad;
        for (let k = 0; k < gd.length; k++) gd[k] *= scale;
        adam.applyGradients([X], [new Tensor(gd, X.shape)]);
        clipInPlace(X.data, lo, hi);
        if (!(await report(J))) {
          stopped = true;
          break;
        }
      }
    } else {
      const lbfgs = new Lbfgs(
        (x) => {
          let r = pending;
          pending = null;
          if (!r) {
            X.data.set(x);
            r = objective();
          }
          const g = r.grad;
          for (let k = 0; k < g.length; k++) g[k] *= scale;
          return { value: r.value * scale, grad: g };
        },
        { bounds: [lo, hi], firstStep: opts.learningRate ?? 5 },
      );
      const x = new Float32Array(X.data);
      for (let i = 0; i < stepsPer[level]; i++) {
        const J = lbfgs.step(x) / scale;
        X.data.set(x);
        if (!(await report(J))) {
          stopped = true;
          break;
        }
      }
    }
    G = new Tensor(new Float32Array(X.data), [1, sh, sw, c]);
  }
  const [, gh, gw] = G.shape;
  return new Tensor(G.data, opts.content.rank === 3 ? [gh, gw, c] : [1, gh, gw, c]);
}

function meanAbsInverse(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += Math.abs(g[i]);
  const inv = g.length / s;
  return Number.isFinite(inv) && inv > 0 ? inv : 1;
}

function clipInPlace(d: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < d.length; i++) d[i] = d[i] < lo ? lo : d[i] > hi ? hi : d[i];
}
