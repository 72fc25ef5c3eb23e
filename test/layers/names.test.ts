import { describe, it, expect } from 'vitest';
import { layers, Sequential } from '../../src';

describe('layers.resetNames', () => {
  it('restarts the automatic layer and model names', () => {
    layers.resetNames();
    expect(layers.dense({ units: 1 }).name).toBe('dense');
    expect(layers.dense({ units: 1 }).name).toBe('dense_1');
    expect(new Sequential([]).name).toBe('sequential');
    layers.resetNames();
    expect(layers.dense({ units: 1 }).name).toBe('dense');
    expect(new Sequential([]).name).toBe('sequential');
  });
});
