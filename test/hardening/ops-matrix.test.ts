// The bad-input matrix for public ops, on every backend: each case must throw a ConvkitError subclass
// naming the op and the shapes (or the bad value), and leave the backend computing a correct conv2d.
import { describe, it, expect } from 'vitest';
import { ops, tensor, zeros, backend, Tensor, ShapeError, ValueError, BackendError } from '../../src';
import { BACKENDS } from '../helpers/backends';
import { BadCase, runCase, expectHealthyConv } from './matrix';

const x4 = zeros([1, 8, 8, 3]),
  w4 = zeros([3, 3, 3, 8]);
const x3 = zeros([2, 9, 3]),
  w3 = zeros([3, 3, 4]);
const x5 = zeros([1, 4, 5, 6, 2]),
  w5 = zeros([2, 2, 2, 2, 3]);
const dw = zeros([3, 3, 3, 2]);
const any = (v: unknown): any => v;

// Every bad spatial parameter value, tried for each option of each windowed op.
const BAD_NUMBERS: [string, unknown][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['1.5', 1.5],
  ['-1', -1],
  ['0', 0],
  ['"2"', '2'],
];
const BAD_PADDING: [string, unknown][] = [
  ['NaN', NaN],
  ['-1', -1],
  ['1.5', 1.5],
  ['Infinity', Infinity],
  ['"smae"', 'smae'],
  ['[1,2,3]', [1, 2, 3]],
  ['{}', {}],
];

const cases: BadCase[] = [
  // tensor construction
  {
    name: 'tensor: data length does not match the shape',
    run: () => tensor(new Float32Array(5), [2, 3]),
    cls: ShapeError,
    parts: ['tensor', '[2,3]', '5'],
  },
  {
    name: 'tensor: Int32Array data',
    run: () => tensor(any(new Int32Array(4)), [2, 2]),
    cls: ValueError,
    parts: ['tensor', 'Int32Array'],
  },
  {
    name: 'tensor: ragged nested arrays',
    run: () => tensor([[1, 2], [3]]),
    cls: ShapeError,
    parts: ['tensor', 'ragged'],
  },
  {
    name: 'tensor: string inside nested arrays',
    run: () => tensor(any([[1, 'a']])),
    cls: ValueError,
    parts: ['tensor'],
  },
  {
    name: 'tensor: negative dimension',
    run: () => tensor(new Float32Array(0), [2, -2]),
    cls: ShapeError,
    parts: ['[2,-2]'],
  },
  {
    name: 'tensor: non-integer dimension',
    run: () => tensor(new Float32Array(3), [1.5, 2]),
    cls: ShapeError,
    parts: ['[1.5,2]'],
  },
  { name: 'zeros: NaN dimension', run: () => zeros([NaN, 2]), cls: ShapeError, parts: ['[NaN,2]'] },
  { name: 'zeros: negative dimension', run: () => zeros([-1, 2]), cls: ShapeError, parts: ['zeros', '[-1,2]'] },
  {
    name: 'zeros: more values than an engine can allocate',
    run: () => zeros([1e6, 1e6]),
    cls: ShapeError,
    parts: ['zeros', '[1000000,1000000]'],
  },
  {
    name: 'randomUniform: more values than an engine can allocate',
    run: () => ops.randomUniform([1e5, 1e5, 10]),
    cls: ShapeError,
    parts: ['randomUniform', '[100000,100000,10]'],
  },
  {
    name: 'broadcastTo: more values than an engine can allocate',
    run: () => ops.broadcastTo(zeros([1]), [1e6, 1e6]),
    cls: ShapeError,
    parts: ['broadcastTo', '[1000000,1000000]'],
  },
  {
    name: 'conv2d: output too large for any backend',
    run: () => ops.conv2d(zeros([1, 1, 1, 1]), zeros([1, 1, 1, 1]), { padding: 100000 }),
    cls: ShapeError,
    parts: ['conv2d', '[1,200001,200001,1]', '[1,1,1,1]'],
  },
  {
    name: 'maxPool2d: output too large for any backend',
    run: () => ops.maxPool2d(zeros([1, 1, 1, 1]), { poolSize: 1, padding: 100000 }),
    cls: ShapeError,
    parts: ['maxPool2d', '[1,200001,200001,1]'],
  },
  {
    name: 'matmul: output too large for any backend',
    run: () => ops.matmul(zeros([100000, 1]), zeros([1, 100000])),
    cls: ShapeError,
    parts: ['matmul', '[100000,100000]', '[100000,1]'],
  },
  {
    name: 'oneHot: depth beyond what an engine can allocate',
    run: () => ops.oneHot([0], 2 ** 33),
    cls: ShapeError,
    parts: ['oneHot', '8589934592'],
  },
  // conv family: rank, channels, empty sizes, oversize filters, options
  {
    name: 'conv2d: wrong input rank',
    run: () => ops.conv2d(zeros([8, 8]), w4),
    cls: ShapeError,
    parts: ['conv2d', '[N,H,W,C]', '[8,8]'],
  },
  {
    name: 'conv2d: wrong filter rank',
    run: () => ops.conv2d(x4, zeros([3, 3, 3])),
    cls: ShapeError,
    parts: ['conv2d', '[3,3,3]'],
  },
  {
    name: 'conv2d: channel mismatch',
    run: () => ops.conv2d(x4, zeros([3, 3, 4, 8])),
    cls: ShapeError,
    parts: ['conv2d', '[1,8,8,3]', '[3,3,4,8]'],
  },
  {
    name: 'conv2d: zero-sized height',
    run: () => ops.conv2d(zeros([1, 0, 8, 3]), w4),
    cls: ShapeError,
    parts: ['conv2d', '[1,0,8,3]'],
  },
  {
    name: 'conv2d: zero input channels',
    run: () => ops.conv2d(zeros([1, 8, 8, 0]), zeros([3, 3, 0, 2])),
    cls: ShapeError,
    parts: ['conv2d', '[1,8,8,0]'],
  },
  {
    name: 'conv2d: zero output channels',
    run: () => ops.conv2d(x4, zeros([3, 3, 3, 0])),
    cls: ShapeError,
    parts: ['conv2d', '[3,3,3,0]'],
  },
  {
    name: 'conv2d: zero-sized filter',
    run: () => ops.conv2d(x4, zeros([0, 3, 3, 8])),
    cls: ShapeError,
    parts: ['conv2d', '[0,3,3,8]'],
  },
  {
    name: 'conv2d: filter larger than padded input',
    run: () => ops.conv2d(zeros([1, 4, 4, 3]), zeros([5, 5, 3, 1])),
    cls: ShapeError,
    parts: ['conv2d', '5x5', '4x4', '[1,4,4,3]'],
  },
  {
    name: 'conv2d: unknown option paddding',
    run: () => ops.conv2d(x4, w4, any({ paddding: 'same' })),
    cls: ValueError,
    parts: ['conv2d', "'paddding'"],
  },
  {
    name: 'conv2d: options not an object',
    run: () => ops.conv2d(x4, w4, any('same')),
    cls: ValueError,
    parts: ['conv2d', 'options'],
  },
  {
    name: 'conv2d: input is a Float32Array',
    run: () => ops.conv2d(any(new Float32Array(192)), w4),
    cls: ValueError,
    parts: ['conv2d', 'Tensor'],
  },
  {
    name: 'conv2d: filter is a nested array',
    run: () => ops.conv2d(x4, any([[1]])),
    cls: ValueError,
    parts: ['conv2d', 'Tensor'],
  },
  { name: 'conv2d: input is null', run: () => ops.conv2d(any(null), w4), cls: ValueError, parts: ['conv2d', 'null'] },
  {
    name: 'conv2d: activation not a string',
    run: () => ops.conv2d(x4, w4, any({ activation: 3 })),
    cls: ValueError,
    parts: ['conv2d', '3'],
  },
  {
    name: 'conv2d: unknown activation',
    run: () => ops.conv2d(x4, w4, any({ activation: 'relu7' })),
    cls: ValueError,
    parts: ['conv2d', 'relu7'],
  },
  {
    name: 'conv2d: bias of the wrong size',
    run: () => ops.conv2d(x4, w4, { bias: zeros([3]) }),
    cls: ShapeError,
    parts: ['conv2d', '[8]', '[3]'],
  },
  {
    name: 'conv1d: wrong input rank',
    run: () => ops.conv1d(x4, w3),
    cls: ShapeError,
    parts: ['conv1d', '[N,L,C]', '[1,8,8,3]'],
  },
  {
    name: 'conv1d: channel mismatch',
    run: () => ops.conv1d(x3, zeros([3, 2, 4])),
    cls: ShapeError,
    parts: ['conv1d', '[2,9,3]', '[3,2,4]'],
  },
  {
    name: 'conv1d: filter longer than input',
    run: () => ops.conv1d(x3, zeros([10, 3, 4])),
    cls: ShapeError,
    parts: ['conv1d', '10', '9'],
  },
  {
    name: 'conv3d: wrong input rank',
    run: () => ops.conv3d(x3, w5),
    cls: ShapeError,
    parts: ['conv3d', '[N,D,H,W,C]', '[2,9,3]'],
  },
  {
    name: 'conv3d: channel mismatch',
    run: () => ops.conv3d(x5, zeros([2, 2, 2, 3, 3])),
    cls: ShapeError,
    parts: ['conv3d', '[1,4,5,6,2]', '[2,2,2,3,3]'],
  },
  {
    name: 'conv3d: zero depth',
    run: () => ops.conv3d(zeros([1, 0, 5, 6, 2]), w5),
    cls: ShapeError,
    parts: ['conv3d', '[1,0,5,6,2]'],
  },
  {
    name: 'depthwiseConv2d: channel mismatch',
    run: () => ops.depthwiseConv2d(x4, zeros([3, 3, 4, 1])),
    cls: ShapeError,
    parts: ['depthwiseConv2d', '[1,8,8,3]', '[3,3,4,1]'],
  },
  {
    name: 'depthwiseConv2d: wrong filter rank',
    run: () => ops.depthwiseConv2d(x4, zeros([3, 3, 3])),
    cls: ShapeError,
    parts: ['depthwiseConv2d', '[3,3,3]'],
  },
  // pooling
  {
    name: 'maxPool2d: wrong rank',
    run: () => ops.maxPool2d(zeros([4, 4])),
    cls: ShapeError,
    parts: ['maxPool2d', '[N,H,W,C]', '[4,4]'],
  },
  {
    name: 'maxPool2d: pool larger than input',
    run: () => ops.maxPool2d(zeros([1, 2, 2, 1]), { poolSize: 3 }),
    cls: ShapeError,
    parts: ['maxPool2d', '3x3', '2x2', '[1,2,2,1]'],
  },
  {
    name: 'avgPool2d: zero-sized width',
    run: () => ops.avgPool2d(zeros([1, 4, 0, 1])),
    cls: ShapeError,
    parts: ['avgPool2d', '[1,4,0,1]'],
  },
  {
    name: 'maxPool2d: unknown option pool_size',
    run: () => ops.maxPool2d(x4, any({ pool_size: 2 })),
    cls: ValueError,
    parts: ['maxPool2d', "'pool_size'"],
  },
  {
    name: 'maxPool1d: wrong rank',
    run: () => ops.maxPool1d(x5),
    cls: ShapeError,
    parts: ['maxPool1d', '[N,L,C]', '[1,4,5,6,2]'],
  },
  {
    name: 'avgPool3d: pool larger than input',
    run: () => ops.avgPool3d(x5, { poolSize: 5 }),
    cls: ShapeError,
    parts: ['avgPool3d', '5x5x5', '[1,4,5,6,2]'],
  },
  {
    name: 'globalAvgPool2d: wrong rank',
    run: () => ops.globalAvgPool2d(x3),
    cls: ShapeError,
    parts: ['globalAvgPool2d', '[N,H,W,C]', '[2,9,3]'],
  },
  // dense algebra
  {
    name: 'matmul: inner dimensions',
    run: () => ops.matmul(zeros([2, 3]), zeros([4, 5])),
    cls: ShapeError,
    parts: ['matmul', '[2,3]', '[4,5]'],
  },
  {
    name: 'matmul: rank 1',
    run: () => ops.matmul(zeros([3]), zeros([3, 2])),
    cls: ShapeError,
    parts: ['matmul', '[3]'],
  },
  {
    name: 'dense: feature mismatch',
    run: () => ops.dense(zeros([2, 3]), zeros([4, 5])),
    cls: ShapeError,
    parts: ['dense', '[2,3]', '[4,5]'],
  },
  {
    name: 'dense: bias of the wrong size',
    run: () => ops.dense(zeros([2, 3]), zeros([3, 5]), zeros([4])),
    cls: ShapeError,
    parts: ['dense', '[4]'],
  },
  { name: 'gram: wrong rank', run: () => ops.gram(zeros([4, 4])), cls: ShapeError, parts: ['gram', '[4,4]'] },
  {
    name: 'batchNorm: mean of the wrong size',
    run: () => ops.batchNorm(x4, zeros([4]), zeros([3])),
    cls: ShapeError,
    parts: ['batchNorm', '[4]'],
  },
  // elementwise and shapes
  {
    name: 'add: shapes do not broadcast',
    run: () => ops.add(zeros([2, 3]), zeros([4, 3])),
    cls: ShapeError,
    parts: ['add', '[2,3]', '[4,3]'],
  },
  {
    name: 'mul: shapes do not broadcast',
    run: () => ops.mul(zeros([2, 3]), zeros([2])),
    cls: ShapeError,
    parts: ['mul', '[2,3]', '[2]'],
  },
  { name: 'relu: not a tensor', run: () => ops.relu(any([1, 2])), cls: ValueError, parts: ['relu', 'Tensor'] },
  {
    name: 'softmax: axis out of range',
    run: () => ops.softmax(zeros([2, 3]), 2),
    cls: ValueError,
    parts: ['softmax', '[2,3]'],
  },
  {
    name: 'softmaxCrossEntropy: labels shape differs',
    run: () => ops.softmaxCrossEntropy(zeros([2, 3]), zeros([2, 4])),
    cls: ShapeError,
    parts: ['softmaxCrossEntropy', '[2,3]', '[2,4]'],
  },
  {
    name: 'sparseSoftmaxCrossEntropy: label out of range',
    run: () => ops.sparseSoftmaxCrossEntropy(zeros([2, 3]), [0, 3]),
    cls: ValueError,
    parts: ['sparseSoftmaxCrossEntropy', '3'],
  },
  {
    name: 'reshape: wrong size',
    run: () => ops.reshape(zeros([2, 3]), [4, 2]),
    cls: ShapeError,
    parts: ['reshape', '[4,2]'],
  },
  {
    name: 'concat: mismatched dims',
    run: () => ops.concat([zeros([2, 3]), zeros([3, 3])], 1),
    cls: ShapeError,
    parts: ['concat', '[2,3]', '[3,3]'],
  },
  {
    name: 'transpose: bad permutation',
    run: () => ops.transpose(zeros([2, 3]), [0, 0]),
    cls: ValueError,
    parts: ['transpose', '[0,0]'],
  },
  {
    name: 'slice: out of bounds',
    run: () => ops.slice(zeros([2, 3]), [0, 2], [2, 2]),
    cls: ShapeError,
    parts: ['slice', '[2,3]'],
  },
  {
    name: 'pad: negative padding',
    run: () =>
      ops.pad(zeros([2, 3]), [
        [0, -1],
        [0, 0],
      ]),
    cls: ValueError,
    parts: ['pad'],
  },
  { name: 'sum: axis out of range', run: () => ops.sum(zeros([2, 3]), 5), cls: ValueError, parts: ['sum', '[2,3]'] },
  { name: 'oneHot: negative depth', run: () => ops.oneHot([0, 1], -2), cls: ValueError, parts: ['oneHot', '-2'] },
  { name: 'clip: lo > hi', run: () => ops.clip(zeros([2]), 1, 0), cls: ValueError, parts: ['clip'] },
];

// Non-finite, non-integer, negative and zero strides / dilation / poolSize, and bad padding, for each op.
const windowed: [string, (o: object) => Tensor][] = [
  ['conv1d', (o) => ops.conv1d(x3, w3, o)],
  ['conv2d', (o) => ops.conv2d(x4, w4, o)],
  ['conv3d', (o) => ops.conv3d(x5, w5, o)],
  ['depthwiseConv2d', (o) => ops.depthwiseConv2d(x4, dw, o)],
  ['maxPool1d', (o) => ops.maxPool1d(x3, o)],
  ['maxPool2d', (o) => ops.maxPool2d(x4, o)],
  ['avgPool2d', (o) => ops.avgPool2d(x4, o)],
  ['maxPool3d', (o) => ops.maxPool3d(x5, o)],
  ['avgPool3d', (o) => ops.avgPool3d(x5, o)],
];
for (const [op, f] of windowed) {
  const params = op.includes('Pool') ? ['strides', 'poolSize'] : ['strides', 'dilation'];
  for (const p of params) {
    for (const [label, v] of BAD_NUMBERS)
      cases.push({ name: `${op}: ${p} ${label}`, run: () => f({ [p]: v }), cls: ValueError, parts: [op, p] });
  }
  for (const [label, v] of BAD_PADDING)
    cases.push({
      name: `${op}: padding ${label}`,
      run: () => f({ padding: v }),
      cls: ValueError,
      parts: [op, 'padding'],
    });
}

/** The number of cases per backend (the README quotes it). */
export const OPS_CASES = cases.length;

describe.each(BACKENDS)('bad input to ops on %s', (name) => {
  for (const c of cases) it(c.name, () => runCase(name, c));
});

describe('sizes at the edges', () => {
  for (const name of ['wasm', 'wasm-simd'] as const) {
    it(`${name}: a kernel needing more memory than WebAssembly can grow to is a BackendError, and the arena still works`, () => {
      const arena = backend.module(name)!.arena;
      expect(() => arena.allocBytes(2 ** 33)).toThrow(BackendError);
      backend.use(name);
      expectHealthyConv();
    });
  }
  for (const name of BACKENDS) {
    it(`${name}: an empty batch gives an empty result of the right shape (as TensorFlow)`, () => {
      backend.use(name);
      expect(ops.conv2d(zeros([0, 8, 8, 3]), w4, { padding: 'same' }).shape).toEqual([0, 8, 8, 8]);
      expect(ops.maxPool2d(zeros([0, 8, 8, 3])).shape).toEqual([0, 4, 4, 3]);
      expect(ops.matmul(zeros([0, 3]), zeros([3, 4])).shape).toEqual([0, 4]);
      expectHealthyConv();
    });
  }
});
