// Small DOM and canvas helpers shared by the demo's tabs.
import { io, Tensor } from '../../src';

/** The element with this id (throws if the page lacks it, so a typo fails loudly). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: no element #${id}`);
  return el as T;
}

/** Sets a status line; `data-state` lets tests wait for 'ready' or 'error'. */
export function status(id: string, state: 'idle' | 'busy' | 'ready' | 'error', text: string): void {
  const el = $(id);
  el.dataset.state = state;
  el.textContent = text;
}

/** Lets the browser paint between heavy steps (the library runs on the page's thread). */
export const nextFrame = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Draws an image tensor [H,W,C] (C = 1 or 3) on a canvas sized to it; `scale` as io.toImageData. */
export function showTensor(canvas: HTMLCanvasElement, t: Tensor, scale: 'clamp' | 'auto' = 'clamp'): void {
  const img = io.toImageData(t, { scale });
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

/**
 * Reads the pixels of an image, bitmap or canvas, downscaled so its longer side is at most `maxSide`, as RGB 0–255
 * [H,W,3].
 */
export function pixels(src: CanvasImageSource & { width: number; height: number }, maxSide: number): Tensor {
  const k = Math.min(1, maxSide / Math.max(src.width, src.height));
  const c = document.createElement('canvas');
  c.width = Math.round(src.width * k);
  c.height = Math.round(src.height * k);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(src, 0, 0, c.width, c.height);
  return io.fromImageData(ctx.getImageData(0, 0, c.width, c.height));
}

/** Loads an image by URL into an ImageBitmap. */
export async function loadBitmap(url: string): Promise<ImageBitmap> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return createImageBitmap(await r.blob());
}

/** A line plot of `values` (e.g. the loss per batch) with its last value printed. */
export function lineChart(canvas: HTMLCanvasElement, values: number[], label: string): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#666';
  ctx.font = '12px sans-serif';
  if (!values.length) return;
  const max = Math.max(...values),
    pad = 20;
  ctx.strokeStyle = '#2b6cb0';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = pad + (i / Math.max(1, values.length - 1)) * (W - 2 * pad);
    const y = H - pad - (v / (max || 1)) * (H - 2 * pad);
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  });
  ctx.stroke();
  ctx.fillText(`${label}: ${values[values.length - 1].toFixed(3)} (max ${max.toFixed(2)})`, pad, 14);
}

/** One bar of a grouped bar chart. */
export interface Bar {
  group: string;
  series: string;
  value: number;
}

const COLORS = ['#a0aec0', '#4299e1', '#2b6cb0', '#dd6b20', '#38a169'];

/** A grouped bar chart: one group per op, one coloured bar per series (backend), values printed on the bars. */
export function barChart(canvas: HTMLCanvasElement, bars: Bar[], unit: string): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  const groups = [...new Set(bars.map((b) => b.group))],
    series = [...new Set(bars.map((b) => b.series))];
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const top = 52,
    bottom = 30,
    left = 10,
    gw = (W - left) / groups.length,
    bw = (gw - 30) / series.length;
  ctx.font = '12px sans-serif';
  let lx = left; // legend entries sit side by side, each as wide as its name
  series.forEach((s, i) => {
    ctx.fillStyle = COLORS[i % COLORS.length];
    ctx.fillRect(lx, 8, 12, 12);
    ctx.fillStyle = '#222';
    ctx.fillText(s, lx + 16, 18);
    lx += 16 + ctx.measureText(s).width + 18;
  });
  groups.forEach((g, gi) => {
    ctx.fillStyle = '#222';
    ctx.fillText(g, left + gi * gw + 4, H - 10);
    series.forEach((s, si) => {
      const b = bars.find((x) => x.group === g && x.series === s);
      if (!b) return;
      const h = (b.value / max) * (H - top - bottom),
        x = left + gi * gw + si * bw,
        y = H - bottom - h;
      ctx.fillStyle = COLORS[si % COLORS.length];
      ctx.fillRect(x, y, bw - 4, h);
      ctx.fillStyle = '#222';
      ctx.fillText(`${b.value.toFixed(b.value < 10 ? 2 : 1)}`, x, y - 3);
    });
  });
  ctx.fillText(unit, left, 38);
}
