// A seeded few hundred fuzz cases per loader (npm run fuzz runs 10,000): every mutated model file or
// image ends in a correct load or a typed error within two seconds of CPU time, and loadWeights is all or
// nothing. Each summary, with its slowest case, is printed.
import { describe, it, expect } from 'vitest';
import { io, ops, ImageError } from '../../src';
import { fuzzModelLoader, fuzzImageLoader, fuzzOnnxLoader, describeSummary } from '../../scripts/fuzz';

describe('loader fuzzing (seeded)', () => {
  it('io.load and io.loadWeights: 150 mutated model directories', async () => {
    const s = await fuzzModelLoader(150, 2026, { escapes: false });
    console.log(describeSummary(s));
    expect(s.failures, describeSummary(s)).toEqual([]);
    expect(s.cases).toBe(150);
    expect(s.typedErrors).toBeGreaterThan(50);
    expect(s.loaded).toBeGreaterThan(0);
  }, 60_000);

  it('io.load: 100 mutated model directories whose manifests may point outside the model directory', async () => {
    const s = await fuzzModelLoader(100, 7, { escapes: true });
    console.log(describeSummary(s));
    expect(s.failures, describeSummary(s)).toEqual([]);
    expect(s.typedErrors).toBeGreaterThan(50);
  }, 60_000);

  it('io.loadOnnx: 200 truncated, byte-flipped and graph-edited ONNX files', async () => {
    const s = await fuzzOnnxLoader(200, 2026);
    console.log(describeSummary(s));
    expect(s.failures, describeSummary(s)).toEqual([]);
    expect(s.errorKinds).toEqual({ ModelFormatError: s.typedErrors });
    expect(s.typedErrors).toBeGreaterThan(50);
    expect(s.loaded).toBeGreaterThan(0);
  }, 120_000);

  it('io.readImage: 300 mutated PNG and JPEG files', async () => {
    const s = await fuzzImageLoader(300, 2026);
    console.log(describeSummary(s));
    expect(s.failures, describeSummary(s)).toEqual([]);
    expect(s.typedErrors).toBeGreaterThan(100);
    expect(s.loaded).toBeGreaterThan(0);
  }, 60_000);
});

describe('declared image sizes are checked against the bytes present', () => {
  const image = () => {
    const t = ops.randomUniform([12, 10, 3], { min: 0, max: 255, seed: 9 });
    t.data.forEach((v, i) => {
      t.data[i] = Math.round(v);
    });
    return t;
  };
  it('a small PNG claiming 6000x6000 pixels is refused before inflating', async () => {
    const png = (await io.encodeImage(image(), 'png')).slice();
    const v = new DataView(png.buffer);
    v.setUint32(16, 6000);
    v.setUint32(20, 6000);
    // fix the IHDR CRC so only the size check can refuse it
    let c = 0xffffffff;
    for (const b of png.subarray(12, 29)) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    v.setUint32(29, (c ^ 0xffffffff) >>> 0);
    await expect(io.readImage(png)).rejects.toThrow(/PNG declares 6000x6000 pixels but holds only \d+ bytes/);
  });
  it('a small JPEG claiming 5000x5000 pixels is refused before decoding', async () => {
    const jpg = (await io.encodeImage(image(), 'jpeg')).slice();
    const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
    new DataView(jpg.buffer).setUint16(sof + 5, 5000);
    new DataView(jpg.buffer).setUint16(sof + 7, 5000);
    const err = await io.readImage(jpg).catch((e) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(err.message).toMatch(/JPEG declares 5000x5000 pixels but is only \d+ bytes/);
  });
  it('the unchanged files still decode', async () => {
    expect((await io.readImage(await io.encodeImage(image(), 'png'))).shape).toEqual([12, 10, 3]);
    expect((await io.readImage(await io.encodeImage(image(), 'jpeg'))).shape).toEqual([12, 10, 3]);
  });
});

describe('a model file is data, never code', () => {
  it('Lambda layers carrying code, and class names that are Object.prototype members, are refused untouched', async () => {
    const { layers: L, Sequential, ModelFormatError } = await import('../../src');
    const h = io.memory();
    await io.save(new Sequential([L.dense({ units: 2, inputShape: [3] })]), h);
    const edits: ((t: any) => void)[] = [
      (t) => {
        t.config.layers.push({
          class_name: 'Lambda',
          config: { name: 'l', function: 'globalThis.__convkitPwned = 1' },
        });
      },
      (t) => {
        t.config.layers[1].class_name = 'constructor';
      },
      (t) => {
        t.config.layers[1].config.kernel_initializer = { class_name: '__proto__', config: {} };
      },
      (t) => {
        t.config.layers[1].config.activation = 'toString';
      },
      (t) => {
        t.config.layers[1].config = JSON.parse('{"__proto__": {"units": 5}, "units": 2, "name": "dense"}');
      },
    ];
    for (const edit of edits) {
      const topo = structuredClone(h.artifacts!.modelTopology) as any;
      edit(topo);
      await expect(io.load({ ...h.artifacts!, modelTopology: topo })).rejects.toBeInstanceOf(ModelFormatError);
    }
    expect((globalThis as any).__convkitPwned).toBeUndefined();
    expect(({} as any).units).toBeUndefined();
  });
});
