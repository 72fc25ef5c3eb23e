// Batch normalisation over the last axis, fused: y = (x − mean)·scale/√(variance + ε) + offset,
// with gradients to x and to every per-channel parameter (mean and variance included, so
// training-mode statistics computed by ops.moments backpropagate into x through them).
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, needsGrad } from './util';

/** Per-channel values of a parameter: size 1 (broadcast) or C, with every other dimension 1. */
function channelValues(
  p: Tensor | null | undefined,
  c: number,
  name: string,
  x: Tensor,
  fallback: number,
): Float64Array {
  const out = new Float64Array(c).fill(fallback);
  if (p == null) return out;
  checkTensor(p, 'batchNorm', name);
  const last = p.rank ? p.shape[p.rank - 1] : 1;
  if ((p.size !== c && p.size !== 1) || p.shape.slice(0, -1).some((d) => d !== 1) || (last !== c && last !== 1)) {
    throw new ShapeError(
      `batchNorm: ${name} must have ${c} values along the last axis of x ${fmtShape(x.shape)}, got ${fmtShape(p.shape)}`,
    );
  }
  for (let i = 0; i < c; i++) out[i] = p.data[p.size === 1 ? 0 : i];
  return out;
}

/** Reduces a per-element gradient to a parameter's shape (sum over channels' repeats). */
function toParam(acc: Float64Array, p: Tensor): Tensor {
  if (p.size === 1) return new Tensor(Float32Array.of(acc.reduce((a, b) => a + b, 0)), p.shape);
  return new Tensor(Float32Array.from(acc), p.shape);
}

/** Normalises x over its last axis with the given statistics; offset (β) and scale (γ) are optional. */
export function batchNorm(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  offset?: Tensor | null,
  scale?: Tensor | null,
  epsilon = 1e-3,
): Tensor {
  checkTensor(x, 'batchNorm');
  if (x.rank < 1) throw new ShapeError(`batchNorm: expected x of rank >= 1, got ${fmtShape(x.shape)}`);
  if (!(epsilon >= 0)) throw new ValueError(`batchNorm: epsilon must be non-negative, got ${epsilon}`);
  const c = x.shape[x.rank - 1];
  const mu = channelValues(mean, c, 'mean', x, 0),
    v = channelValues(variance, c, 'variance', x, 1);
  const beta = channelValues(offset, c, 'offset', x, 0),
    gamma = channelValues(scale, c, 'scale', x, 1);
  const inv = v.map((s) => 1 / Math.sqrt(s + epsilon));
  const a = gamma.map((g, i) => g * inv[i]),
    b = beta.map((o, i) => o - mu[i] * a[i]);
  // the folded scale and shift run on the active backend's per-channel affine kernel (SIMD on WASM)
  const y =
    c === 0 ? new Float32Array(0) : kernels().channelAffine(x.data, Float32Array.from(a), Float32Array.from(b), c);
  const params = [mean, variance, offset ?? null, scale ?? null];
  const inputs = [x, ...params.filter((p): p is Tensor => p != null)];
  const want = needsGrad(inputs);
  return record(inputs, new Tensor(y, x.shape), (dy) => {
    const dx = want[0] ? new Float32Array(x.size) : null;
    // per channel: Σdy and Σdy·x̂, from which all parameter gradients follow
    const sdy = new Float64Array(c),
      sdyxh = new Float64Array(c);
    for (let i = 0; i < x.size; i += c) {
      for (let k = 0; k < c; k++) {
        const d = dy.data[i + k];
        sdy[k] += d;
        sdyxh[k] += d * (x.data[i + k] - mu[k]) * inv[k];
        if (dx) dx[i + k] = d * a[k];
      }
    }
    const grads: Record<string, Float64Array> = {
      mean: sdy.map((s, k) => -s * a[k]),
      variance: sdyxh.map((s, k) => -0.5 * s * gamma[k] * inv[k] * inv[k]),
      offset: sdy,
      scale: sdyxh,
    };
    const out: (Tensor | null)[] = [dx && new Tensor(dx, x.shape)];
    (['mean', 'variance', 'offset', 'scale'] as const).forEach((name, j) => {
      const p = params[j];
      if (p) out.push(want[out.length] ? toParam(grads[name], p) : null);
    });
    return out;
  });
}
