import { describe, it, expect } from 'vitest';
import { ValueError } from '../src';
import { checkOptions } from '../src/options';

describe('checkOptions', () => {
  it('accepts known keys and no options at all', () => {
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
    expect(() => checkOptions('f', { a: 1 }, ['a', 'b'])).not.toThrow();
  });
  it('names the function, the unknown key and the valid keys', () => {
    expect(() => checkOptions('conv2d', { paddding: 'same' }, ['strides', 'padding']))
      .toThrow(new ValueError("conv2d: unknown option 'paddding' (valid options: strides, padding)"));
  });
  it('refuses what is not an options object', () => {
    for (const bad of [null, 3, 'same', [1, 2]]) {
      expect(() => checkOptions('fit', bad, ['epochs'])).toThrow(/^fit: expected an options object, got /);
    }
  });
});
