// Optional TF.js-style memory management: tidy scopes, keep, dispose. Nothing needs them for
// correctness (unreferenced outputs are garbage collected); they let op outputs reuse the buffers of
// disposed tensors (src/backend/pool.ts), which matters in browsers where fresh arrays are slow.
import { Tensor } from './tensor';
import { tapeHeld } from './autograd/tape';
import { ValueError } from './errors';

/** Tensors created in each open tidy scope, innermost last. */
const scopes: Tensor[][] = [];
/** Tensors exempt from every tidy scope (keep() and Variables). */
const kept = new WeakSet<Tensor>();

/** Called by the Tensor constructor: the innermost tidy scope (if any) owns the new tensor. */
export function track(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

/** Exempts a tensor from disposal by the tidy scopes around it (TF.js's tf.keep); returns it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/** Collects the tensors in a tidy result: a Tensor, or arrays, Maps, Sets and plain objects holding tensors. */
function collect(x: unknown, into: Set<Tensor>, seen: Set<object>): void {
  if (x instanceof Tensor) {
    into.add(x);
    return;
  }
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (Array.isArray(x) || x instanceof Set) for (const v of x) collect(v, into, seen);
  else if (x instanceof Map) for (const v of x.values()) collect(v, into, seen);
  else {
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(x)) collect(v, into, seen);
  }
}

/** Closes the innermost scope: disposes its tensors except those returned, kept, or held by a recording tape. */
function endScope(result: unknown): void {
  const scope = scopes.pop()!;
  const returned = new Set<Tensor>();
  collect(result, returned, new Set());
  const held = tapeHeld();
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (kept.has(t)) continue;
    // returned tensors (and those a tape still needs) belong to the enclosing scope from now on
    if (returned.has(t) || held?.has(t)) outer?.push(t);
    else t.dispose();
  }
}

/**
 * Runs fn and disposes every tensor created inside it except what it returns (a Tensor, or arrays and
 * plain objects holding tensors), tensors passed to keep(), and Variables; scopes nest (a returned tensor
 * belongs to the enclosing scope). Optional: it only lets later ops reuse the freed buffers.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  if (result instanceof Promise) {
    endScope(undefined);
    throw new ValueError('tidy: fn returned a Promise; tidy scopes are synchronous (await outside, tidy inside)');
  }
  endScope(result);
  return result;
}

/** Disposes a tensor, or every tensor in an array or plain object (TF.js's tf.dispose). */
export function dispose(x: unknown): void {
  const all = new Set<Tensor>();
  collect(x, all, new Set());
  for (const t of all) t.dispose();
}

export { poolInfo as memory, setPoolLimit } from './backend/pool';
export type { PoolInfo } from './backend/pool';
