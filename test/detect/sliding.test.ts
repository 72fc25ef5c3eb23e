import { describe, it, expect } from 'vitest';
import { detect, tensor, layers, Sequential, backend, ValueError, ShapeError } from '../../src';
import { notesClassifier } from '../../examples/data/notes-classifier';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const image = (h: number, w: number, seed: number) => {
  const r = rng(seed);
  return tensor(
    Float32Array.from({ length: h * w * 3 }, () => r()),
    [h, w, 3],
  );
};

const notesModel = () => notesClassifier(5);

describe('detect.toConvolutional and slidingWindows', () => {
  it("turns FC layers into 400 filters of 5x5, 1x1 → 400 and 1x1 → 4 (the notes' example)", () => {
    const m = notesModel();
    const conv = detect.toConvolutional(m);
    const kernels = conv.layers.filter((l) => l.className === 'Conv2D').map((l) => l.weights[0].shape);
    expect(kernels).toEqual([
      [5, 5, 3, 16],
      [5, 5, 16, 400],
      [1, 1, 400, 400],
      [1, 1, 400, 4],
    ]);
    // on the classifier's own 14x14x3 input it gives the same 4 numbers, as a 1x1x4 volume
    const x = image(14, 14, 1).reshape([1, 14, 14, 3]);
    const a = m.predict(x),
      b = conv.predict(x);
    expect(b.shape).toEqual([1, 1, 1, 4]);
    for (let i = 0; i < 4; i++) expect(b.data[i]).toBeCloseTo(a.data[i], 5);
  });

  it.each(['js', 'wasm', 'wasm-simd'] as const)(
    'gives on a 16x16x3 image the same four outputs as the four 14x14x3 crops at stride 2 (%s)',
    (name) =>
      backend.with(name, () => {
        const m = notesModel();
        const img = image(16, 16, 2);
        const windows = detect.slidingWindows(m, img, { window: 14, stride: 2 });
        expect(windows.map((w) => [w.row, w.col, w.pixels.x, w.pixels.y])).toEqual([
          [0, 0, 0, 0],
          [0, 1, 2, 0],
          [1, 0, 0, 2],
          [1, 1, 2, 2],
        ]);
        const grid = detect.toConvolutional(m).predict(img.reshape([1, 16, 16, 3]));
        expect(grid.shape).toEqual([1, 2, 2, 4]);
        // the windows really differ, so matching them position by position means something
        expect(
          Math.max(...[0, 1, 2, 3].map((c) => Math.abs(windows[0].output[c] - windows[3].output[c]))),
        ).toBeGreaterThan(1e-3);
        windows.forEach((w, k) => {
          for (let c = 0; c < 4; c++) expect(grid.data[k * 4 + c]).toBeCloseTo(w.output[c], 5);
          // each window's output also equals the classifier run on that crop alone
          const cropped = new Float32Array(14 * 14 * 3);
          for (let y = 0; y < 14; y++)
            for (let x = 0; x < 14; x++)
              for (let ch = 0; ch < 3; ch++) {
                cropped[(y * 14 + x) * 3 + ch] = img.data[((w.pixels.y + y) * 16 + w.pixels.x + x) * 3 + ch];
              }
          const alone = m.predict(tensor(cropped, [1, 14, 14, 3]));
          for (let c = 0; c < 4; c++) expect(alone.data[c]).toBeCloseTo(w.output[c], 5);
          expect(w.score).toBe(Math.max(...w.output));
          expect(w.box).toEqual({ x: (w.pixels.x + 7) / 16, y: (w.pixels.y + 7) / 16, w: 14 / 16, h: 14 / 16 });
        });
      }),
  );

  it('covers a larger image with an 8x8 grid and handles several scales', () => {
    const m = notesModel();
    const img = image(28, 28, 3);
    const grid = detect.toConvolutional(m).predict(img.reshape([1, 28, 28, 3]));
    expect(grid.shape).toEqual([1, 8, 8, 4]);
    const windows = detect.slidingWindows(m, img, { stride: 2 });
    expect(windows.length).toBe(64);
    for (const k of [0, 9, 37, 63])
      for (let c = 0; c < 4; c++) expect(grid.data[k * 4 + c]).toBeCloseTo(windows[k].output[c], 5);
    const multi = detect.slidingWindows(m, img, { stride: 7, scales: [1, 2, 3] });
    // scale 1: 14 px windows, 3x3 of them; scale 2: one 28 px window resized to 14; scale 3 does not fit
    expect(multi.map((w) => w.scale)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(multi[9].box).toEqual({ x: 0.5, y: 0.5, w: 1, h: 1 });
  });

  it('rejects heads it cannot convert and bad window options', () => {
    const gap = new Sequential(
      [
        layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 3] }),
        layers.globalAveragePooling2d(),
        layers.dense({ units: 2 }),
      ],
      { seed: 1 },
    );
    expect(() => detect.toConvolutional(gap)).toThrow(ValueError);
    expect(() => detect.toConvolutional(gap)).toThrow(/toConvolutional: Dense/);
    const m = notesModel();
    expect(() => detect.slidingWindows(m, image(10, 10, 1))).toThrow(/slidingWindows: no window of 14x14/);
    expect(() => detect.slidingWindows(m, image(16, 16, 1), { stride: 0 })).toThrow(/slidingWindows: stride/);
    expect(() => detect.slidingWindows(m, tensor([1, 2, 3]))).toThrow(ShapeError);
  });
});
