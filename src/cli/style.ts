// `convkit style content.jpg style.jpg -o out.png --steps 200 --size 256`: neural style transfer on a
// pretrained network (nsfwjs's MobileNetV2 by default, or any TF.js Layers model such as a converted VGG-16),
// writing the result and a labelled side-by-side of content, style and generated image.
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import * as io from '../io';
import * as vision from '../vision';
import * as style from '../style';
import type { Model } from '../models';
import { Command, Parsed, Log, Progress, UsageError, numberOption } from './command';

/** Options of {@link styleFiles}. */
export interface StyleFilesOptions {
  content: string | Tensor;
  style: string | Tensor;
  /** Output PNG/JPEG; the side-by-side goes beside it as <name>-side.png. */
  out: string;
  steps?: number | number[];
  /** Longest side of the generated image (default 256). */
  size?: number;
  /**
   * 'mobilenet_v2' or 'inception_v3' (nsfwjs, pretrained), a TF.js Layers model.json or folder, or a Model (default:
   * nsfwjs's MobileNetV2).
   */
  model?: string | Model;
  optimizer?: 'adam' | 'lbfgs';
  /** Coarse-to-fine fractions of the size, ending at 1 (default [1]); `steps` then gives the steps per scale. */
  scales?: number[];
  contentLayer?: string;
  styleLayers?: string[];
  alpha?: number;
  beta?: number;
  tvWeight?: number;
  learningRate?: number;
  init?: 'content' | 'noise';
  seed?: number;
  /** Repeat a small style image (a texture tile) to the content's size instead of stretching it. */
  tileStyle?: boolean;
  /** Summary lines (default none); also the progress lines when no `progress` is given. */
  log?: Log;
  /** Where the progress bar goes: redrawn in place on a terminal, a line every tenth of the run otherwise. */
  progress?: Progress;
}

/** What {@link styleFiles} did. */
export interface StyleFilesResult {
  output: string;
  sideBySide: string;
  width: number;
  height: number;
  steps: number;
  J: number[];
  Jcontent: number[];
  Jstyle: number[];
  secondsPerStep: number;
  /** CPU seconds of this process for the whole optimisation (all threads). */
  cpuSeconds: number;
}

/** Repeats a texture tile [h,w,c] over an H x W image. */
export function tile(t: Tensor, h: number, w: number): Tensor {
  const [th, tw, c] = t.shape.slice(-3);
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = ((y % th) * tw + (x % tw)) * c,
        o = (y * w + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = t.data[s + k];
    }
  return new Tensor(out, [h, w, c]);
}

const bar = (done: number, total: number, width = 24): string => {
  const n = Math.round((done / total) * width);
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}]`;
};

/** Reads the images, runs style.transfer and writes the result and the side-by-side; the core of `convkit style`. */
export async function styleFiles(o: StyleFilesOptions): Promise<StyleFilesResult> {
  const log = o.log ?? (() => {});
  const size = o.size ?? 256,
    stepsSpec = o.steps ?? 200;
  const steps =
    typeof stepsSpec === 'number' ? stepsSpec * (o.scales?.length ?? 1) : stepsSpec.reduce((a, b) => a + b, 0);
  const read = (src: string | Tensor) =>
    src instanceof Tensor ? Promise.resolve(src) : io.readImage(src, { channels: 3 });
  const photo = await read(o.content);
  const [ph, pw] = photo.shape.slice(-3);
  const scale = size / Math.max(ph, pw);
  const h = Math.max(8, Math.round(ph * scale)),
    w = Math.max(8, Math.round(pw * scale));
  const content = vision.resize(photo, h, w);
  const styleSrc = await read(o.style);
  const styleImg = o.tileStyle ? tile(styleSrc, h, w) : styleSrc;
  let m: Model;
  if (o.model === undefined) m = await io.loadNsfwjs('mobilenet_v2');
  else if (o.model === 'mobilenet_v2' || o.model === 'inception_v3') m = await io.loadNsfwjs(o.model);
  else if (typeof o.model === 'string') m = await io.load(o.model);
  else m = o.model;
  const layers = o.contentLayer && o.styleLayers ? null : style.defaultLayers(m);
  const contentLayer = o.contentLayer ?? layers!.contentLayer;
  const styleLayers = o.styleLayers ?? layers!.styleLayers;
  log(
    `style transfer: ${w}x${h} pixels, ${steps} ${o.optimizer === 'lbfgs' ? 'L-BFGS' : 'Adam'} steps${o.scales ? ` at scales ${o.scales.join(', ')}` : ''}, model '${m.name}', content layer ${contentLayer}, style layers ${styleLayers.map((s) => (typeof s === 'string' ? s : s.name)).join(', ')}`,
  );
  const J: number[] = [],
    Jc: number[] = [],
    Js: number[] = [];
  const every = Math.max(1, Math.round(steps / 10));
  const t0 = performance.now(),
    cpu0 = process.cpuUsage();
  const g = await style.transfer({
    model: m,
    content,
    style: styleImg,
    contentLayer,
    styleLayers,
    steps: stepsSpec,
    optimizer: o.optimizer,
    scales: o.scales,
    alpha: o.alpha,
    beta: o.beta,
    tvWeight: o.tvWeight,
    learningRate: o.learningRate,
    init: o.init,
    seed: o.seed,
    previewEvery: 0,
    onStep: (s) => {
      J.push(s.J);
      Jc.push(s.Jcontent);
      Js.push(s.Jstyle);
      const tty = !!o.progress?.isTTY;
      if (tty || s.step % every === 0 || s.step === 1 || s.step === steps) {
        const sec = (performance.now() - t0) / 1000;
        const line = `  step ${String(s.step).padStart(String(steps).length)}/${steps} ${bar(s.step, steps)} J ${s.J.toExponential(3)}  J_content ${s.Jcontent.toExponential(3)}  J_style ${s.Jstyle.toExponential(3)}  ${(sec / s.step).toFixed(2)} s/step`;
        if (!o.progress) log(line);
        else o.progress.write(tty ? `\r${line}${s.step === steps ? '\n' : ''}` : `${line}\n`);
      }
    },
  });
  const secondsPerStep = (performance.now() - t0) / 1000 / Math.max(J.length, 1);
  const cpu = process.cpuUsage(cpu0),
    cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await io.writeImage(o.out, g);
  const sideBySide = o.out.replace(/(\.[^./\\]+)?$/, '-side.png');
  const shownStyle = o.tileStyle ? styleImg : vision.resize(styleImg, h, w);
  await io.writeImage(
    sideBySide,
    vision.montage([content, shownStyle, g], {
      cols: 3,
      pad: 4,
      labels: ['content (C)', 'style (S)', `generated (G), ${J.length} steps`],
    }),
  );
  log(
    `J_style ${Js[0].toExponential(3)} -> ${Js[Js.length - 1].toExponential(3)} (${(100 * (1 - Js[Js.length - 1] / Js[0])).toFixed(1)}% lower), ${secondsPerStep.toFixed(2)} s/step, ${cpuSeconds.toFixed(1)} s of CPU`,
  );
  log(`wrote ${o.out} and ${sideBySide}`);
  return {
    output: o.out,
    sideBySide,
    width: w,
    height: h,
    steps: J.length,
    J,
    Jcontent: Jc,
    Jstyle: Js,
    secondsPerStep,
    cpuSeconds,
  };
}

function num(args: Parsed, name: string, integer: boolean, min: number): number | undefined {
  return numberOption(args, name, { integer, min });
}

/** The `convkit style` command. */
export const styleCommand: Command = {
  name: 'style',
  summary: 'neural style transfer: repaint a photo with the textures of another image',
  usage: '<content> <style> -o <out.png> [options]',
  needs: [{ package: 'nsfwjs', for: 'the pretrained MobileNetV2 whose features it matches', unless: 'model' }],
  options: {
    out: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      default: 'styled.png',
      help: 'output image (a side-by-side is written as FILE-side.png)',
    },
    steps: {
      type: 'string',
      arg: 'N',
      default: '200',
      help: 'optimiser steps on the pixels (per scale with --scales)',
    },
    size: { type: 'string', arg: 'PX', default: '256', help: 'longest side of the generated image' },
    model: {
      type: 'string',
      arg: 'NAME|PATH',
      help: 'mobilenet_v2 or inception_v3 (nsfwjs; inception_v3 gives smoother pictures), or a TF.js Layers model.json or folder (default: mobilenet_v2)',
    },
    optimizer: { type: 'string', arg: 'adam|lbfgs', default: 'adam', help: 'Adam, or L-BFGS as in Gatys et al.' },
    scales: {
      type: 'string',
      arg: 'A,B,..',
      help: 'coarse to fine: fractions of --size ending at 1, e.g. 0.5,1 (--steps per scale)',
    },
    'content-layer': { type: 'string', arg: 'NAME', help: 'layer for the content cost (default: per model)' },
    'style-layers': {
      type: 'string',
      arg: 'A,B,..',
      help: 'layers for the style cost, equal weights (default: per model)',
    },
    alpha: { type: 'string', arg: 'X', default: '1e-6', help: 'weight of the content cost' },
    beta: { type: 'string', arg: 'X', default: '1', help: 'weight of the style cost' },
    tv: { type: 'string', arg: 'X', default: '0', help: 'weight of total-variation smoothing' },
    lr: { type: 'string', arg: 'X', default: '5', help: 'pixels per step (Adam learning rate)' },
    init: { type: 'string', arg: 'content|noise', default: 'content', help: 'starting image' },
    seed: { type: 'string', arg: 'N', help: 'seed of the noise start' },
    tile: { type: 'boolean', help: 'repeat a small style image (texture tile) instead of stretching it' },
  },
  examples: [
    'convkit style photo.jpg starry.jpg -o out.png --steps 200 --size 256',
    'convkit style photo.jpg texture.png --tile --model vgg16/model.json -o out.png',
    'convkit style photo.jpg painting.jpg --model inception_v3 --optimizer lbfgs --size 384 --scales 0.5,1 --steps 25 --beta 3 --tv 1e-9',
  ],
  async run(args: Parsed, log: Log, progress: Progress): Promise<Record<string, unknown>> {
    if (args.positionals.length !== 2)
      throw new UsageError(`expected a content image and a style image, got ${args.positionals.length} file(s)`);
    const init = args.values.init as string;
    if (init !== 'content' && init !== 'noise') throw new UsageError(`--init expects content or noise, got '${init}'`);
    const optimizer = args.values.optimizer as string;
    if (optimizer !== 'adam' && optimizer !== 'lbfgs')
      throw new UsageError(`--optimizer expects adam or lbfgs, got '${optimizer}'`);
    const scales = args.values.scales === undefined ? undefined : String(args.values.scales).split(',').map(Number);
    if (scales && scales.some((v) => !(v > 0 && v <= 1)))
      throw new UsageError(`--scales expects fractions in (0, 1] ending at 1, got '${args.values.scales}'`);
    const hasContent = args.values['content-layer'] !== undefined,
      hasStyle = args.values['style-layers'] !== undefined;
    if (hasContent !== hasStyle) throw new UsageError('give --content-layer and --style-layers together (or neither)');
    try {
      const r = await styleFiles({
        content: args.positionals[0],
        style: args.positionals[1],
        out: args.values.out as string,
        steps: num(args, 'steps', true, 1),
        size: num(args, 'size', true, 8),
        model: args.values.model as string | undefined,
        contentLayer: args.values['content-layer'] as string | undefined,
        styleLayers: hasStyle
          ? String(args.values['style-layers'])
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined,
        alpha: num(args, 'alpha', false, 0),
        beta: num(args, 'beta', false, 0),
        tvWeight: num(args, 'tv', false, 0),
        learningRate: num(args, 'lr', false, 0),
        init,
        seed: num(args, 'seed', true, 0),
        tileStyle: !!args.values.tile,
        log,
        progress,
        optimizer,
        scales,
      });
      return {
        output: r.output,
        sideBySide: r.sideBySide,
        width: r.width,
        height: r.height,
        steps: r.steps,
        secondsPerStep: r.secondsPerStep,
        J: { first: r.J[0], last: r.J[r.J.length - 1] },
        Jcontent: { first: r.Jcontent[0], last: r.Jcontent[r.Jcontent.length - 1] },
        Jstyle: { first: r.Jstyle[0], last: r.Jstyle[r.Jstyle.length - 1] },
      };
    } catch (e) {
      if (e instanceof ValueError && /is not InceptionV3, MobileNetV2 or VGG/.test(e.message))
        throw new UsageError(`${e.message} (--content-layer, --style-layers)`);
      throw e;
    }
  },
};
