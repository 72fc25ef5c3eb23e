// One test per bad-input case: the error class, the op's name and both shapes in the message.
import { describe, it, expect } from 'vitest';
import { ops, tensor, zeros, ShapeError, ValueError, ConvkitError } from '../../src';

function throwsWith(f: () => unknown, cls: typeof ConvkitError, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  const msg = (err as Error).message;
  for (const p of parts)
    expect(msg).toMatch(typeof p === 'string' ? new RegExp(p.replace(/[[\]().*+?^$|\\]/g, '\\$&')) : p);
}

const x = zeros([1, 8, 8, 3]),
  w = zeros([3, 3, 3, 8]);

describe('op errors', () => {
  it('conv2d: wrong input rank', () => {
    throwsWith(
      () => ops.conv2d(zeros([3, 224]), w),
      ShapeError,
      'conv2d: expected input [N,H,W,C], got [3,224]',
      '[3,3,3,8]',
    );
  });
  it('conv2d: wrong filter rank', () => {
    throwsWith(() => ops.conv2d(x, zeros([3, 3, 3])), ShapeError, 'conv2d: expected filter', '[3,3,3]', '[1,8,8,3]');
  });
  it('conv2d: channel mismatch', () => {
    throwsWith(
      () => ops.conv2d(x, zeros([3, 3, 4, 8])),
      ShapeError,
      'conv2d: input has 3 channels but filter expects 4 (input [1,8,8,3], filter [3,3,4,8])',
    );
  });
  it('conv2d: channels-first data gets a hint', () => {
    throwsWith(
      () => ops.conv2d(zeros([3, 224, 224]), w),
      ShapeError,
      'conv2d: input has 224 channels but filter expects 3 (input [3,224,224], filter [3,3,3,8])',
      'channels-first',
      '[N,H,W,C]',
    );
  });
  it('conv2d: filter larger than the padded input', () => {
    throwsWith(
      () => ops.conv2d(zeros([1, 5, 5, 3]), zeros([7, 7, 3, 2])),
      ShapeError,
      'conv2d: filter 7x7 is larger than the padded input 5x5',
      '[1,5,5,3]',
      '[7,7,3,2]',
    );
    expect(ops.conv2d(zeros([1, 5, 5, 3]), zeros([7, 7, 3, 2]), { padding: 1 }).shape).toEqual([1, 1, 1, 2]);
  });
  it('conv2d: dilation makes the filter larger than the input', () => {
    throwsWith(
      () => ops.conv2d(zeros([1, 6, 6, 3]), zeros([3, 3, 3, 2]), { dilation: 3 }),
      ShapeError,
      'filter 7x7 is larger than the padded input 6x6',
    );
  });
  it('conv2d: non-integer strides', () => {
    throwsWith(
      () => ops.conv2d(x, w, { strides: 1.5 }),
      ValueError,
      'conv2d: strides must be positive integers, got 1.5',
    );
  });
  it('conv2d: negative and zero strides', () => {
    throwsWith(
      () => ops.conv2d(x, w, { strides: -1 }),
      ValueError,
      'conv2d: strides must be positive integers, got -1',
    );
    throwsWith(
      () => ops.conv2d(x, w, { strides: [1, 0] }),
      ValueError,
      'conv2d: strides must be positive integers, got [1,0]',
    );
  });
  it('conv2d: bad dilation', () => {
    throwsWith(
      () => ops.conv2d(x, w, { dilation: 0 }),
      ValueError,
      'conv2d: dilation must be positive integers, got 0',
    );
  });
  it('conv2d: unknown option name lists the valid names', () => {
    throwsWith(
      () => ops.conv2d(x, w, { paddding: 'same' } as any),
      ValueError,
      "conv2d: unknown option 'paddding'",
      'strides, padding, dilation, bias, activation',
    );
  });
  it('conv2d: bad padding string', () => {
    throwsWith(
      () => ops.conv2d(x, w, { padding: 'smae' as any }),
      ValueError,
      "conv2d: padding must be 'valid', 'same'",
      '"smae"',
    );
    throwsWith(() => ops.conv2d(x, w, { padding: [1, 2, 3] }), ValueError, 'conv2d: padding must be', '[1,2,3]');
  });
  it('conv2d: bias of the wrong size', () => {
    throwsWith(
      () => ops.conv2d(x, w, { bias: zeros([3]) }),
      ShapeError,
      'conv2d: bias must be [8], got [3]',
      '[1,8,8,3]',
    );
  });
  it('conv1d / conv3d / depthwiseConv2d name themselves and their layouts', () => {
    throwsWith(
      () => ops.conv1d(zeros([2, 3, 4, 5]), zeros([3, 5, 2])),
      ShapeError,
      'conv1d: expected input [N,L,C], got [2,3,4,5]',
      '[3,5,2]',
    );
    throwsWith(
      () => ops.conv3d(zeros([1, 4, 4, 4, 2]), zeros([5, 5, 5, 2, 1])),
      ShapeError,
      'conv3d: filter 5x5x5 is larger than the padded input 4x4x4',
    );
    throwsWith(
      () => ops.depthwiseConv2d(x, zeros([3, 3, 2, 1])),
      ShapeError,
      'depthwiseConv2d: input has 3 channels but filter expects 2',
      '[3,3,2,1]',
    );
  });
  it('pooling: poolSize must be positive integers', () => {
    throwsWith(
      () => ops.maxPool2d(x, { poolSize: 0 }),
      ValueError,
      'maxPool2d: poolSize must be positive integers, got 0',
    );
    throwsWith(
      () => ops.avgPool2d(x, { poolSize: 2.5 }),
      ValueError,
      'avgPool2d: poolSize must be positive integers, got 2.5',
    );
  });
  it('pooling: pool larger than the input, wrong rank, unknown option', () => {
    throwsWith(
      () => ops.maxPool2d(zeros([1, 2, 2, 1]), { poolSize: 3 }),
      ShapeError,
      'maxPool2d: pool 3x3 is larger than the padded input 2x2',
      '[1,2,2,1]',
    );
    throwsWith(() => ops.maxPool2d(zeros([4, 4])), ShapeError, 'maxPool2d: expected input [N,H,W,C], got [4,4]');
    throwsWith(
      () => ops.maxPool2d(x, { pool_size: 2 } as any),
      ValueError,
      "maxPool2d: unknown option 'pool_size'",
      'poolSize, strides, padding',
    );
  });
  it('matmul and dense: inner dimensions', () => {
    throwsWith(
      () => ops.matmul(zeros([2, 3]), zeros([4, 5])),
      ShapeError,
      'matmul: inner dimensions do not match',
      '[2,3]',
      '[4,5]',
    );
    throwsWith(
      () => ops.dense(zeros([2, 3]), zeros([4, 5])),
      ShapeError,
      'dense: x has 3 features but w expects 4 (x [2,3], w [4,5])',
    );
  });
  it('non-tensor arguments', () => {
    throwsWith(() => ops.conv2d([1, 2] as any, w), ValueError, 'conv2d: input must be a Tensor');
    throwsWith(() => ops.relu(tensor([1]).data as any), ValueError, 'relu: x must be a Tensor');
  });
});
