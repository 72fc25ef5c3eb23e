import { describe, it, expect, beforeAll } from 'vitest';
import { init, layers, model, vision, zoo, ops, Tensor, Sequential, noGrad, ShapeError, ValueError } from '../../src';
import type { Model } from '../../src';
import { sizeOf } from '../../src/tensor';

beforeAll(async () => {
  await init();
});

/** Seeded uniform numbers in [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomImages = (shape: number[], seed: number): Tensor => {
  const r = rng(seed);
  return new Tensor(
    Float32Array.from({ length: sizeOf(shape) }, () => r() * 2 - 1),
    shape,
  );
};

/**
 * Odd sizes, stride 2 with 'same' padding (uneven before/after), dilation 2, explicit padding, max and average
 * pooling, zero padding and two branches of different reach merged by Add and Concatenate.
 */
function branchyNet(h: number, w: number, act: 'relu' | 'linear' = 'relu', pool: 'max' | 'avg' = 'max'): Model {
  const inp = layers.input({ shape: [h, w, 2] });
  const a = layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: act, name: 'a' })
    .apply(inp);
  const p = (pool === 'max' ? layers.maxPooling2d : layers.averagePooling2d)({
    poolSize: 3,
    strides: 1,
    padding: 'same',
    name: 'p',
  }).apply(a);
  const b = layers
    .conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: act, name: 'b' })
    .apply(p);
  const z = layers
    .zeroPadding2d({
      padding: [
        [1, 0],
        [0, 1],
      ],
      name: 'z',
    })
    .apply(a);
  const c = layers.conv2d({ filters: 4, kernelSize: 2, activation: act, name: 'c' }).apply(z);
  const sum = layers.add({ name: 'sum' }).apply([b, c]);
  const cat = layers.concatenate({ name: 'cat' }).apply([sum, p]);
  const d = layers
    .conv2d({ filters: 5, kernelSize: [3, 2], strides: [1, 2], padding: [1, 0, 0, 1], name: 'd' })
    .apply(cat);
  const out = layers.activation({ activation: act === 'linear' ? 'linear' : 'relu', name: 'out' }).apply(d);
  return model({ inputs: inp, outputs: out, seed: 7 });
}

/** The layer's outputs for every image at once, searched exhaustively. */
function bruteForce(m: Model, layer: string, x: Tensor, k: number, units?: number[]) {
  const sub = model({ inputs: m.inputs, outputs: [m.nodes.find((n) => n.layer.name === layer)!.outputs[0]] });
  const a = noGrad(() => sub.run([x])[0]);
  const [n, oh, ow, c] = a.shape;
  return (units ?? Array.from({ length: c }, (_, i) => i)).map((unit) => {
    const all: { activation: number; image: number; oy: number; ox: number }[] = [];
    for (let i = 0; i < n; i++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          all.push({ activation: a.data[((i * oh + y) * ow + xx) * c + unit], image: i, oy: y, ox: xx });
    all.sort((p, q) => q.activation - p.activation); // stable: ties keep image, row, column order
    return { unit, top: all.slice(0, k) };
  });
}

/** The activation of one unit at one output position for a single image. */
function activationAt(m: Model, layer: string, img: Tensor, oy: number, ox: number, unit: number): number {
  const sub = model({ inputs: m.inputs, outputs: [m.nodes.find((n) => n.layer.name === layer)!.outputs[0]] });
  const a = noGrad(() => sub.run([img])[0]);
  const [, , ow, c] = a.shape;
  return a.data[(oy * ow + ox) * c + unit];
}

describe('vision.receptiveField', () => {
  it('LeNet-5: 5, 6, 14 and 16 pixels, stepping 1, 2, 2 and 4', () => {
    const m = zoo.lenet5();
    const rf = (l: string) => vision.receptiveField(m, l, [28, 28]);
    expect(rf('conv1')).toEqual({
      y: { jump: 1, start: -2, size: 5 },
      x: { jump: 1, start: -2, size: 5 },
      outHeight: 28,
      outWidth: 28,
    });
    expect(rf('pool1').y).toEqual({ jump: 2, start: -2, size: 6 });
    expect(rf('conv2').y).toEqual({ jump: 2, start: -2, size: 14 });
    expect(rf('pool2')).toEqual({
      y: { jump: 4, start: -2, size: 16 },
      x: { jump: 4, start: -2, size: 16 },
      outHeight: 5,
      outWidth: 5,
    });
  });

  it('refuses layers after the spatial part and names the layer', () => {
    expect(() => vision.receptiveField(zoo.lenet5(), 'fc3', [28, 28])).toThrow(
      /layer 'flatten' \(Flatten\) has no spatial receptive field/,
    );
    expect(() => vision.receptiveField(zoo.lenet5(), 'nope', [28, 28])).toThrow(ValueError);
  });

  // The finite check: a pixel outside a position's field never changes its activation; each edge of the
  // field (in a linear network with average pooling, where every pixel of the field has weight) does.
  for (const [h, w] of [
    [13, 11],
    [9, 16],
  ]) {
    it(`matches a finite check on every layer (${h}x${w}, branches, stride 2, dilation, padding)`, () => {
      const x = randomImages([1, h, w, 2], h * w);
      for (const [act, pool] of [
        ['relu', 'max'],
        ['linear', 'avg'],
      ] as const) {
        const m = branchyNet(h, w, act, pool);
        for (const layer of ['a', 'p', 'b', 'z', 'c', 'sum', 'cat', 'd', 'out']) {
          const rf = vision.receptiveField(m, layer, [h, w]);
          const r = rng(layer.length * 31 + h);
          const oy = Math.floor(r() * rf.outHeight),
            ox = Math.floor(r() * rf.outWidth);
          const [y0, fh] = vision.fieldSpan(rf.y, oy, h),
            [x0, fw] = vision.fieldSpan(rf.x, ox, w);
          const unit = layer === 'cat' ? 4 + Math.floor(r() * 4) : Math.floor(r() * 4); // 'cat' channels 4..7 see only the pool branch
          const base = activationAt(m, layer, x, oy, ox, unit);
          const changed = (py: number, px: number): boolean => {
            const t = new Tensor(new Float32Array(x.data), x.shape);
            t.data[(py * w + px) * 2] += 50;
            t.data[(py * w + px) * 2 + 1] -= 50;
            return activationAt(m, layer, t, oy, ox, unit) !== base;
          };
          for (let py = 0; py < h; py++)
            for (let px = 0; px < w; px++) {
              const inside = py >= y0 && py < y0 + fh && px >= x0 && px < x0 + fw;
              if (!inside)
                expect(changed(py, px), `${layer} (${act}): pixel ${py},${px} outside ${y0},${x0} ${fh}x${fw}`).toBe(
                  false,
                );
            }
          if (act === 'linear' && layer !== 'cat') {
            // The field is tight: its first and last rows and columns reach the activation (when not clipped away).
            const ry = [y0, y0 + fh - 1],
              rx = [x0, x0 + fw - 1];
            const rowHit = (py: number) => Array.from({ length: fw }, (_, i) => x0 + i).some((px) => changed(py, px));
            const colHit = (px: number) => Array.from({ length: fh }, (_, i) => y0 + i).some((py) => changed(py, px));
            for (const py of ry) expect(rowHit(py), `${layer}: row ${py} of ${y0}+${fh}`).toBe(true);
            for (const px of rx) expect(colHit(px), `${layer}: column ${px} of ${x0}+${fw}`).toBe(true);
          }
        }
      }
    });
  }
});

describe('vision.topPatches', () => {
  it('equals a brute-force search over the layer outputs (batches of 3 over 7 images, several layers)', async () => {
    const [h, w] = [15, 13];
    const m = branchyNet(h, w);
    const x = randomImages([7, h, w, 2], 5);
    for (const layer of ['a', 'p', 'sum', 'd']) {
      for (const k of [1, 9]) {
        const got = await vision.topPatches(m, layer, x, { k, batchSize: 3 });
        const want = bruteForce(m, layer, x, k);
        const rf = vision.receptiveField(m, layer, [h, w]);
        expect(got.map((u) => u.unit)).toEqual(want.map((u) => u.unit));
        got.forEach((u, i) => {
          expect(u.patches).toHaveLength(k);
          u.patches.forEach((p, j) => {
            const t = want[i].top[j];
            const [y, height] = vision.fieldSpan(rf.y, t.oy, h),
              [xx, width] = vision.fieldSpan(rf.x, t.ox, w);
            expect(p).toEqual({ image: t.image, y, x: xx, height, width, activation: t.activation });
          });
        });
      }
    }
  });

  it('streams single images and arrays, and picks the units asked for', async () => {
    const [h, w] = [11, 12];
    const m = branchyNet(h, w);
    const x = randomImages([5, h, w, 2], 9);
    const singles = Array.from(
      { length: 5 },
      (_, i) => new Tensor(x.data.slice(i * h * w * 2, (i + 1) * h * w * 2), [h, w, 2]),
    );
    async function* gen() {
      for (const s of singles) yield s;
    }
    const want = await vision.topPatches(m, 'b', x, { k: 4, units: [3, 1] });
    expect(want.map((u) => u.unit)).toEqual([3, 1]);
    expect(await vision.topPatches(m, 'b', singles, { k: 4, units: [3, 1], batchSize: 2 })).toEqual(want);
    expect(await vision.topPatches(m, 'b', gen(), { k: 4, units: [3, 1], batchSize: 4 })).toEqual(want);
    const bf = bruteForce(m, 'b', x, 4, [3, 1]);
    expect(want.map((u) => u.patches.map((p) => p.activation))).toEqual(bf.map((u) => u.top.map((t) => t.activation)));
  });

  it("with distinctImages keeps each image's strongest position only (the notes' figure)", async () => {
    const [h, w] = [12, 11];
    const m = branchyNet(h, w);
    const x = randomImages([13, h, w, 2], 21);
    const got = await vision.topPatches(m, 'sum', x, { k: 5, batchSize: 4, distinctImages: true });
    const all = bruteForce(m, 'sum', x, 13 * 1000);
    all.forEach((u, i) => {
      const firstPerImage = u.top.filter((t, j) => u.top.findIndex((q) => q.image === t.image) === j).slice(0, 5);
      expect(got[i].patches.map((p) => [p.image, p.activation])).toEqual(
        firstPerImage.map((t) => [t.image, t.activation]),
      );
      expect(new Set(got[i].patches.map((p) => p.image)).size).toBe(5);
    });
  });

  it('works on a Sequential model (LeNet-5 pooling layer)', async () => {
    const m = zoo.lenet5({ seed: 3 });
    const x = ops.randomUniform([6, 28, 28, 1], { seed: 2 });
    const got = await vision.topPatches(m, 'pool2', x, { k: 3 });
    const want = bruteForce(m, 'pool2', x, 3);
    expect(got).toHaveLength(16);
    got.forEach((u, i) =>
      expect(u.patches.map((p) => [p.image, p.activation])).toEqual(want[i].top.map((t) => [t.image, t.activation])),
    );
    // a field of 16 starting at 4·oy − 2, clipped to the 28 pixels
    for (const u of got)
      for (const p of u.patches) {
        expect(p.height).toBeLessThanOrEqual(16);
        expect(p.y + p.height).toBeLessThanOrEqual(28);
        expect(p.height === 16 || p.y === 0 || p.y + p.height === 28).toBe(true);
      }
  });

  it('builds an unbuilt Sequential from the images', async () => {
    const m = new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' })], { seed: 1 });
    const got = await vision.topPatches(m, 'c', ops.randomUniform([2, 7, 9, 1], { seed: 1 }), { k: 2 });
    expect(got[0].patches[0]).toMatchObject({ height: 3, width: 3 });
  });

  it('rejects bad input with clear errors', async () => {
    const m = branchyNet(9, 9);
    const x = randomImages([2, 9, 9, 2], 1);
    await expect(vision.topPatches(m, 'nope', x)).rejects.toThrow(/no layer named 'nope'/);
    await expect(vision.topPatches(m, 'a', x, { k: 0 })).rejects.toThrow(/k must be a positive integer/);
    await expect(vision.topPatches(m, 'a', x, { units: [4] })).rejects.toThrow(
      /unit 4 is not a channel of layer 'a' \(0..3\)/,
    );
    await expect(vision.topPatches(m, 'a', [])).rejects.toThrow(/no images/);
    await expect(vision.topPatches(m, 'a', [x, randomImages([1, 8, 9, 2], 2)])).rejects.toThrow(ShapeError);
    await expect(vision.topPatches(zoo.lenet5(), 'fc3', ops.randomUniform([1, 28, 28, 1]))).rejects.toThrow(
      /expected feature maps/,
    );
  });
});
