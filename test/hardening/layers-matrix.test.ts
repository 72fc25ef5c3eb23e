// The bad-input matrix for public layers, on every backend: bad options at construction and bad inputs
// at apply() give ConvkitError subclasses naming the layer and shapes; afterwards the backend still
// computes a correct conv2d, and a layer that rejected an input still works on a good one.
import { describe, it, expect } from 'vitest';
import { layers, zeros, backend, Sequential, ShapeError, ValueError } from '../../src';
import { BACKENDS } from '../helpers/backends';
import { BadCase, runCase, expectHealthyConv } from './matrix';

const any = (v: unknown): any => v;
const x4 = zeros([2, 8, 8, 3]);

const BAD_NUMBERS: [string, unknown][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['1.5', 1.5],
  ['-1', -1],
  ['0', 0],
  ['"2"', '2'],
];
const BAD_PADDING: [string, unknown][] = [
  ['"smae"', 'smae'],
  ['-1', -1],
  ['NaN', NaN],
  ['[1,2,3]', [1, 2, 3]],
];

const cases: BadCase[] = [
  // options
  {
    name: 'conv2d: typo paddding',
    run: () => layers.conv2d(any({ filters: 2, kernelSize: 3, paddding: 'same' })),
    cls: ValueError,
    parts: ['conv2d', "'paddding'"],
  },
  {
    name: 'conv2d: filters 0',
    run: () => layers.conv2d({ filters: 0, kernelSize: 3 }),
    cls: ValueError,
    parts: ['conv2d', 'filters', '0'],
  },
  {
    name: 'conv2d: filters 2.5',
    run: () => layers.conv2d({ filters: 2.5, kernelSize: 3 }),
    cls: ValueError,
    parts: ['conv2d', 'filters', '2.5'],
  },
  {
    name: 'conv2d: missing kernelSize',
    run: () => layers.conv2d(any({ filters: 2 })),
    cls: ValueError,
    parts: ['conv2d', 'kernelSize'],
  },
  {
    name: 'conv2d: unknown activation',
    run: () => layers.conv2d(any({ filters: 2, kernelSize: 3, activation: 'rleu' })),
    cls: ValueError,
    parts: ['conv2d', 'rleu'],
  },
  { name: 'conv2d: options not an object', run: () => layers.conv2d(any(3)), cls: ValueError, parts: ['conv2d'] },
  { name: 'dense: units -1', run: () => layers.dense({ units: -1 }), cls: ValueError, parts: ['dense', 'units', '-1'] },
  { name: 'dense: typo unit', run: () => layers.dense(any({ unit: 3 })), cls: ValueError, parts: ['dense'] },
  {
    name: 'dense: unknown activation',
    run: () => layers.dense(any({ units: 3, activation: 'softmx' })),
    cls: ValueError,
    parts: ['dense', 'softmx'],
  },
  { name: 'dropout: rate 1.5', run: () => layers.dropout({ rate: 1.5 }), cls: ValueError, parts: ['dropout', '1.5'] },
  { name: 'dropout: rate NaN', run: () => layers.dropout({ rate: NaN }), cls: ValueError, parts: ['dropout', 'rate'] },
  {
    name: 'batchNormalization: momentum 2',
    run: () => layers.batchNormalization({ momentum: 2 }),
    cls: ValueError,
    parts: ['batchNormalization', '2'],
  },
  {
    name: 'batchNormalization: epsilon -1',
    run: () => layers.batchNormalization({ epsilon: -1 }),
    cls: ValueError,
    parts: ['batchNormalization', '-1'],
  },
  {
    name: 'activation: unknown name',
    run: () => layers.activation(any({ activation: 'gelu2' })),
    cls: ValueError,
    parts: ['activation', 'gelu2'],
  },
  {
    name: 'zeroPadding2d: bad padding',
    run: () => layers.zeroPadding2d(any({ padding: [1, 2, 3] })),
    cls: ValueError,
    parts: ['zeroPadding2d', '[1,2,3]'],
  },
  {
    name: 'zeroPadding2d: negative padding',
    run: () => layers.zeroPadding2d(any({ padding: -1 })),
    cls: ValueError,
    parts: ['zeroPadding2d', '-1'],
  },
  {
    name: 'input: negative shape',
    run: () => layers.input({ shape: [-1, 3] }),
    cls: ValueError,
    parts: ['input', '[-1,3]'],
  },
  {
    name: 'input: ragged shape value',
    run: () => layers.input(any({ shape: [2, 'a'] })),
    cls: ValueError,
    parts: ['input'],
  },
  {
    name: 'concatenate: axis 0',
    run: () => layers.concatenate({ axis: 0 }),
    cls: ValueError,
    parts: ['concatenate', 'axis'],
  },
  {
    name: 'layer: inputShape not integers',
    run: () => layers.dense({ units: 2, inputShape: [2.5] }),
    cls: ValueError,
    parts: ['dense', 'inputShape', '2.5'],
  },
  {
    name: 'layer: dtype int32',
    run: () => layers.dense(any({ units: 2, dtype: 'int32' })),
    cls: ValueError,
    parts: ['dense', 'int32'],
  },
  // inputs at apply()
  {
    name: 'Conv2D: rank 3 input',
    run: () => layers.conv2d({ filters: 2, kernelSize: 3 }).apply(zeros([8, 8, 3])),
    cls: ShapeError,
    parts: ['Conv2D', '[8,8,3]'],
  },
  {
    name: 'Conv2D: kernel larger than input',
    run: () => layers.conv2d({ filters: 2, kernelSize: 9 }).apply(x4),
    cls: ShapeError,
    parts: ['9x9', '8x8', '[2,8,8,3]'],
  },
  {
    name: 'Conv1D: rank 4 input',
    run: () => layers.conv1d({ filters: 2, kernelSize: 3 }).apply(x4),
    cls: ShapeError,
    parts: ['Conv1D', '[2,8,8,3]'],
  },
  {
    name: 'Conv3D: rank 4 input',
    run: () => layers.conv3d({ filters: 2, kernelSize: 3 }).apply(x4),
    cls: ShapeError,
    parts: ['Conv3D', '[2,8,8,3]'],
  },
  {
    name: 'DepthwiseConv2D: rank 2 input',
    run: () => layers.depthwiseConv2d({ kernelSize: 3 }).apply(zeros([8, 8])),
    cls: ShapeError,
    parts: ['DepthwiseConv2D', '[8,8]'],
  },
  {
    name: 'MaxPooling2D: pool larger than input',
    run: () => layers.maxPooling2d({ poolSize: 9 }).apply(x4),
    cls: ShapeError,
    parts: ['9x9', '[2,8,8,3]'],
  },
  {
    name: 'AveragePooling2D: rank 2 input',
    run: () => layers.averagePooling2d().apply(zeros([4, 4])),
    cls: ShapeError,
    parts: ['AveragePooling2D', '[4,4]'],
  },
  {
    name: 'GlobalAveragePooling2D: rank 3 input',
    run: () => layers.globalAveragePooling2d().apply(zeros([2, 4, 4])),
    cls: ShapeError,
    parts: ['GlobalAveragePooling2D', '[2,4,4]'],
  },
  {
    name: 'Dense: scalar input',
    run: () => layers.dense({ units: 2 }).apply(zeros([])),
    cls: ShapeError,
    parts: ['Dense', 'scalar'],
  },
  {
    name: 'Add: shapes differ',
    run: () => layers.add().apply([zeros([2, 3]), zeros([2, 4])]),
    cls: ShapeError,
    parts: ['Add', '(2, 3)', '(2, 4)'],
  },
  { name: 'Add: one input', run: () => layers.add().apply([zeros([2, 3])]), cls: ValueError, parts: ['Add', '1'] },
  {
    name: 'Concatenate: non-axis dims differ',
    run: () => layers.concatenate().apply([zeros([2, 3]), zeros([3, 3])]),
    cls: ShapeError,
    parts: ['Concatenate', '(2, 3)', '(3, 3)'],
  },
  {
    name: 'BatchNormalization: rank 1 input',
    run: () => layers.batchNormalization().apply(zeros([3])),
    cls: ShapeError,
    parts: ['BatchNormalization', '[3]'],
  },
  {
    name: 'Flatten: rank 1 input',
    run: () => layers.flatten().apply(zeros([3])),
    cls: ShapeError,
    parts: ['Flatten', '[3]'],
  },
  {
    name: 'apply: Float32Array instead of a tensor',
    run: () => layers.dense({ units: 2 }).apply(any(new Float32Array(4))),
    cls: ValueError,
    parts: ['Dense'],
  },
  {
    name: 'apply: no inputs',
    run: () => layers.dense({ units: 2 }).apply([]),
    cls: ValueError,
    parts: ['Dense', 'at least one input'],
  },
  {
    name: 'Sequential: input channels differ from the first layer',
    run: () => new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] })]).predict(x4),
    cls: ShapeError,
    parts: ['[2,8,8,3]'],
  },
];

for (const [factory, make] of [
  ['conv2d', (o: object) => layers.conv2d(any({ filters: 2, kernelSize: 3, ...o }))],
  ['conv1d', (o: object) => layers.conv1d(any({ filters: 2, kernelSize: 3, ...o }))],
  ['maxPooling2d', (o: object) => layers.maxPooling2d(any(o))],
  ['averagePooling2d', (o: object) => layers.averagePooling2d(any(o))],
] as const) {
  const opts = factory.startsWith('conv') ? ['strides', 'dilationRate', 'kernelSize'] : ['strides', 'poolSize'];
  // a layer may reject at construction or at its first apply(): both must be typed and named
  const input = factory === 'conv1d' ? zeros([2, 8, 3]) : x4;
  for (const o of opts) {
    for (const [label, v] of BAD_NUMBERS)
      cases.push({
        name: `${factory}: ${o} ${label}`,
        run: () => make({ [o]: v }).apply(input),
        cls: ValueError,
        parts: [factory, o],
      });
  }
  for (const [label, v] of BAD_PADDING)
    cases.push({
      name: `${factory}: padding ${label}`,
      run: () => make({ padding: v }).apply(input),
      cls: ValueError,
      parts: [factory, 'padding'],
    });
}

/** The number of cases per backend (the README quotes it). */
export const LAYER_CASES = cases.length;

describe.each(BACKENDS)('bad input to layers on %s', (name) => {
  for (const c of cases) it(c.name, () => runCase(name, c));

  it('a layer that rejected an input is not half-built: it then works on a good input', () => {
    backend.use(name);
    const conv = layers.conv2d({ filters: 4, kernelSize: 3, seed: 1 });
    expect(() => conv.apply(zeros([2, 2, 2, 3]))).toThrow(ShapeError);
    const y = conv.apply(x4);
    expect(y.shape).toEqual([2, 6, 6, 4]);
    expect(conv.weights.map((w) => w.shape)).toEqual([[3, 3, 3, 4], [4]]);
    const dense = layers.dense({ units: 3 });
    dense.apply(zeros([2, 5]));
    expect(() => dense.apply(zeros([2, 6]))).toThrow(ShapeError);
    expect(dense.apply(zeros([1, 5])).shape).toEqual([1, 3]);
    expectHealthyConv();
  });
});
