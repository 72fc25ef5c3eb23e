import { describe, it, expect } from 'vitest';
import { ValueError, detect, style, zeros, layers, Sequential } from '../src';
import { checkOptions } from '../src/options';

describe('checkOptions', () => {
  it('accepts known keys and no options at all', () => {
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
    expect(() => checkOptions('f', { a: 1 }, ['a', 'b'])).not.toThrow();
  });
  it('names the function, the unknown key and the valid keys', () => {
    expect(() => checkOptions('conv2d', { paddding: 'same' }, ['strides', 'padding'])).toThrow(
      new ValueError("conv2d: unknown option 'paddding' (did you mean 'padding'?) (valid options: strides, padding)"),
    );
  });
  it('refuses what is not an options object', () => {
    for (const bad of [null, 3, 'same', [1, 2]]) {
      expect(() => checkOptions('fit', bad, ['epochs'])).toThrow(/^fit: expected an options object, got /);
    }
  });
});

describe('public functions with options objects reject unknown names', () => {
  it('detect, style and summary', async () => {
    const box = { x: 0.5, y: 0.5, w: 0.2, h: 0.2 };
    expect(() => detect.nms([box], [0.9], { iouTreshold: 0.5 } as never)).toThrow(/nms: unknown option 'iouTreshold'/);
    expect(() => detect.nmsPerClass([box], [0.9], [0], { maxPerClass: 1 } as never)).toThrow(
      /nmsPerClass: unknown option 'maxPerClass'/,
    );
    expect(() => detect.kmeansAnchors([{ w: 1, h: 1 }], 1, { iters: 3 } as never)).toThrow(
      /kmeansAnchors: unknown option 'iters'/,
    );
    expect(() =>
      detect.yolo.decode(zeros([1, 1, 1, 6]), { anchors: [{ w: 1, h: 1 }], treshold: 0.5 } as never),
    ).toThrow(/yolo\.decode: unknown option 'treshold'/);
    await expect(style.transfer({ model: null, contet: 1 } as never)).rejects.toThrow(
      /style\.transfer: unknown option 'contet'/,
    );
    expect(() =>
      new Sequential([layers.dense({ units: 1, inputShape: [2] })]).summary({ prnt: true } as never),
    ).toThrow(/summary: unknown option 'prnt'/);
  });
});
