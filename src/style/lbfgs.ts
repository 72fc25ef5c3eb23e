// L-BFGS, the optimiser Gatys, Ecker and Bethge used for neural style transfer: the two-loop recursion of
// Nocedal and Wright ("Numerical Optimization", Algorithm 7.4) over the last `history` steps, with a
// backtracking line search on the Armijo condition. Works on a flat Float32Array (the image's pixels).
import { ValueError } from '../errors';

/** The objective at x: its value and gradient (a new array, or one the caller will not touch again). */
export type Objective = (x: Float32Array) => { value: number; grad: Float32Array };

/** Options of {@link Lbfgs}. */
export interface LbfgsOptions {
  /** Pairs (s, y) kept (default 10). */
  history?: number;
  /** Length of the very first step, as the largest change of one element (default 10: ten grey levels). */
  firstStep?: number;
  /** Halvings tried before a step is given up (default 10). */
  maxBacktracks?: number;
  /** Keeps x in a box after every step (e.g. pixels in 0–255); the gradient is then taken at the clipped point. */
  bounds?: readonly [number, number];
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** A minimiser that keeps its curvature pairs between calls of {@link Lbfgs.step}. */
export class Lbfgs {
  private readonly s: Float32Array[] = [];
  private readonly y: Float32Array[] = [];
  private fx = NaN;
  private gx: Float32Array | null = null;
  /** Objective evaluations so far (each is one forward and backward pass in style transfer). */
  evaluations = 0;
  private readonly history: number;
  private readonly firstStep: number;
  private readonly maxBacktracks: number;

  constructor(
    private readonly f: Objective,
    private readonly opts: LbfgsOptions = {},
  ) {
    this.history = opts.history ?? 10;
    this.firstStep = opts.firstStep ?? 10;
    this.maxBacktracks = opts.maxBacktracks ?? 10;
    if (!Number.isInteger(this.history) || this.history < 1)
      throw new ValueError(`Lbfgs: history must be a positive integer, got ${this.history}`);
    if (!(this.firstStep > 0)) throw new ValueError(`Lbfgs: firstStep must be positive, got ${this.firstStep}`);
  }

  private evaluate(x: Float32Array): { value: number; grad: Float32Array } {
    this.evaluations++;
    const r = this.f(x);
    if (!Number.isFinite(r.value))
      throw new ValueError(`Lbfgs: the objective is ${r.value} at evaluation ${this.evaluations}`);
    return r;
  }

  /** The direction −H·g from the stored pairs (H₀ = γI with γ = s·y / y·y of the newest pair). */
  private direction(g: Float32Array): Float32Array {
    const q = Float32Array.from(g, (v) => -v);
    const k = this.s.length,
      alpha = new Float64Array(k),
      rho = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      rho[i] = 1 / dot(this.y[i], this.s[i]);
      alpha[i] = rho[i] * dot(this.s[i], q);
      const yi = this.y[i];
      for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * yi[j];
    }
    if (k > 0) {
      const gamma = dot(this.s[k - 1], this.y[k - 1]) / dot(this.y[k - 1], this.y[k - 1]);
      for (let j = 0; j < q.length; j++) q[j] *= gamma;
    }
    for (let i = 0; i < k; i++) {
      const beta = rho[i] * dot(this.y[i], q),
        si = this.s[i];
      for (let j = 0; j < q.length; j++) q[j] += (alpha[i] - beta) * si[j];
    }
    return q;
  }

  private clip(x: Float32Array): void {
    if (!this.opts.bounds) return;
    const [lo, hi] = this.opts.bounds;
    for (let i = 0; i < x.length; i++) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
  }

  /** One iteration on x (updated in place); returns the objective at the new x. */
  step(x: Float32Array): number {
    if (!this.gx) {
      const r = this.evaluate(x);
      this.fx = r.value;
      this.gx = r.grad;
    }
    const g = this.gx;
    let d = this.direction(g);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      this.s.length = 0;
      this.y.length = 0;
      d = Float32Array.from(g, (v) => -v);
      slope = dot(g, d);
    }
    let t = 1;
    if (this.s.length === 0) {
      let m = 0;
      for (const v of d) m = Math.max(m, Math.abs(v));
      t = m > 0 ? this.firstStep / m : 0;
    }
    const xNew = new Float32Array(x.length);
    let r: { value: number; grad: Float32Array } | null = null;
    for (let tries = 0; tries <= this.maxBacktracks; tries++) {
      for (let i = 0; i < x.length; i++) xNew[i] = x[i] + t * d[i];
      this.clip(xNew);
      r = this.evaluate(xNew);
      if (r.value <= this.fx + 1e-4 * t * slope) break;
      t /= 2;
      r = null;
    }
    if (!r) {
      this.s.length = 0;
      this.y.length = 0;
      return this.fx;
    } // no decrease along d: forget the curvature, keep x
    const s = new Float32Array(x.length),
      y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = r.grad[i] - g[i];
    }
    // only pairs with positive curvature keep H positive definite
    if (dot(s, y) > 1e-10 * dot(y, y)) {
      this.s.push(s);
      this.y.push(y);
      if (this.s.length > this.history) {
        this.s.shift();
        this.y.shift();
      }
    }
    x.set(xNew);
    this.fx = r.value;
    this.gx = r.grad;
    return this.fx;
  }
}
