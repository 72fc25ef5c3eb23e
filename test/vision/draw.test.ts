// Drawing and charts: the font's glyphs, text placement, boxes, points, montage layout, and the charts
// (image and SVG). The pictures are also written to out/vision/ for a person to look at.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor';
import { ShapeError, ValueError } from '../../src/errors';
import {
  drawText,
  drawBoxes,
  drawPoints,
  montage,
  channelTiles,
  filterTiles,
  plotHistory,
  plotConfusionMatrix,
  barChart,
  PALETTE,
} from '../../src/vision';
import { glyphRows, measureText } from '../../src/vision/font';
import { writeImage } from '../../src/io';

const outDir = join(__dirname, '../../out/vision');
const pictures: [string, Tensor][] = [];
afterAll(async () => {
  for (const [name, t] of pictures) await writeImage(join(outDir, name), t);
});

const filled = (h: number, w: number, c: number, v: number) =>
  new Tensor(new Float32Array(h * w * c).fill(v), [h, w, c]);
const px = (t: Tensor, x: number, y: number) =>
  Array.from(t.data.subarray((y * t.shape[1] + x) * t.shape[2], (y * t.shape[1] + x + 1) * t.shape[2]));
const countWhere = (t: Tensor, f: (p: Float32Array) => boolean) => {
  let n = 0;
  const c = t.shape[2];
  for (let o = 0; o < t.size; o += c) if (f(t.data.subarray(o, o + c))) n++;
  return n;
};
const isColor = (c: readonly number[]) => (p: ArrayLike<number>) => p[0] === c[0] && p[1] === c[1] && p[2] === c[2];

describe('font', () => {
  it('has a distinct, non-empty glyph for every printable ASCII character', () => {
    const seen = new Map<string, string>();
    for (let code = 33; code < 127; code++) {
      const ch = String.fromCharCode(code);
      const rows = glyphRows(ch);
      expect(
        rows.some((r) => r !== 0),
        ch,
      ).toBe(true);
      expect(
        rows.every((r) => r < 32),
        ch,
      ).toBe(true);
      const key = rows.join(',');
      expect(seen.get(key), `${ch} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
    }
    expect(glyphRows(' ').every((r) => r === 0)).toBe(true);
    expect(glyphRows('→').join()).not.toBe(glyphRows('\u2603').join()); // the arrow exists; a snowman is the unknown box
  });

  it('measures text', () => {
    expect(measureText('ab\ncd', 2)).toEqual({ width: 22, height: 38 });
    expect(measureText('', 1).width).toBe(0);
  });
});

describe('drawText', () => {
  it("draws an 'I' where asked, at scale 1 and 2, leaving the input untouched", () => {
    const img = filled(14, 12, 1, 255);
    const out = drawText(img, 'I', 2, 3);
    expect(img.data.every((v) => v === 255)).toBe(true);
    const dark: string[] = [];
    for (let y = 0; y < 14; y++) for (let x = 0; x < 12; x++) if (px(out, x, y)[0] === 0) dark.push(`${x},${y}`);
    // Top bar x = 3..5 at y = 3, stem x = 4 for y = 4..8, bottom bar at y = 9.
    const expected = ['3,3', '4,3', '5,3', '4,4', '4,5', '4,6', '4,7', '4,8', '3,9', '4,9', '5,9'];
    expect(dark.sort()).toEqual(expected.sort());
    expect(countWhere(drawText(filled(30, 30, 1, 255), 'I', 0, 0, { scale: 2 }), (p) => p[0] === 0)).toBe(44);
  });

  it('coloured text on a gray image gives RGB; anchors move the text', () => {
    const out = drawText(filled(20, 40, 1, 255), 'Hi', 20, 10, {
      color: [255, 0, 0],
      align: 'middle',
      baseline: 'middle',
      background: [0, 0, 255],
    });
    expect(out.shape).toEqual([20, 40, 3]);
    expect(countWhere(out, isColor([255, 0, 0]))).toBeGreaterThan(10);
    // 'Hi' is 11 pixels wide, centred on x = 20: nothing red left of x = 14 or right of x = 25.
    for (let y = 0; y < 20; y++) for (const x of [0, 13, 26, 39]) expect(px(out, x, y)).not.toEqual([255, 0, 0]);
    pictures.push(['text.png', out]);
  });
});

describe('drawBoxes and drawPoints', () => {
  it('draws the border in the colour, keeps the inside, and puts a label tab above', () => {
    const img = filled(100, 200, 1, 128);
    const red = [255, 0, 0] as const;
    const out = drawBoxes(img, [{ box: { x1: 0.25, y1: 0.4, x2: 0.75, y2: 0.9 }, score: 0.5, label: 'car' }], {
      colors: [red],
      lineWidth: 2,
    });
    expect(out.shape).toEqual([100, 200, 3]);
    expect(px(out, 50, 60)).toEqual([...red]); // left edge x = 50
    expect(px(out, 51, 60)).toEqual([...red]);
    expect(px(out, 52, 60)).toEqual([128, 128, 128]);
    expect(px(out, 100, 65)).toEqual([128, 128, 128]); // inside
    expect(px(out, 100, 89)).toEqual([...red]); // bottom edge, y2 = 90 exclusive
    let tab = 0;
    for (let y = 0; y < 40; y++) for (let x = 50; x < 150; x++) if (isColor(red)(px(out, x, y))) tab++;
    expect(tab).toBeGreaterThan(50); // the label tab sits above y1 = 40
    expect(countWhere(out, isColor([255, 255, 255]))).toBeGreaterThan(20); // white text on red
    const same = drawBoxes(img, [{ box: { x: 100, y: 65, w: 100, h: 50 }, score: 0.5, label: 'car' }], {
      colors: [red],
      lineWidth: 2,
      units: 'pixels',
    });
    expect(Array.from(same.data)).toEqual(Array.from(out.data));
    pictures.push([
      'boxes.png',
      drawBoxes(
        filled(240, 320, 3, 235),
        [
          { box: { x: 0.3, y: 0.5, w: 0.3, h: 0.4 }, score: 0.93, classId: 0 },
          { box: { x1: 0.6, y1: 0, x2: 0.95, y2: 0.5 }, score: 0.71, classId: 1 },
        ],
        { classNames: ['car', 'pedestrian'] },
      ),
    ]);
  });

  it('rejects mismatched labels and bad boxes', () => {
    const img = filled(10, 10, 3, 0);
    expect(() => drawBoxes(img, [{ x: 0.5, y: 0.5, w: 0.2, h: 0.2 }], { labels: ['a', 'b'] })).toThrow(ValueError);
    expect(() => drawBoxes(img, [{ x: NaN, y: 0.5, w: 0.2, h: 0.2 }])).toThrow(/non-finite/);
    expect(() => drawBoxes(new Tensor(new Float32Array(20), [2, 2, 5]), [])).toThrow(ShapeError);
  });

  it('draws points from arrays, objects and a [K,2] tensor', () => {
    const img = filled(50, 50, 3, 0);
    const a = drawPoints(img, [[0.2, 0.4], { x: 0.8, y: 0.6 }], { radius: 3, color: [0, 255, 0] });
    expect(px(a, 10, 20)).toEqual([0, 255, 0]);
    expect(px(a, 40, 30)).toEqual([0, 255, 0]);
    expect(px(a, 25, 25)).toEqual([0, 0, 0]);
    const b = drawPoints(img, new Tensor(Float32Array.from([10, 20, 40, 30]), [2, 2]), {
      radius: 3,
      color: [0, 255, 0],
      units: 'pixels',
    });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(() => drawPoints(img, new Tensor(new Float32Array(6), [2, 3]))).toThrow(ShapeError);
  });
});

describe('montage', () => {
  const tile = (v: number, h = 4, w = 3, c = 1) =>
    new Tensor(
      Float32Array.from({ length: h * w * c }, (_, i) => v + i),
      [h, w, c],
    );

  it('lays tiles out in rows with padding and zoom', () => {
    const tiles = Array.from({ length: 7 }, (_, i) => tile(i * 20));
    const m = montage(tiles, { cols: 3, pad: 2, zoom: 2, background: 255 });
    expect(m.shape).toEqual([2 + 3 * (8 + 2), 2 + 3 * (6 + 2), 1]);
    // Tile 4 (row 1, col 1) starts at x = 2 + 8, y = 2 + 10; its first pixel is 80, zoomed 2x.
    for (const [dx, dy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ])
      expect(px(m, 10 + dx, 12 + dy)).toEqual([80]);
    expect(px(m, 12, 12)).toEqual([81]);
    expect(px(m, 1, 1)).toEqual([255]); // padding
    expect(px(m, 2 + 2 * 8 + 4 + 1, 2 + 2 * 10 + 1)).toEqual([255]); // the empty 9th cell
  });

  it('accepts a batch tensor, stretches per tile, and captions each tile', () => {
    const batch = new Tensor(Float32Array.from([0, 1, 2, 3, -5, 0, 5, 10]), [2, 2, 2, 1]);
    const m = montage(batch, { cols: 2, pad: 0, scale: 'tile' });
    expect(m.shape).toEqual([2, 4, 1]);
    expect(Array.from(m.data)).toEqual([0, 85, 0, 85, 170, 255, 170, 255]);
    const g = montage(batch, { cols: 2, pad: 0, scale: 'global' });
    expect(px(g, 2, 0)[0]).toBe(0);
    expect(px(g, 1, 1)[0]).toBeCloseTo(((3 + 5) * 255) / 15, 4);
    const labelled = montage(batch, { cols: 2, pad: 1, labels: ['7→1', '3'] });
    expect(labelled.shape[0]).toBe(1 + 2 + 12 + 1);
    expect(labelled.shape[1]).toBe(1 + 2 * (17 + 1)); // cells widen to the 17-pixel caption
    expect(countWhere(labelled, (p) => p[0] === 0)).toBeGreaterThan(15);
  });

  it('mixes gray and colour tiles into RGB', () => {
    const m = montage([tile(0), tile(100, 4, 3, 3)], { pad: 0 });
    expect(m.shape).toEqual([4, 6, 3]);
    expect(px(m, 0, 0)).toEqual([0, 0, 0]);
    expect(px(m, 3, 0)).toEqual([100, 101, 102]);
  });

  it('splits activations and filters into tiles', () => {
    const act = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 1, 3]);
    expect(channelTiles(act).map((t) => Array.from(t.data))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const w = new Tensor(
      Float32Array.from({ length: 2 * 2 * 1 * 3 }, (_, i) => i),
      [2, 2, 1, 3],
    );
    const f = filterTiles(w);
    expect(f.length).toBe(3);
    expect(f[1].shape).toEqual([2, 2, 1]);
    expect(Array.from(f[1].data)).toEqual([1, 4, 7, 10]);
    expect(() => filterTiles(new Tensor(new Float32Array(16), [2, 2, 2, 2]))).toThrow(ShapeError);
    pictures.push([
      'filters.png',
      montage(
        filterTiles(
          new Tensor(
            Float32Array.from({ length: 5 * 5 * 16 }, (_, i) => Math.sin(i * 0.37)),
            [5, 5, 1, 16],
          ),
        ),
        { zoom: 8, scale: 'tile', cols: 8, labels: Array.from({ length: 16 }, (_, i) => `f${i}`) },
      ),
    ]);
  });

  it('rejects empty input and bad options', () => {
    expect(() => montage([])).toThrow(ValueError);
    expect(() => montage([tile(0)], { labels: ['a', 'b'] })).toThrow(ValueError);
    expect(() => montage([tile(0)], { zoom: 1.5 })).toThrow(ValueError);
    expect(() => montage(tile(0))).toThrow(ShapeError);
  });
});

describe('charts', () => {
  const epochs = 15;
  const history = {
    loss: Array.from({ length: epochs }, (_, e) => 2.3 * Math.exp(-e / 3) + 0.05),
    val_loss: Array.from({ length: epochs }, (_, e) => 2.3 * Math.exp(-e / 3.5) + 0.12),
    accuracy: Array.from({ length: epochs }, (_, e) => 1 - 0.9 * Math.exp(-e / 2.5)),
    val_accuracy: Array.from({ length: epochs }, (_, e) => 0.97 - 0.9 * Math.exp(-e / 3)),
  };

  it('plotHistory draws one panel per metric with both series, at the asked size', () => {
    const img = plotHistory({ history }, { title: 'LeNet-5 on MNIST' });
    expect(img.shape).toEqual([320, 840, 3]);
    expect(countWhere(img, isColor(PALETTE[0]))).toBeGreaterThan(400); // training lines
    expect(countWhere(img, isColor(PALETTE[1]))).toBeGreaterThan(200); // validation, dashed
    // Title text in the top strip, centred.
    let titleInk = 0;
    for (let y = 0; y < 26; y++) for (let x = 300; x < 540; x++) if (px(img, x, y)[0] < 50) titleInk++;
    expect(titleInk).toBeGreaterThan(100);
    const rows = Array.from({ length: epochs }, (_, e) =>
      Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v[e]])),
    );
    const fromRows = plotHistory(rows, { title: 'LeNet-5 on MNIST' }).data;
    expect(fromRows.every((v, i) => v === img.data[i])).toBe(true);
    const one = plotHistory(history, { metrics: ['loss'], width: 500, height: 300 });
    expect(one.shape).toEqual([300, 500, 3]);
    pictures.push(['history.png', img]);
  });

  it('plotHistory writes SVG with real text and survives a diverged loss', () => {
    const svg = plotHistory(history, { format: 'svg', title: 'Run <1>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>Run &lt;1&gt;</text>');
    expect(svg).toContain('>val_accuracy</text>');
    expect(svg).toContain('stroke-dasharray');
    const img = plotHistory({ loss: [1, 0.5, NaN, Infinity, 0.2] });
    expect(countWhere(img, isColor(PALETTE[0]))).toBeGreaterThan(20);
  });

  it('plotHistory rejects unknown metrics and empty history', () => {
    expect(() => plotHistory(history, { metrics: ['auc'] })).toThrow(/no 'auc'/);
    expect(() => plotHistory({})).toThrow(ValueError);
  });

  it('plotConfusionMatrix shades by count and writes the counts', () => {
    const cm = [
      [50, 2, 0],
      [5, 40, 5],
      [0, 0, 48],
    ];
    const img = plotConfusionMatrix(cm, ['cat', 'dog', 'bird']);
    // Cells are 40 px; the diagonal cell (0,0) is darker than (0,2).
    const left = 30 + measureText('bird').width + 8,
      top = 62;
    const d = px(img, left + 5, top + 5),
      off = px(img, left + 2 * 40 + 5, top + 5);
    expect(d[0]).toBeLessThan(off[0]);
    expect(off).toEqual([255, 255, 255]);
    const svg = plotConfusionMatrix(cm, ['cat', 'dog', 'bird'], { format: 'svg' });
    for (const s of ['>50<', '>40<', '>48<', '>bird<', '>predicted<']) expect(svg).toContain(s);
    expect(() => plotConfusionMatrix([[1, 2]], ['a'])).toThrow(ShapeError);
    pictures.push([
      'confusion.png',
      plotConfusionMatrix(
        new Tensor(
          Float32Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 95 : (i * 7) % 13 === 0 ? 3 : 0)),
          [10, 10],
        ),
      ),
    ]);
  });

  it('barChart highlights the top class', () => {
    const img = barChart([0.1, 0.7, 0.2], ['cat', 'dog', 'car'], { title: 'p(class)' });
    expect(countWhere(img, isColor(PALETTE[1]))).toBeGreaterThan(countWhere(img, isColor(PALETTE[0])));
    expect(barChart([0.1, 0.7, 0.2], ['cat', 'dog', 'car'], { format: 'svg' })).toContain('>0.700<');
    expect(() => barChart([1, 2], ['a'])).toThrow(ValueError);
    pictures.push(['bars.png', img]);
  });
});
