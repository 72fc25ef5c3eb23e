// Tab 2: the notes' edge filters on a photo: vertical and horizontal (the 3x3 [1,0,-1] filters),
// Sobel and Scharr gradient magnitudes, side by side, with the time each took.
import { vision, ops, Tensor } from '../../src';
import { $, status, showTensor, pixels, loadBitmap, nextFrame } from './ui';

/** |x|, so dark-to-bright and bright-to-dark edges both show as bright. */
const abs = (t: Tensor) => new Tensor(t.data.map(Math.abs), t.shape);

/** Runs the four filters on an RGB image [H,W,3] and draws them. */
async function run(img: Tensor, what: string): Promise<void> {
  status('edges-status', 'busy', `running the filters on ${what}…`);
  await nextFrame();
  const gray = vision.toGrayscale(img);
  const views: [string, () => Tensor][] = [
    ['input (grayscale)', () => gray],
    [
      'vertical [1,0,-1]',
      () =>
        abs(
          ops
            .conv2d(gray.reshape([1, ...gray.shape]), vision.filters.vertical, { padding: 'same' })
            .reshape(gray.shape),
        ),
    ],
    [
      'horizontal',
      () =>
        abs(
          ops
            .conv2d(gray.reshape([1, ...gray.shape]), vision.filters.horizontal, { padding: 'same' })
            .reshape(gray.shape),
        ),
    ],
    ['Sobel magnitude', () => vision.edges(gray, { filter: 'sobel', padding: 'reflect' }).magnitude],
    ['Scharr magnitude', () => vision.edges(gray, { filter: 'scharr', padding: 'reflect' }).magnitude],
  ];
  const grid = $('edges');
  grid.innerHTML = '';
  for (const [name, f] of views) {
    const t0 = performance.now();
    const out = f();
    const ms = performance.now() - t0;
    const fig = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.className = 'edge';
    canvas.dataset.filter = name;
    showTensor(canvas, out, 'auto');
    const cap = document.createElement('figcaption');
    cap.textContent =
      name === views[0][0] ? `${name}, ${gray.shape[1]}x${gray.shape[0]}` : `${name} (${ms.toFixed(1)} ms)`;
    fig.append(canvas, cap);
    grid.append(fig);
  }
  status('edges-status', 'ready', `filters run on ${what}`);
}

/** Wires the sample-photo button and the file upload. */
export function setupEdges(): () => Promise<void> {
  const sample = async () => {
    try {
      await run(pixels(await loadBitmap('sample.jpg'), 360), 'the sample photo');
    } catch (e) {
      status('edges-status', 'error', String((e as Error).message));
    }
  };
  $('run-edges').addEventListener('click', sample);
  $<HTMLInputElement>('upload').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      await run(pixels(await createImageBitmap(file), 360), file.name);
    } catch (err) {
      status('edges-status', 'error', String((err as Error).message));
    }
  });
  return sample;
}
