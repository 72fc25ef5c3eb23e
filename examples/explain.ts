// Tour step: "What are deep ConvNets really learning?" On the LeNet-5 that step 1 trained, each unit's nine
// strongest digits among all 10,000 (deeper layers: larger crops); on nsfwjs's pretrained MobileNetV2, the same
// over crops of face-api's real photographs; then saliency and Grad-CAM overlays for both.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { io, vision, ops, Tensor } from '../src';
import { NSFWJS_CLASSES } from '../src/io/pretrained';
import type { Model } from '../src';
import { trainLenet } from '../src/cli/train';
import { explainImages, photoCrops, MOBILENET_V2_LAYERS } from '../src/cli/explain';
import { mnistPackage, digitSet } from '../src/datasets/mnist';
import { samplePhoto } from './photos';

/**
 * Runs the step; `quick` uses fewer photo crops. Writes lenet-patches.png, lenet-explain.png and mobilenet-*.png to
 * `out`.
 */
export async function runExplain(o: {
  out: string;
  log: (s: string) => void;
  quick?: boolean;
}): Promise<{ files: string[] }> {
  const { out, log } = o;
  const files: string[] = [];
  const saved = join(out, 'lenet5-model');
  let lenet: Model;
  if (existsSync(join(saved, 'model.json'))) lenet = await io.load(saved);
  else {
    log('no trained LeNet-5 in the output folder (step 1): training one for 2 epochs first');
    await trainLenet({ epochs: 2, augment: true, out, log: () => {} });
    lenet = await io.load(saved);
  }
  const mnist = mnistPackage();
  const items: [number, number][] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) items.push([d, i]);
  const digits = digitSet(items);
  const t0 = performance.now();
  const grids: Tensor[] = [],
    titles: string[] = [];
  for (const [layer, nUnits] of [
    ['conv1', 6],
    ['pool1', 6],
    ['conv2', 8],
    ['pool2', 8],
  ] as const) {
    const rf = vision.receptiveField(lenet, layer, [28, 28]);
    const units = await vision.topPatches(lenet, layer, digits.x, { k: 9, batchSize: 500, distinctImages: true });
    const shown = units
      .sort((a, b) => b.patches[0].activation - a.patches[0].activation)
      .slice(0, nUnits)
      .sort((a, b) => a.unit - b.unit);
    grids.push(vision.patchGrid(digits.x, shown, { zoom: 4, range: [0, 1] }));
    titles.push(`${layer}: ${rf.y.size}x${rf.x.size} px`);
    log(
      `LeNet-5 ${layer}: receptive field ${rf.y.size}x${rf.x.size} pixels (stride ${rf.y.jump}); top digits of unit ${shown[0].unit}: ${shown[0].patches.map((p) => digits.labels[p.image]).join(' ')}`,
    );
  }
  log(`searched ${digits.labels.length} digits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const patches = join(out, 'lenet-patches.png');
  await io.writeImage(patches, vision.patchFigure(grids, titles));
  files.push(patches);

  // One digit of each class: the digit, its saliency and its Grad-CAM at conv2.
  const tiles: Tensor[] = [],
    labels: string[] = [];
  for (let d = 0; d < 10; d++) {
    const i = digits.labels.indexOf(d);
    const x = ops.slice(digits.x, [i, 0, 0, 0], [1, 28, 28, 1]);
    const shown = ops.mul(x, 255).reshape([28, 28, 1]);
    const sal = vision.saliency(lenet, x),
      cam = vision.gradCam(lenet, 'conv2', x);
    tiles.push(
      vision.resize(shown, 84, 84, {}),
      vision.resize(vision.overlay(shown, sal.map, { alpha: 0.9 }), 84, 84),
      vision.resize(vision.overlay(shown, cam.map, { alpha: 0.7 }), 84, 84),
    );
    labels.push(`digit ${d}`, `saliency→${sal.classIndex}`, `Grad-CAM→${cam.classIndex}`);
  }
  const explained = join(out, 'lenet-explain.png');
  await io.writeImage(explained, vision.montage(tiles, { cols: 6, pad: 4, labels }));
  files.push(explained);

  const t1 = performance.now();
  const photos = o.quick ? [1, 2] : [1, 2, 3, 4, 5, 6];
  const crops = await photoCrops(photos.map(samplePhoto), 224, { shortSide: 448 });
  log(
    `MobileNetV2 (nsfwjs, pretrained): ${crops.length} crops of 224x224 from face-api's demo photos ${photos.map((i) => `sample${i}.jpg`).join(', ')}`,
  );
  const r = await explainImages({
    images: crops,
    model: await io.loadNsfwjs('mobilenet_v2'),
    layers: MOBILENET_V2_LAYERS,
    camLayer: 'out_relu',
    classNames: NSFWJS_CLASSES,
    units: 6,
    out,
    prefix: 'mobilenet-',
    log,
  });
  files.push(...r.files);
  log(`MobileNetV2 explained in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  return { files };
}
