// Matrix products on the GEMM kernel: matmul (rank 2, or batched rank 3) and dense (fused bias and
// ReLU epilogue). Backward passes are GEMMs with transposes, so they run at GEMM speed too.
import { acquire } from '../backend/pool';
import { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { kernels } from '../backend';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { checkTensor, needsGrad, checkOutputSize, reluBackward } from './util';
import { checkOptions } from '../options';
import { activation as applyActivation } from './eltwise';

/** One GEMM: op(A) m×k times op(B) k×n. */
const mm = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): Float32Array => kernels().matmul(a, b, m, k, n, ta, tb, null, 'linear');

/** Gradients of C = op(A)·op(B) for stored A, B and dC [m,n]. */
function matmulGrads(
  a: Float32Array,
  b: Float32Array,
  dc: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  want: boolean[],
): [Float32Array | null, Float32Array | null] {
  let da: Float32Array | null = null,
    db: Float32Array | null = null;
  if (want[0]) da = ta ? mm(b, dc, k, n, m, tb, true) : mm(dc, b, m, n, k, false, !tb);
  if (want[1]) db = tb ? mm(dc, a, n, m, k, true, ta) : mm(a, dc, k, m, n, !ta, false);
  return [da, db];
}

/** Options of matmul. */
export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/** op(a)·op(b) for rank-2 a and b; rank 3 is batched (a rank-2 operand is shared by every batch). */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  checkTensor(a, 'matmul', 'a');
  checkTensor(b, 'matmul', 'b');
  checkOptions('matmul', opts, ['transposeA', 'transposeB']);
  const ta = !!opts.transposeA,
    tb = !!opts.transposeB;
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new ShapeError(
      `matmul: expected rank-2 or rank-3 operands, got a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)}`,
    );
  }
  const [ar, ac] = a.shape.slice(-2),
    [br, bc] = b.shape.slice(-2);
  const m = ta ? ac : ar,
    k = ta ? ar : ac,
    kb = tb ? bc : br,
    n = tb ? br : bc;
  const batchA = a.rank === 3 ? a.shape[0] : 0,
    batchB = b.rank === 3 ? b.shape[0] : 0;
  if (k !== kb || (batchA && batchB && batchA !== batchB)) {
    throw new ShapeError(
      `matmul: inner dimensions do not match: a ${fmtShape(a.shape)}${ta ? 'ᵀ' : ''} · b ${fmtShape(b.shape)}${tb ? 'ᵀ' : ''}`,
    );
  }
  const batch = Math.max(batchA, batchB, 1);
  checkOutputSize(
    'matmul',
    batchA || batchB ? [batch, m, n] : [m, n],
    `a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)}`,
  );
  const sa = batchA ? m * k : 0,
    sb = batchB ? k * n : 0;
  // one product is the kernel's own output; a batch is gathered into a pooled array it fully overwrites
  const out = batch === 1 ? mm(a.data, b.data, m, k, n, ta, tb) : acquire(batch * m * n);
  for (let i = 0; batch > 1 && i < batch; i++) {
    out.set(
      mm(a.data.subarray(i * sa, i * sa + m * k), b.data.subarray(i * sb, i * sb + k * n), m, k, n, ta, tb),
      i * m * n,
    );
  }
  const shape = batchA || batchB ? [batch, m, n] : [m, n];
  const want = needsGrad([a, b]);
  return record([a, b], new Tensor(out, shape), (dy) => {
    const ga = want[0] ? new Float32Array(a.size) : null,
      gb = want[1] ? new Float32Array(b.size) : null;
    for (let i = 0; i < batch; i++) {
      const [da, db] = matmulGrads(
        a.data.subarray(i * sa, i * sa + m * k),
        b.data.subarray(i * sb, i * sb + k * n),
        dy.data.subarray(i * m * n, (i + 1) * m * n),
        m,
        k,
        n,
        ta,
        tb,
        want,
      );
      // a shared (rank-2) operand sums its gradient over the batch
      if (ga && da) {
        if (sa) ga.set(da, i * sa);
        else for (let j = 0; j < da.length; j++) ga[j] += da[j];
      }
      if (gb && db) {
        if (sb) gb.set(db, i * sb);
        else for (let j = 0; j < db.length; j++) gb[j] += db[j];
      }
    }
    return [ga && new Tensor(ga, a.shape), gb && new Tensor(gb, b.shape)];
  });
}

/** x [N, in] · w [in, out] + bias [out], then an activation (linear and relu fuse into the GEMM). */
export function dense(x: Tensor, w: Tensor, bias?: Tensor | null, activation: string = 'linear'): Tensor {
  checkTensor(x, 'dense', 'x');
  checkTensor(w, 'dense', 'w');
  if (x.rank !== 2 || w.rank !== 2)
    throw new ShapeError(`dense: expected x [N,in] and w [in,out], got x ${fmtShape(x.shape)}, w ${fmtShape(w.shape)}`);
  const [n, k] = x.shape,
    [kw, m] = w.shape;
  if (k !== kw)
    throw new ShapeError(
      `dense: x has ${k} features but w expects ${kw} (x ${fmtShape(x.shape)}, w ${fmtShape(w.shape)})`,
    );
  if (bias && (checkTensor(bias, 'dense', 'bias').size !== m || bias.rank !== 1)) {
    throw new ShapeError(`dense: bias must be [${m}], got ${fmtShape(bias.shape)} (w ${fmtShape(w.shape)})`);
  }
  const fused = activation === 'relu' ? 'relu' : 'linear';
  if (typeof activation !== 'string')
    throw new ValueError(`dense: activation must be a name, got ${typeof activation}`);
  const inputs = bias ? [x, w, bias] : [x, w];
  const want = needsGrad(inputs);
  const y = new Tensor(kernels().matmul(x.data, w.data, n, k, m, false, false, bias ? bias.data : null, fused), [n, m]);
  const out = record(
    inputs,
    y,
    (dy, dyReluMasked) => {
      const dz = fused === 'relu' ? reluBackward(y, dy, dyReluMasked) : dy.data;
      return [
        want[0] ? new Tensor(mm(dz, w.data, n, m, k, false, true), x.shape) : null,
        want[1] ? new Tensor(mm(x.data, dz, k, n, m, true, false), w.shape) : null,
        bias && want[2] ? new Tensor(kernels().channelSums(dz, m), bias.shape) : null,
      ];
    },
    fused === 'relu',
  );
  return fused === activation ? out : applyActivation(out, activation);
}
