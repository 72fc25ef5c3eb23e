// Pictures for people: a small raster surface with lines, rectangles, discs and bitmap-font text, and
// the drawing functions built on it (drawText, drawBoxes, drawPoints, montage). Every function
// returns a new image and leaves its input untouched.
import { Tensor } from '../tensor';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../errors';
import { imageDims } from './image';
import { glyphRows, measureText, ADVANCE, LINE_HEIGHT, GLYPH_WIDTH, GLYPH_HEIGHT } from './font';

/** A colour: a gray level or [r, g, b], each 0-255. */
export type Color = number | readonly [number, number, number];

/** Ten distinct colours (Tableau 10), used for classes and series in order. */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const rgb = (c: Color): readonly [number, number, number] => (typeof c === 'number' ? [c, c, c] : c);
/** Black or white, whichever reads better on `c`. */
export const contrastOn = (c: Color): Color => {
  const [r, g, b] = rgb(c);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? 0 : 255;
};

/**
 * Where a text's (x, y) sits on its box: horizontal 'start' | 'middle' | 'end', vertical 'top' | 'middle' | 'bottom'.
 */
export interface TextAnchor {
  align?: 'start' | 'middle' | 'end';
  baseline?: 'top' | 'middle' | 'bottom';
}

/** A mutable [H, W, C] drawing surface (C = 1, 3 or 4, values 0-255); toTensor() gives the image. */
export class Raster {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: number,
    background: Color = 255,
  ) {
    this.data = new Float32Array(width * height * channels);
    this.fillRect(0, 0, width, height, background);
  }

  /** A surface holding a copy of `img` ([H,W,C] or [1,H,W,C]); gray images become RGB when `color` is set. */
  static from(img: Tensor, where: string, color = false): Raster {
    const d = imageDims(img, where);
    if (d.n !== 1)
      throw new ShapeError(`${where}: expected one image [H,W,C] or [1,H,W,C], got ${fmtShape(img.shape)}`);
    if (d.c !== 1 && d.c !== 3 && d.c !== 4)
      throw new ShapeError(`${where}: expected 1, 3 or 4 channels, got ${fmtShape(img.shape)}`);
    const c = d.c === 1 && color ? 3 : d.c;
    const r = new Raster(d.w, d.h, c, 0);
    if (c === d.c) r.data.set(img.data);
    else for (let i = 0; i < d.h * d.w; i++) r.data.fill(img.data[i], i * 3, i * 3 + 3);
    return r;
  }

  /** Sets one pixel (ignored outside the surface); alpha, if any, becomes opaque. */
  set(x: number, y: number, color: Color): void {
    this.fillRect(x, y, 1, 1, color);
  }

  /** Fills the rectangle with top-left (x, y), clipped to the surface. */
  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x)),
      y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)),
      y1 = Math.min(this.height, Math.round(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    const [r, g, b] = rgb(color);
    const px =
      this.channels === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : this.channels === 3 ? [r, g, b] : [r, g, b, 255];
    const c = this.channels,
      d = this.data;
    for (let yy = y0; yy < y1; yy++) {
      for (let o = (yy * this.width + x0) * c, end = (yy * this.width + x1) * c; o < end; o += c) {
        for (let k = 0; k < c; k++) d[o + k] = px[k];
      }
    }
  }

  /** Outlines a rectangle with a border `thickness` pixels wide, drawn inside it. */
  strokeRect(x: number, y: number, w: number, h: number, color: Color, thickness = 1): void {
    const t = Math.max(1, Math.round(thickness));
    this.fillRect(x, y, w, t, color);
    this.fillRect(x, y + h - t, w, t, color);
    this.fillRect(x, y, t, h, color);
    this.fillRect(x + w - t, y, t, h, color);
  }

  /** A line `width` pixels thick; `dash` = [on, off] lengths in pixels for a dashed line. */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, width = 1, dash?: [number, number]): void {
    const len = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(len * 2));
    const half = (width - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      if (dash && (t * len) % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = x0 + (x1 - x0) * t,
        y = y0 + (y1 - y0) * t;
      this.fillRect(
        Math.round(x - half),
        Math.round(y - half),
        Math.max(1, Math.round(width)),
        Math.max(1, Math.round(width)),
        color,
      );
    }
  }

  /** A filled disc of radius r centred on (cx, cy). */
  disc(cx: number, cy: number, r: number, color: Color): void {
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r + 0.25) this.set(x, y, color);
      }
    }
  }

  /** Draws text with the built-in 5x7 font magnified `scale` times; returns its size in pixels. */
  text(
    str: string,
    x: number,
    y: number,
    color: Color,
    scale = 1,
    anchor: TextAnchor = {},
  ): { width: number; height: number } {
    const s = Math.max(1, Math.round(scale));
    const size = measureText(str, s);
    const lines = str.split('\n');
    let top = Math.round(
      y - (anchor.baseline === 'middle' ? size.height / 2 : anchor.baseline === 'bottom' ? size.height : 0),
    );
    for (const line of lines) {
      const w = measureText(line, s).width;
      let left = Math.round(x - (anchor.align === 'middle' ? w / 2 : anchor.align === 'end' ? w : 0));
      for (const ch of line) {
        const rows = glyphRows(ch);
        for (let r = 0; r < GLYPH_HEIGHT; r++) {
          for (let col = 0; col < GLYPH_WIDTH; col++) {
            if (rows[r] & (16 >> col)) this.fillRect(left + col * s, top + r * s, s, s, color);
          }
        }
        left += ADVANCE * s;
      }
      top += LINE_HEIGHT * s;
    }
    return size;
  }

  /** The surface as an image Tensor [H, W, C] (a copy). */
  toTensor(): Tensor {
    return new Tensor(this.data.slice(), [this.height, this.width, this.channels]);
  }
}

/** Options of {@link drawText}. */
export interface DrawTextOptions extends TextAnchor {
  /** Text colour (default black). */
  color?: Color;
  /** Integer magnification of the 5x7 font (default 1: 7 pixels cap height). */
  scale?: number;
  /** Fills the text's box (plus a 1-pixel margin at scale 1) with this colour first. */
  background?: Color;
}

/** Writes `text` onto a copy of `img` with its top-left corner at (x, y) pixels (see `align`/`baseline`). */
export function drawText(img: Tensor, text: string, x: number, y: number, opts: DrawTextOptions = {}): Tensor {
  const color = opts.color ?? 0;
  const r = Raster.from(
    img,
    'drawText',
    typeof color !== 'number' || (opts.background !== undefined && typeof opts.background !== 'number'),
  );
  const s = Math.max(1, Math.round(opts.scale ?? 1));
  if (opts.background !== undefined) {
    const m = measureText(text, s);
    const left = x - (opts.align === 'middle' ? m.width / 2 : opts.align === 'end' ? m.width : 0);
    const top = y - (opts.baseline === 'middle' ? m.height / 2 : opts.baseline === 'bottom' ? m.height : 0);
    r.fillRect(left - s, top - s, m.width + 2 * s, m.height + 2 * s, opts.background);
  }
  r.text(text, x, y, color, s, opts);
  return r.toTensor();
}

/** A box as detect uses it: centre form { x, y, w, h } or corners { x1, y1, x2, y2 }. */
export type BoxLike =
  { x: number; y: number; w: number; h: number } | { x1: number; y1: number; x2: number; y2: number };
/** A detection to draw: a bare box, or { box, score?, label?, classId? } (detect's results). */
export type DetectionLike =
  BoxLike | { box: BoxLike; score?: number; label?: string; classId?: number; class?: number };

/** Options of {@link drawBoxes}. */
export interface DrawBoxesOptions {
  /** One label per detection; overrides a detection's own `label`. A detection's score, if any, is appended. */
  labels?: readonly string[];
  /** Names of classes, used for detections with a `classId` and no label. */
  classNames?: readonly string[];
  /** Colours, chosen by classId when present, else by the detection's index (default PALETTE). */
  colors?: readonly Color[];
  /** 'normalized' (default, as detect's boxes: 0-1 of the image) or 'pixels'. */
  units?: 'normalized' | 'pixels';
  /** Border width in pixels (default grows with the image, at least 2). */
  lineWidth?: number;
  /** Font magnification (default 1 for images under 400 pixels, 2 above). */
  textScale?: number;
}

const cornersOf = (b: BoxLike): [number, number, number, number] =>
  'x1' in b ? [b.x1, b.y1, b.x2, b.y2] : [b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2];

/** Draws detection boxes with readable labels (text on a filled tab in the box's colour) on a copy of `img`. */
export function drawBoxes(img: Tensor, detections: readonly DetectionLike[], opts: DrawBoxesOptions = {}): Tensor {
  const r = Raster.from(img, 'drawBoxes', true);
  const colors = opts.colors ?? PALETTE;
  if (colors.length === 0) throw new ValueError('drawBoxes: colors must not be empty');
  if (opts.labels && opts.labels.length !== detections.length) {
    throw new ValueError(`drawBoxes: got ${opts.labels.length} labels for ${detections.length} detections`);
  }
  const side = Math.min(r.width, r.height);
  const lw = opts.lineWidth ?? Math.max(2, Math.round(side / 200));
  const ts = opts.textScale ?? (side >= 400 ? 2 : 1);
  const sx = opts.units === 'pixels' ? 1 : r.width,
    sy = opts.units === 'pixels' ? 1 : r.height;
  detections.forEach((det, i) => {
    const box = 'box' in det ? det.box : det;
    const meta: { score?: number; label?: string; classId?: number; class?: number } = 'box' in det ? det : {};
    const [x1, y1, x2, y2] = cornersOf(box).map((v, k) => v * (k % 2 ? sy : sx));
    if (![x1, y1, x2, y2].every(Number.isFinite))
      throw new ValueError(`drawBoxes: detection ${i} has a non-finite box ${JSON.stringify(box)}`);
    const cls = meta.classId ?? meta.class;
    const color = colors[(cls ?? i) % colors.length];
    r.strokeRect(x1, y1, x2 - x1, y2 - y1, color, lw);
    let label = opts.labels?.[i] ?? meta.label ?? (cls !== undefined ? (opts.classNames?.[cls] ?? `class ${cls}`) : '');
    if (meta.score !== undefined) label = label ? `${label} ${meta.score.toFixed(2)}` : meta.score.toFixed(2);
    if (!label) return;
    const m = measureText(label, ts);
    const tabH = m.height + 2 * ts + 2;
    // The tab sits on top of the box, or just inside it when the box touches the image's top edge.
    const top = y1 - tabH >= 0 ? y1 - tabH : y1;
    const left = Math.min(Math.max(0, x1), Math.max(0, r.width - m.width - 2 * ts - 2));
    r.fillRect(left, top, m.width + 2 * ts + 2, tabH, color);
    r.text(label, left + ts + 1, top + ts + 1, contrastOn(color), ts);
  });
  return r.toTensor();
}

/** A point to draw: { x, y } or [x, y]. */
export type PointLike = { x: number; y: number } | readonly [number, number];

/** Options of {@link drawPoints}. */
export interface DrawPointsOptions {
  /** One colour for all points (default PALETTE[3], red). */
  color?: Color;
  /** One colour per point, cycled; overrides `color`. */
  colors?: readonly Color[];
  /** Disc radius in pixels (default 1% of the image's shorter side, at least 3). */
  radius?: number;
  /** 'normalized' (default: 0-1 of the image, as detect's landmarks) or 'pixels'. */
  units?: 'normalized' | 'pixels';
  /** Writes each point's index beside it (useful to check landmark order). */
  numbers?: boolean;
}

/** Draws points (e.g. face landmarks) as filled discs on a copy of `img`; accepts a Tensor [K, 2] of (x, y) too. */
export function drawPoints(img: Tensor, points: readonly PointLike[] | Tensor, opts: DrawPointsOptions = {}): Tensor {
  const r = Raster.from(img, 'drawPoints', true);
  let pts: [number, number][];
  if (points instanceof Tensor) {
    if (points.rank !== 2 || points.shape[1] !== 2)
      throw new ShapeError(`drawPoints: expected points [K,2], got ${fmtShape(points.shape)}`);
    pts = Array.from({ length: points.shape[0] }, (_, i) => [points.data[2 * i], points.data[2 * i + 1]]);
  } else {
    pts = points.map((p) => (Array.isArray(p) ? [p[0], p[1]] : [(p as { x: number }).x, (p as { y: number }).y]));
  }
  const side = Math.min(r.width, r.height);
  const rad = opts.radius ?? Math.max(3, Math.round(side / 100));
  const sx = opts.units === 'pixels' ? 1 : r.width,
    sy = opts.units === 'pixels' ? 1 : r.height;
  pts.forEach(([px, py], i) => {
    if (!Number.isFinite(px) || !Number.isFinite(py))
      throw new ValueError(`drawPoints: point ${i} is not finite: (${px}, ${py})`);
    const c = opts.colors?.length ? opts.colors[i % opts.colors.length] : (opts.color ?? PALETTE[3]);
    const x = px * sx,
      y = py * sy;
    r.disc(x, y, rad + 1, contrastOn(c));
    r.disc(x, y, rad, c);
    if (opts.numbers) r.text(String(i), x + rad + 2, y, c, 1, { baseline: 'middle' });
  });
  return r.toTensor();
}

/** Options of {@link montage}. */
export interface MontageOptions {
  /** Tiles per row (default ceil(sqrt(n))). */
  cols?: number;
  /** Pixels between tiles and around the grid (default 2). */
  pad?: number;
  /** Integer nearest-neighbour magnification of every tile (default 1), e.g. 4 for 5x5 filters. */
  zoom?: number;
  /**
   * 'none' (default): values are drawn as they are (0-255); 'tile': each tile is stretched from its own
   * min..max to 0..255 (conv filters, feature maps); 'global': one min..max over all tiles.
   */
  scale?: 'none' | 'tile' | 'global';
  /** Colour of padding and label strips (default 255, white). */
  background?: Color;
  /** One caption per tile, written under it (e.g. "7→1"). */
  labels?: readonly string[];
  /** Caption colour (default black, or white on a dark background). */
  labelColor?: Color;
  /** Caption font magnification (default 1). */
  labelScale?: number;
}

/** Splits an activation [H,W,C] (or [1,H,W,C]) into C one-channel tiles [H,W,1], for montage. */
export function channelTiles(t: Tensor): Tensor[] {
  const d = imageDims(t, 'channelTiles');
  if (d.n !== 1) throw new ShapeError(`channelTiles: expected [H,W,C] or [1,H,W,C], got ${fmtShape(t.shape)}`);
  return Array.from({ length: d.c }, (_, k) => {
    const out = new Float32Array(d.h * d.w);
    for (let i = 0; i < out.length; i++) out[i] = t.data[i * d.c + k];
    return new Tensor(out, [d.h, d.w, 1]);
  });
}

/** Splits conv filters [fH,fW,inC,outC] into outC tiles [fH,fW,inC] (inC 1 or 3 draws as gray or colour). */
export function filterTiles(w: Tensor): Tensor[] {
  if (w.rank !== 4) throw new ShapeError(`filterTiles: expected filters [fH,fW,inC,outC], got ${fmtShape(w.shape)}`);
  const [fh, fw, ic, oc] = w.shape;
  if (ic !== 1 && ic !== 3)
    throw new ShapeError(
      `filterTiles: filters need 1 or 3 input channels to draw, got ${fmtShape(w.shape)}; split them with channelTiles per input channel`,
    );
  return Array.from({ length: oc }, (_, o) => {
    const out = new Float32Array(fh * fw * ic);
    for (let i = 0; i < out.length; i++) out[i] = w.data[i * oc + o];
    return new Tensor(out, [fh, fw, ic]);
  });
}

/** Lays images out in a grid with padding and optional captions: a digit grid, filters, feature maps. */
export function montage(images: readonly Tensor[] | Tensor, opts: MontageOptions = {}): Tensor {
  let tiles: Tensor[];
  if (images instanceof Tensor) {
    const d = imageDims(images, 'montage');
    if (!d.batched)
      throw new ShapeError(`montage: expected a batch [N,H,W,C] or an array of images, got ${fmtShape(images.shape)}`);
    const size = d.h * d.w * d.c;
    tiles = Array.from(
      { length: d.n },
      (_, i) => new Tensor(images.data.subarray(i * size, (i + 1) * size), [d.h, d.w, d.c]),
    );
  } else {
    tiles = [...images];
  }
  const n = tiles.length;
  if (n === 0) throw new ValueError('montage: no images');
  const dims = tiles.map((t, i) => {
    const d = imageDims(t, `montage (image ${i})`);
    if (d.n !== 1) throw new ShapeError(`montage: image ${i} must be [H,W,C] or [1,H,W,C], got ${fmtShape(t.shape)}`);
    if (d.c !== 1 && d.c !== 3 && d.c !== 4)
      throw new ShapeError(`montage: image ${i} needs 1, 3 or 4 channels, got ${fmtShape(t.shape)}`);
    return d;
  });
  if (opts.labels && opts.labels.length !== n)
    throw new ValueError(`montage: got ${opts.labels.length} labels for ${n} images`);
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(cols) || cols < 1)
    throw new ValueError(`montage: cols must be a positive integer, got ${fmtValue(cols)}`);
  const rows = Math.ceil(n / cols);
  const pad = opts.pad ?? 2,
    zoom = opts.zoom ?? 1,
    ls = opts.labelScale ?? 1;
  if (!Number.isInteger(zoom) || zoom < 1)
    throw new ValueError(`montage: zoom must be a positive integer, got ${fmtValue(zoom)}`);
  const background = opts.background ?? 255;
  const labelColor = opts.labelColor ?? contrastOn(background);
  const labelW = opts.labels ? Math.max(...opts.labels.map((l) => measureText(l, ls).width)) : 0;
  const cellW = Math.max(Math.max(...dims.map((d) => d.w)) * zoom, labelW);
  const tileH = Math.max(...dims.map((d) => d.h)) * zoom;
  const capH = opts.labels ? LINE_HEIGHT * ls + 2 : 0;
  const colour = dims.some((d) => d.c > 1) || typeof background !== 'number' || typeof labelColor !== 'number';
  const out = new Raster(pad + cols * (cellW + pad), pad + rows * (tileH + capH + pad), colour ? 3 : 1, background);

  let gmin = Infinity,
    gmax = -Infinity;
  if (opts.scale === 'global')
    for (const t of tiles)
      for (const v of t.data) {
        if (v < gmin) gmin = v;
        if (v > gmax) gmax = v;
      }
  tiles.forEach((t, i) => {
    const d = dims[i];
    let lo = 0,
      hi = 255;
    if (opts.scale === 'tile') {
      lo = Infinity;
      hi = -Infinity;
      for (const v of t.data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    } else if (opts.scale === 'global') {
      lo = gmin;
      hi = gmax;
    }
    const k = hi > lo ? 255 / (hi - lo) : 0; // a constant tile draws mid-gray rather than dividing by zero
    const off = hi > lo ? 0 : 128;
    const x0 = pad + (i % cols) * (cellW + pad) + Math.floor((cellW - d.w * zoom) / 2);
    const y0 = pad + Math.floor(i / cols) * (tileH + capH + pad);
    for (let y = 0; y < d.h * zoom; y++) {
      for (let x = 0; x < d.w * zoom; x++) {
        const o = (Math.floor(y / zoom) * d.w + Math.floor(x / zoom)) * d.c;
        const px = (v: number) => (k ? (v - lo) * k : off);
        const oo = ((y0 + y) * out.width + x0 + x) * out.channels;
        if (out.channels === 1) out.data[oo] = px(t.data[o]);
        else for (let ch = 0; ch < 3; ch++) out.data[oo + ch] = px(t.data[o + (d.c === 1 ? 0 : ch)]);
      }
    }
    if (opts.labels) {
      out.text(opts.labels[i], pad + (i % cols) * (cellW + pad) + cellW / 2, y0 + tileH + 2, labelColor, ls, {
        align: 'middle',
      });
    }
  });
  return out.toTensor();
}
