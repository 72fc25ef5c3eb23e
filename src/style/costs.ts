// The notes' neural-style-transfer costs, built from public ops so `grad` differentiates them down to
// the pixels: J_content = ‖a(C) − a(G)‖², J_style[l] = ‖G(S) − G(G)‖²_F / (2·nH·nW·nC)², J_style = Σ λ[l]·J_style[l].
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { ShapeError, ValueError, fmtShape } from '../errors';
import { gramMatrix } from './gram';

/** One style layer's activations for S and G and its weight λ[l] (default 1). */
export interface StyleTerm {
  aS: Tensor;
  aG: Tensor;
  weight?: number;
}

/** A style layer chosen by name with its weight λ[l]. */
export interface StyleLayer {
  name: string;
  weight: number;
}

function checkActivation(a: unknown, op: string, what: string): asserts a is Tensor {
  if (!(a instanceof Tensor))
    throw new ValueError(`${op}: ${what} must be a Tensor, got ${a === null ? 'null' : typeof a}`);
}

function sameShape(a: Tensor, b: Tensor, op: string, na: string, nb: string): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      `${op}: ${na} and ${nb} must have the same shape, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
}

/** J_content(C, G) = ‖aC − aG‖² (sum of squares over every element, the notes' formula, no normalisation). */
export function contentCost(aC: Tensor, aG: Tensor): Tensor {
  checkActivation(aC, 'contentCost', 'aC');
  checkActivation(aG, 'contentCost', 'aG');
  sameShape(aC, aG, 'contentCost', 'aC', 'aG');
  return ops.sum(ops.square(ops.sub(aC, aG)));
}

/** nH·nW·nC of one layer's activations [H,W,C] or [N,H,W,C] (per image). */
function layerSize(a: Tensor, op: string, what: string): number {
  if (a.rank !== 3 && a.rank !== 4)
    throw new ShapeError(`${op}: expected ${what} [H,W,C] or [N,H,W,C], got ${fmtShape(a.shape)}`);
  const [h, w, c] = a.shape.slice(-3);
  return h * w * c;
}

/**
 * One layer's style cost against a precomputed style Gram matrix gS (what transfer() keeps between steps):
 * Σ ((gS − G(aG)) / (2·nH·nW·nC))². Dividing before squaring keeps the f32 sums far from overflow.
 */
export function gramCost(gS: Tensor, aG: Tensor, op = 'styleCost'): Tensor {
  const n = layerSize(aG, op, 'aG');
  const gG = gramMatrix(aG);
  sameShape(gS, gG, op, 'the style Gram matrix', "aG's Gram matrix");
  return ops.sum(ops.square(ops.mul(ops.sub(gS, gG), 1 / (2 * n))));
}

/**
 * The style cost. `styleCost(aS, aG)`: one layer, 1/(2·nH·nW·nC)² · Σ_k Σ_k' (G(S)[k][k'] − G(G)[k][k'])².
 * `styleCost([{ aS, aG, weight }, ...])`: several layers, Σ λ[l]·J_style[l] with λ = weight (default 1).
 */
export function styleCost(aS: Tensor, aG: Tensor): Tensor;
export function styleCost(terms: readonly StyleTerm[]): Tensor;
export function styleCost(a: Tensor | readonly StyleTerm[], b?: Tensor): Tensor {
  if (Array.isArray(a)) {
    if (b !== undefined) throw new ValueError('styleCost: pass either (aS, aG) or one array of { aS, aG, weight }');
    if (a.length === 0) throw new ValueError('styleCost: expected at least one { aS, aG, weight } term');
    let total: Tensor | null = null;
    a.forEach((t: StyleTerm, i) => {
      if (t === null || typeof t !== 'object')
        throw new ValueError(`styleCost: term ${i} must be { aS, aG, weight }, got ${JSON.stringify(t)}`);
      const w = t.weight ?? 1;
      if (!Number.isFinite(w))
        throw new ValueError(`styleCost: term ${i} has weight ${w}; weights must be finite numbers`);
      const j = ops.mul(oneLayer(t.aS, t.aG, `styleCost: term ${i}`), w);
      total = total ? ops.add(total, j) : j;
    });
    return total!;
  }
  return oneLayer(a as Tensor, b as Tensor, 'styleCost');
}

function oneLayer(aS: Tensor, aG: Tensor, op: string): Tensor {
  checkActivation(aS, op, 'aS');
  checkActivation(aG, op, 'aG');
  layerSize(aS, op, 'aS');
  sameShape(aS, aG, op, 'aS', 'aG');
  return gramCost(gramMatrix(aS), aG, op);
}

/** J(G) = α·J_content + β·J_style (the notes' total cost; α = 10, β = 40 are the course's defaults). */
export function totalCost(jContent: Tensor, jStyle: Tensor, alpha = 10, beta = 40): Tensor {
  checkActivation(jContent, 'totalCost', 'jContent');
  checkActivation(jStyle, 'totalCost', 'jStyle');
  if (!Number.isFinite(alpha) || !Number.isFinite(beta))
    throw new ValueError(`totalCost: alpha and beta must be finite numbers, got ${alpha}, ${beta}`);
  return ops.add(ops.mul(jContent, alpha), ops.mul(jStyle, beta));
}

/**
 * Total variation of images [H,W,C] or [N,H,W,C]: the sum of squared differences between vertically and
 * horizontally neighbouring pixels (squared, unlike tf.image.total_variation's absolute values, so its
 * gradient is smooth). Added to J it removes the high-frequency speckle pixel optimisation leaves.
 */
export function totalVariation(x: Tensor): Tensor {
  checkActivation(x, 'totalVariation', 'x');
  if (x.rank !== 3 && x.rank !== 4)
    throw new ShapeError(`totalVariation: expected images [H,W,C] or [N,H,W,C], got ${fmtShape(x.shape)}`);
  const t = x.rank === 3 ? ops.reshape(x, [1, ...x.shape]) : x;
  const [n, h, w, c] = t.shape;
  let tv = ops.sum(
    ops.square(ops.sub(ops.slice(t, [0, 1, 0, 0], [n, h - 1, w, c]), ops.slice(t, [0, 0, 0, 0], [n, h - 1, w, c]))),
  );
  tv = ops.add(
    tv,
    ops.sum(
      ops.square(ops.sub(ops.slice(t, [0, 0, 1, 0], [n, h, w - 1, c]), ops.slice(t, [0, 0, 0, 0], [n, h, w - 1, c]))),
    ),
  );
  return tv;
}

/**
 * Style layers with their λ[l]: `layerWeights(['a', 'b'])` gives each 1/L (as the course's 0.2 for five
 * layers); `layerWeights(['a', 'b'], [1, 3])` normalises the given weights to sum to 1 (0.25, 0.75).
 */
export function layerWeights(names: readonly string[], weights?: readonly number[]): StyleLayer[] {
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new ValueError(`layerWeights: expected a non-empty array of layer names, got ${JSON.stringify(names)}`);
  }
  const w = weights ?? names.map(() => 1);
  if (w.length !== names.length)
    throw new ValueError(`layerWeights: ${names.length} layer names but ${w.length} weights`);
  if (w.some((v) => !Number.isFinite(v) || v < 0))
    throw new ValueError(`layerWeights: weights must be non-negative numbers, got ${JSON.stringify(w)}`);
  const total = w.reduce((a, v) => a + v, 0);
  if (!(total > 0)) throw new ValueError('layerWeights: the weights sum to 0');
  return names.map((name, i) => ({ name, weight: w[i] / total }));
}
