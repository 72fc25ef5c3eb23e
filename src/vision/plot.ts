// Charts for people: training history, confusion matrix, bar chart. Each chart is laid out once as a
// list of shapes, then drawn either into an image Tensor (built-in bitmap font) or as an SVG string,
// so both outputs show exactly the same picture.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { Raster, PALETTE, contrastOn, type Color, type TextAnchor } from './draw';
import { measureText, LINE_HEIGHT } from './font';

type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill?: Color; stroke?: Color }
  | { kind: 'line'; points: [number, number][]; color: Color; width: number; dash?: [number, number] }
  | { kind: 'dot'; x: number; y: number; r: number; color: Color }
  | ({ kind: 'text'; x: number; y: number; text: string; color: Color; size: number } & TextAnchor);

interface Scene {
  width: number;
  height: number;
  shapes: Shape[];
}

/** Output of a chart: 'image' (default) gives an RGB Tensor [H, W, 3], 'svg' an SVG document string. */
export type ChartFormat = 'image' | 'svg';

function render(scene: Scene, format: ChartFormat): Tensor | string {
  if (format === 'svg') return toSvg(scene);
  if (format !== 'image') throw new ValueError(`plot: format must be 'image' or 'svg', got '${format}'`);
  const r = new Raster(scene.width, scene.height, 3, 255);
  for (const s of scene.shapes) {
    if (s.kind === 'rect') {
      if (s.fill !== undefined) r.fillRect(s.x, s.y, s.w, s.h, s.fill);
      if (s.stroke !== undefined) r.strokeRect(s.x, s.y, s.w + 1, s.h + 1, s.stroke, 1);
    } else if (s.kind === 'line') {
      for (let i = 1; i < s.points.length; i++) r.line(...s.points[i - 1], ...s.points[i], s.color, s.width, s.dash);
    } else if (s.kind === 'dot') {
      r.disc(s.x, s.y, s.r, s.color);
    } else {
      r.text(s.text, s.x, s.y, s.color, s.size, s);
    }
  }
  return r.toTensor();
}

const css = (c: Color): string => (typeof c === 'number' ? `rgb(${c},${c},${c})` : `rgb(${c[0]},${c[1]},${c[2]})`);
const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toSvg(scene: Scene): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  for (const s of scene.shapes) {
    if (s.kind === 'rect') {
      out.push(
        `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" fill="${s.fill === undefined ? 'none' : css(s.fill)}"${s.stroke === undefined ? '' : ` stroke="${css(s.stroke)}"`}/>`,
      );
    } else if (s.kind === 'line') {
      const pts = s.points.map(([x, y]) => `${+x.toFixed(2)},${+y.toFixed(2)}`).join(' ');
      out.push(
        `<polyline points="${pts}" fill="none" stroke="${css(s.color)}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash.join(' ')}"` : ''} stroke-linejoin="round"/>`,
      );
    } else if (s.kind === 'dot') {
      out.push(`<circle cx="${+s.x.toFixed(2)}" cy="${+s.y.toFixed(2)}" r="${s.r}" fill="${css(s.color)}"/>`);
    } else {
      // The bitmap font's line is 10 units per scale step; the SVG font size matches its cap height.
      const lines = s.text.split('\n');
      const anchor = s.align === 'middle' ? 'middle' : s.align === 'end' ? 'end' : 'start';
      const h = measureText(s.text, s.size).height;
      const top = s.y - (s.baseline === 'middle' ? h / 2 : s.baseline === 'bottom' ? h : 0);
      lines.forEach((line, i) => {
        const y = top + (i * LINE_HEIGHT + 7) * s.size;
        out.push(
          `<text x="${s.x}" y="${y}" font-size="${10 * s.size}" fill="${css(s.color)}" text-anchor="${anchor}">${esc(line)}</text>`,
        );
      });
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Evenly spaced round tick values covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step + 1e-9) * step; v <= hi + step * (1 - 1e-9); v += step)
    ticks.push(+v.toPrecision(12));
  return ticks;
}

const tickLabel = (v: number, step: number): string =>
  v.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));

/** Training history as Keras gives it: { loss: [...], val_loss: [...] }, a History with .history, or per-epoch rows. */
export type HistoryLike =
  | Record<string, readonly number[]>
  | { history: Record<string, readonly number[]> }
  | readonly Record<string, number>[];

/** Options of {@link plotHistory}. */
export interface PlotHistoryOptions {
  /**
   * Metrics to draw, one panel each (default: every key that does not start with 'val_'). val_<m> joins <m>'s panel.
   */
  metrics?: readonly string[];
  /** Width of the whole picture in pixels (default 420 per panel). */
  width?: number;
  /** Height in pixels (default 320). */
  height?: number;
  /** Title over the panels (default 'Training history'). */
  title?: string;
  /** 'image' (default) or 'svg'. */
  format?: ChartFormat;
}

function seriesOf(history: HistoryLike): Record<string, readonly number[]> {
  if (Array.isArray(history)) {
    const out: Record<string, number[]> = {};
    history.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) if (typeof v === 'number') (out[k] ??= [])[i] = v;
    });
    return out;
  }
  if (history && typeof history === 'object' && 'history' in history && typeof history.history === 'object')
    return history.history as Record<string, readonly number[]>;
  return history as Record<string, readonly number[]>;
}

/** One chart panel: axes with ticks and grid, a title, lines for each series and a legend. */
function panel(
  shapes: Shape[],
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  series: { name: string; values: readonly number[]; color: Color; dash?: [number, number] }[],
): void {
  const left = x0 + 52,
    right = x0 + w - 14,
    top = y0 + 24,
    bottom = y0 + h - 34;
  shapes.push({ kind: 'text', x: (left + right) / 2, y: y0 + 6, text: title, color: 0, size: 1, align: 'middle' });
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const n = Math.max(...series.map((s) => s.values.length));
  const yt = niceTicks(Math.min(...all), Math.max(...all), Math.max(3, Math.floor((bottom - top) / 45)));
  const xt = niceTicks(1, Math.max(n, 2), Math.max(2, Math.min(n - 1, Math.floor((right - left) / 50)))).filter(
    (v) => Number.isInteger(v) && v >= 1,
  );
  const [ylo, yhi] = [yt[0], yt[yt.length - 1]];
  const xlo = 1,
    xhi = Math.max(n, 2);
  const px = (e: number) => left + ((e - xlo) / (xhi - xlo)) * (right - left);
  const py = (v: number) => bottom - ((v - ylo) / (yhi - ylo)) * (bottom - top);
  const ystep = yt.length > 1 ? yt[1] - yt[0] : 1;
  for (const v of yt) {
    shapes.push({
      kind: 'line',
      points: [
        [left, py(v)],
        [right, py(v)],
      ],
      color: 225,
      width: 1,
    });
    shapes.push({
      kind: 'text',
      x: left - 5,
      y: py(v),
      text: tickLabel(v, ystep),
      color: 60,
      size: 1,
      align: 'end',
      baseline: 'middle',
    });
  }
  for (const e of xt) {
    if (e > xhi) continue;
    shapes.push({
      kind: 'line',
      points: [
        [px(e), bottom],
        [px(e), bottom + 4],
      ],
      color: 0,
      width: 1,
    });
    shapes.push({ kind: 'text', x: px(e), y: bottom + 7, text: String(e), color: 60, size: 1, align: 'middle' });
  }
  shapes.push({
    kind: 'text',
    x: (left + right) / 2,
    y: bottom + 20,
    text: 'epoch',
    color: 60,
    size: 1,
    align: 'middle',
  });
  shapes.push({
    kind: 'line',
    points: [
      [left, top],
      [left, bottom],
      [right, bottom],
    ],
    color: 0,
    width: 1,
  });
  for (const s of series) {
    // A non-finite value (a diverged loss) breaks the line rather than dragging the axis to infinity.
    let run: [number, number][] = [];
    const flush = () => {
      if (run.length > 1) shapes.push({ kind: 'line', points: run, color: s.color, width: 2, dash: s.dash });
      run = [];
    };
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) run.push([px(i + 1), py(v)]);
      else flush();
    });
    flush();
    if (n <= 40)
      s.values.forEach((v, i) => {
        if (Number.isFinite(v)) shapes.push({ kind: 'dot', x: px(i + 1), y: py(v), r: 2.5, color: s.color });
      });
  }
  const lw = Math.max(...series.map((s) => measureText(s.name).width)) + 34,
    lh = series.length * 14 + 6;
  // The legend goes in whichever corner covers the fewest plotted points (a loss falls to the
  // bottom right, an accuracy climbs to the top right).
  const pts = series.flatMap((s) => s.values.map((v, i) => [px(i + 1), py(v)] as const));
  const corners = [
    [right - lw - 6, top + 6],
    [right - lw - 6, bottom - lh - 6],
    [left + 8, top + 6],
    [left + 8, bottom - lh - 6],
  ];
  const covered = ([x, y]: number[]) =>
    pts.filter(([a, b]) => a >= x - 4 && a <= x + lw + 4 && b >= y - 4 && b <= y + lh + 4).length;
  const [lx, ly] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));
  shapes.push({ kind: 'rect', x: lx, y: ly, w: lw, h: lh, fill: 255, stroke: 170 });
  series.forEach((s, i) => {
    const y = ly + 10 + i * 14;
    shapes.push({
      kind: 'line',
      points: [
        [lx + 5, y],
        [lx + 25, y],
      ],
      color: s.color,
      width: 2,
      dash: s.dash,
    });
    shapes.push({ kind: 'text', x: lx + 30, y, text: s.name, color: 0, size: 1, baseline: 'middle' });
  });
}

/** Line chart of training history (loss, accuracy, ... per epoch, validation dashed), as an image or SVG. */
export function plotHistory(history: HistoryLike, opts: PlotHistoryOptions & { format: 'svg' }): string;
export function plotHistory(history: HistoryLike, opts?: PlotHistoryOptions & { format?: 'image' }): Tensor;
export function plotHistory(history: HistoryLike, opts: PlotHistoryOptions = {}): Tensor | string {
  const all = seriesOf(history);
  const keys = Object.keys(all ?? {}).filter((k) => Array.isArray(all[k]) && all[k].length > 0);
  const metrics = opts.metrics ?? keys.filter((k) => !k.startsWith('val_'));
  if (metrics.length === 0)
    throw new ValueError(`plotHistory: no metrics to plot (history has: ${keys.join(', ') || 'nothing'})`);
  for (const m of metrics) {
    if (!keys.includes(m) && !keys.includes(`val_${m}`))
      throw new ValueError(`plotHistory: history has no '${m}' (it has: ${keys.join(', ')})`);
  }
  const width = opts.width ?? 420 * metrics.length,
    height = opts.height ?? 320;
  if (width < 160 * metrics.length || height < 120)
    throw new ValueError(`plotHistory: ${width}x${height} is too small for ${metrics.length} panel(s)`);
  const shapes: Shape[] = [];
  shapes.push({
    kind: 'text',
    x: width / 2,
    y: 8,
    text: opts.title ?? 'Training history',
    color: 0,
    size: 2,
    align: 'middle',
  });
  const pw = width / metrics.length;
  metrics.forEach((m, i) => {
    const series = [m, `val_${m}`]
      .filter((k) => keys.includes(k))
      .map((k) => ({
        name: k,
        values: all[k],
        color: PALETTE[k.startsWith('val_') ? 1 : 0],
        dash: k.startsWith('val_') ? ([6, 4] as [number, number]) : undefined,
      }));
    panel(shapes, Math.round(i * pw), 28, Math.round(pw), height - 28, m, series);
  });
  return render({ width, height, shapes }, opts.format ?? 'image');
}

/** Options of {@link plotConfusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** Title (default 'Confusion matrix'). */
  title?: string;
  /** Colour cells by each row's share (recall) instead of raw counts; the text still shows counts. */
  normalize?: boolean;
  /** Cell side in pixels (default 40). */
  cellSize?: number;
  /** 'image' (default) or 'svg'. */
  format?: ChartFormat;
}

/** Heat map of a confusion matrix (rows: true class, columns: predicted), with the count in every cell. */
export function plotConfusionMatrix(
  matrix: readonly (readonly number[])[] | Tensor,
  labels?: readonly string[],
  opts?: ConfusionMatrixOptions & { format?: 'image' },
): Tensor;
export function plotConfusionMatrix(
  matrix: readonly (readonly number[])[] | Tensor,
  labels: readonly string[] | undefined,
  opts: ConfusionMatrixOptions & { format: 'svg' },
): string;
export function plotConfusionMatrix(
  matrix: readonly (readonly number[])[] | Tensor,
  labels?: readonly string[],
  opts: ConfusionMatrixOptions = {},
): Tensor | string {
  let m: number[][];
  if (matrix instanceof Tensor) {
    if (matrix.rank !== 2 || matrix.shape[0] !== matrix.shape[1])
      throw new ShapeError(`plotConfusionMatrix: expected a square matrix [K,K], got ${fmtShape(matrix.shape)}`);
    const k = matrix.shape[0];
    m = Array.from({ length: k }, (_, i) => Array.from(matrix.data.subarray(i * k, (i + 1) * k)));
  } else {
    m = matrix.map((r) => [...r]);
    if (m.some((r) => r.length !== m.length))
      throw new ShapeError(
        `plotConfusionMatrix: expected a square matrix, got ${m.length} rows of lengths ${m.map((r) => r.length).join(',')}`,
      );
  }
  const k = m.length;
  if (k === 0) throw new ShapeError('plotConfusionMatrix: empty matrix');
  const names = labels ?? m.map((_, i) => String(i));
  if (names.length !== k) throw new ValueError(`plotConfusionMatrix: got ${names.length} labels for ${k} classes`);
  const nameW = Math.max(...names.map((n) => measureText(n).width));
  // Cells widen to fit the longest class name, so column headings never overlap.
  const cell = Math.max(opts.cellSize ?? 40, nameW + 8);
  const left = 30 + nameW + 8,
    top = 62;
  const width = Math.max(left + k * cell + 16, measureText(opts.title ?? 'Confusion matrix', 2).width + 20);
  const height = top + k * cell + 28;
  const shapes: Shape[] = [];
  shapes.push({
    kind: 'text',
    x: width / 2,
    y: 8,
    text: opts.title ?? 'Confusion matrix',
    color: 0,
    size: 2,
    align: 'middle',
  });
  shapes.push({
    kind: 'text',
    x: left + (k * cell) / 2,
    y: 32,
    text: 'predicted',
    color: 60,
    size: 1,
    align: 'middle',
  });
  const rowSum = m.map((r) => r.reduce((a, b) => a + b, 0));
  const max = Math.max(...m.flat());
  m.forEach((row, i) => {
    shapes.push({
      kind: 'text',
      x: left - 6,
      y: top + i * cell + cell / 2,
      text: names[i],
      color: 0,
      size: 1,
      align: 'end',
      baseline: 'middle',
    });
    row.forEach((v, j) => {
      const share = opts.normalize ? (rowSum[i] > 0 ? v / rowSum[i] : 0) : max > 0 ? v / max : 0;
      // White to a deep blue (PALETTE[0]) as the share grows.
      const fill: Color = [0, 1, 2].map((c) =>
        Math.round(255 + (PALETTE[0][c] * 0.75 - 255) * share),
      ) as unknown as Color;
      shapes.push({ kind: 'rect', x: left + j * cell, y: top + i * cell, w: cell, h: cell, fill, stroke: 200 });
      const txt = Number.isInteger(v) ? String(v) : v.toFixed(2);
      shapes.push({
        kind: 'text',
        x: left + j * cell + cell / 2,
        y: top + i * cell + cell / 2,
        text: txt,
        color: contrastOn(fill),
        size: 1,
        align: 'middle',
        baseline: 'middle',
      });
    });
  });
  names.forEach((n, j) =>
    shapes.push({
      kind: 'text',
      x: left + j * cell + cell / 2,
      y: top - 6,
      text: n,
      color: 0,
      size: 1,
      align: 'middle',
      baseline: 'bottom',
    }),
  );
  shapes.push({ kind: 'text', x: 6, y: top + (k * cell) / 2, text: 'true', color: 60, size: 1, baseline: 'middle' });
  return render({ width, height, shapes }, opts.format ?? 'image');
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** Title (default none). */
  title?: string;
  /** Index of a bar to draw in the accent colour (e.g. the true class); default the largest value. */
  highlight?: number;
  /** Width in pixels (default 420). */
  width?: number;
  /** Height of one bar row in pixels (default 18). */
  barHeight?: number;
  /** 'image' (default) or 'svg'. */
  format?: ChartFormat;
}

/** Horizontal bar chart (e.g. class probabilities), one labelled bar per value with the value written at its end. */
export function barChart(
  values: readonly number[] | Tensor,
  labels?: readonly string[],
  opts?: BarChartOptions & { format?: 'image' },
): Tensor;
export function barChart(
  values: readonly number[] | Tensor,
  labels: readonly string[] | undefined,
  opts: BarChartOptions & { format: 'svg' },
): string;
export function barChart(
  values: readonly number[] | Tensor,
  labels?: readonly string[],
  opts: BarChartOptions = {},
): Tensor | string {
  const v = values instanceof Tensor ? Array.from(values.data) : [...values];
  if (v.length === 0) throw new ValueError('barChart: no values');
  if (v.some((x) => !Number.isFinite(x))) throw new ValueError('barChart: values must be finite numbers');
  const names = labels ?? v.map((_, i) => String(i));
  if (names.length !== v.length) throw new ValueError(`barChart: got ${names.length} labels for ${v.length} values`);
  const width = opts.width ?? 420,
    bh = opts.barHeight ?? 18;
  const hi = opts.highlight ?? v.indexOf(Math.max(...v));
  const lo = Math.min(0, ...v),
    top0 = Math.max(0, ...v);
  const nameW = Math.max(...names.map((n) => measureText(n).width));
  const fmt = (x: number) => (Math.abs(x) < 1000 && !Number.isInteger(x) ? x.toFixed(3) : String(x));
  const valW = Math.max(...v.map((x) => measureText(fmt(x)).width));
  const titleH = opts.title ? 30 : 8;
  const left = 8 + nameW + 8,
    right = width - valW - 14;
  if (right - left < 40) throw new ValueError(`barChart: width ${width} leaves no room for bars`);
  const height = titleH + v.length * bh + 8;
  const px = (x: number) => left + ((x - lo) / (top0 - lo || 1)) * (right - left);
  const shapes: Shape[] = [];
  if (opts.title)
    shapes.push({ kind: 'text', x: width / 2, y: 8, text: opts.title, color: 0, size: 2, align: 'middle' });
  v.forEach((x, i) => {
    const y = titleH + i * bh;
    const a = px(Math.min(0, x)),
      b = px(Math.max(0, x));
    shapes.push({
      kind: 'text',
      x: left - 8,
      y: y + bh / 2,
      text: names[i],
      color: 0,
      size: 1,
      align: 'end',
      baseline: 'middle',
    });
    shapes.push({
      kind: 'rect',
      x: a,
      y: y + 2,
      w: Math.max(1, b - a),
      h: bh - 4,
      fill: i === hi ? PALETTE[1] : PALETTE[0],
    });
    shapes.push({ kind: 'text', x: b + 4, y: y + bh / 2, text: fmt(x), color: 40, size: 1, baseline: 'middle' });
  });
  shapes.push({
    kind: 'line',
    points: [
      [px(0), titleH],
      [px(0), titleH + v.length * bh],
    ],
    color: 0,
    width: 1,
  });
  return render({ width, height, shapes }, opts.format ?? 'image');
}
