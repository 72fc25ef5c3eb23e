// Tab 4: style transfer with a live preview of G. The features come from a small seeded random conv
// net (random convolutional features already capture texture statistics, and the page needs no
// weights download); the loop is the library's style.transfer with Gram-matrix style costs.
import { style, layers, Sequential, Tensor } from '../../src';
import { $, status, showTensor, pixels, loadBitmap, nextFrame } from './ui';

const SIDE = 96;

/** A colourful wave texture as the style image, RGB 0–255 [SIDE, SIDE, 3]. */
function waves(): Tensor {
  const t = new Float32Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const u = Math.sin((x + 6 * Math.sin(y / 5)) / 3);
      const i = (y * SIDE + x) * 3;
      t[i] = 128 + 120 * u;
      t[i + 1] = 90 + 80 * Math.sin(y / 4);
      t[i + 2] = 200 - 100 * u;
    }
  return new Tensor(t, [SIDE, SIDE, 3]);
}

/** The feature net: three conv layers, average pooling between them (names are the layers transfer() reads). */
function featureNet(): Sequential {
  return new Sequential(
    [
      layers.conv2d({
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        inputShape: [SIDE, SIDE, 3],
        name: 'c1',
      }),
      layers.averagePooling2d({ poolSize: 2, name: 'p1' }),
      layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c2' }),
      layers.averagePooling2d({ poolSize: 2, name: 'p2' }),
      layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c3' }),
    ],
    { name: 'random-features', seed: 3 },
  );
}

/** Runs the transfer on a crop of the sample photo, repainting G every 5 steps. */
async function run(): Promise<void> {
  status('style-status', 'busy', 'preparing…');
  await nextFrame();
  try {
    const photo = pixels(await loadBitmap('sample.jpg'), 260);
    const [h, w] = photo.shape;
    // a square crop around the middle of the group photo, resized to SIDE x SIDE
    const c = document.createElement('canvas');
    showTensor(c, photo);
    const content = pixels(
      await createImageBitmap(
        c,
        Math.round((w - h * 0.6) / 2),
        Math.round(h * 0.15),
        Math.round(h * 0.6),
        Math.round(h * 0.6),
        { resizeWidth: SIDE, resizeHeight: SIDE },
      ),
      SIDE,
    );
    const styleImg = waves();
    showTensor($<HTMLCanvasElement>('style-content'), content);
    showTensor($<HTMLCanvasElement>('style-style'), styleImg);
    const g = $<HTMLCanvasElement>('style-g');
    const steps = 40,
      t0 = performance.now();
    let first = NaN,
      last = NaN;
    await style.transfer({
      model: featureNet(),
      content,
      style: styleImg,
      contentLayer: 'c3',
      styleLayers: ['c1', 'c2', 'c3'],
      // alpha: random features give a content cost about 1e6 times the style cost; this balance keeps the faces
      // recognisable
      steps,
      previewEvery: 5,
      alpha: 3e-7,
      learningRate: 6,
      onStep: async (s) => {
        if (Number.isNaN(first)) first = s.Jstyle;
        last = s.Jstyle;
        if (s.image) {
          showTensor(g, s.image);
          status(
            'style-status',
            'busy',
            `step ${s.step}/${s.steps}: J = ${s.J.toExponential(3)}, J_style = ${s.Jstyle.toExponential(3)}`,
          );
          await nextFrame();
        }
      },
    });
    g.dataset.styleDrop = String(1 - last / first);
    status(
      'style-status',
      'ready',
      `${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; J_style fell from ${first.toExponential(2)} to ${last.toExponential(2)}`,
    );
  } catch (e) {
    status('style-status', 'error', `style transfer: ${(e as Error).message}`);
  }
}

/** Wires the run button. */
export function setupStyle(): void {
  $('run-style').addEventListener('click', run);
}
