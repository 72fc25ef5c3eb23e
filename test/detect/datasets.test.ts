import { describe, it, expect } from 'vitest';
import { detect, ValueError } from '../../src';

describe('detect.datasets.shapes', () => {
  it('is reproducible for a seed and returns images, boxes and classes', () => {
    const a = detect.datasets.shapes({ seed: 3, n: 6, size: 32 });
    const b = detect.datasets.shapes({ seed: 3, n: 6, size: 32 });
    expect(a.images.shape).toEqual([6, 32, 32, 3]);
    expect(Array.from(a.images.data)).toEqual(Array.from(b.images.data));
    expect(a.objects).toEqual(b.objects);
    expect(detect.datasets.shapes({ seed: 4, n: 6, size: 32 }).objects).not.toEqual(a.objects);
    expect(a.classNames).toEqual(['rectangle', 'ellipse', 'triangle']);
    for (const objs of a.objects) {
      expect(objs.length).toBeGreaterThanOrEqual(1);
      expect(objs.length).toBeLessThanOrEqual(3);
      for (const o of objs) {
        expect(o.box.x - o.box.w / 2).toBeGreaterThanOrEqual(0);
        expect(o.box.x + o.box.w / 2).toBeLessThanOrEqual(1);
        expect([0, 1, 2]).toContain(o.classId);
      }
      for (let i = 0; i < objs.length; i++)
        for (let j = 0; j < i; j++) expect(detect.iou(objs[i].box, objs[j].box)).toBeLessThanOrEqual(0.3);
    }
    expect(Math.min(...a.images.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.images.data)).toBeLessThanOrEqual(1);
  });

  it("draws each shape exactly inside its box, touching all four sides, with its class's fill", () => {
    const size = 40;
    const d = detect.datasets.shapes({ seed: 11, n: 30, size, minObjects: 1, maxObjects: 1, noise: 0 });
    const fills = [[], [], []] as number[][];
    d.objects.forEach(([o], i) => {
      const img = d.images.data.subarray(i * size * size * 3);
      const bg = Array.from(img.subarray(0, 3));
      const x0 = Math.round((o.box.x - o.box.w / 2) * size),
        y0 = Math.round((o.box.y - o.box.h / 2) * size);
      const w = Math.round(o.box.w * size),
        h = Math.round(o.box.h * size);
      let minX = size,
        minY = size,
        maxX = -1,
        maxY = -1,
        count = 0;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const p = (y * size + x) * 3;
          if (img[p] === bg[0] && img[p + 1] === bg[1] && img[p + 2] === bg[2]) continue;
          count++;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      expect([minX, minY, maxX + 1, maxY + 1]).toEqual([x0, y0, x0 + w, y0 + h]);
      // a triangle gets half a pixel of slack per row so its apex row is drawn
      fills[o.classId].push(count / (w * h) - (o.classId === 2 ? 0.5 / w : 0));
    });
    // rectangles fill their box, ellipses about π/4, triangles about 1/2
    for (const f of fills[0]) expect(f).toBe(1);
    for (const f of fills[1]) expect(Math.abs(f - Math.PI / 4)).toBeLessThan(0.12);
    for (const f of fills[2]) expect(Math.abs(f - 0.5)).toBeLessThan(0.1);
    expect(fills.every((f) => f.length > 0)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => detect.datasets.shapes({ size: 4 })).toThrow(ValueError);
    expect(() => detect.datasets.shapes({ minObjects: 3, maxObjects: 1 })).toThrow(/datasets\.shapes: need integers/);
    expect(() => detect.datasets.shapes({ minSize: 0.5, maxSize: 0.2 })).toThrow(/minSize/);
  });
});
