// Reverse-mode autodiff: while a tape is active, each op whose inputs are watched records a node
// with a backward closure (defined next to the op's forward in src/ops). Backprop walks the nodes
// in reverse, summing gradients per tensor. Backward closures run with recording paused.
import { Tensor, Shape } from '../tensor';
import { kernels } from '../backend';

/**
 * Maps the output gradient to one gradient per input (null where an input needs none). dyReluMasked
 * says dy is already zero wherever a fused-ReLU output is 0 (see reluMasked), so the ReLU's own
 * backward may skip its mask.
 */
export type Backward = (dy: Tensor, dyReluMasked: boolean) => (Tensor | null)[];

/** One recorded op; reluOutput marks an output that went through a fused ReLU (conv, dense). */
interface Node {
  inputs: Tensor[];
  output: Tensor;
  backward: Backward;
  reluOutput: boolean;
}

class Tape {
  readonly watched = new Set<Tensor>();
  readonly nodes: Node[] = [];
  /** Outputs of recorded ops and their nodes (each such gradient goes to its node's backward alone). */
  readonly produced = new Map<Tensor, Node>();
  /** Gradients a backward declared already masked by a fused ReLU output's zeros. */
  readonly reluMasked = new WeakSet<Tensor>();
}

const tapes: Tape[] = [];
let paused = 0;
/** The tape whose backward closures are running. */
let backpropTape: Tape | null = null;

/**
 * During backprop: whether x is the output of a fused ReLU recorded on this tape (not a source), so
 * its gradient feeds only that ReLU's backward. A consumer whose gradient is already zero wherever x
 * is 0 (max pooling) folds the ReLU's mask into its own work and says so with reluMasked.
 */
export function isFusedReluOutput(x: Tensor): boolean {
  return backpropTape?.produced.get(x)?.reluOutput ?? false;
}

/** During backprop: declares dx zero wherever its fused-ReLU input is 0 (the ReLU backward skips a pass). */
export function reluMasked(dx: Tensor): Tensor {
  backpropTape?.reluMasked.add(dx);
  return dx;
}

/** True when some tape would record an op on these inputs. */
export function isRecording(inputs: readonly Tensor[]): boolean {
  if (paused > 0 || tapes.length === 0) return false;
  return tapes.some((t) => inputs.some((x) => t.watched.has(x)));
}

/** While a tape records: every tensor its nodes hold (tidy leaves them for backprop); null when none records. */
export function tapeHeld(): Set<Tensor> | null {
  if (tapes.length === 0) return null;
  const held = new Set<Tensor>();
  for (const t of tapes) {
    for (const x of t.watched) held.add(x);
    for (const n of t.nodes) for (const x of n.inputs) held.add(x);
  }
  return held;
}

/** Called by every differentiable op after its forward pass (reluOutput: the op fused a ReLU). */
export function record(inputs: Tensor[], output: Tensor, backward: Backward, reluOutput = false): Tensor {
  if (paused > 0) return output;
  for (const t of tapes) {
    if (inputs.some((x) => t.watched.has(x))) {
      const node = { inputs, output, backward, reluOutput };
      t.nodes.push(node);
      t.watched.add(output);
      // an op that returns one of its inputs produces nothing new
      if (!inputs.includes(output)) t.produced.set(output, node);
    }
  }
  return output;
}

/** Runs f without recording (inference, optimizer updates, backward closures). */
export function noGrad<T>(f: () => T): T {
  paused++;
  try {
    return f();
  } finally {
    paused--;
  }
}

/** Sums two gradients of one tensor (same shapes) with the active backend's add kernel. */
const addGradients = (a: Tensor, b: Tensor): Tensor => new Tensor(kernels().binary('add', a.data, b.data), a.shape);

/**
 * Runs f on a fresh tape watching `sources`, then backpropagates from its (scalar or seeded) result.
 * Returns the value and the gradient of each source (zeros when the result does not depend on it).
 */
export function runTape(
  f: () => Tensor,
  sources: readonly Tensor[],
  seed?: Tensor,
): { value: Tensor; grads: Tensor[] } {
  const tape = new Tape();
  for (const s of sources) tape.watched.add(s);
  tapes.push(tape);
  let value: Tensor;
  try {
    value = f();
  } finally {
    tapes.splice(tapes.indexOf(tape), 1);
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(value, seed ?? new Tensor(new Float32Array(value.size).fill(1), value.shape));
  for (const s of sources) tape.produced.delete(s);
  const outer = backpropTape;
  backpropTape = tape;
  try {
    noGrad(() => {
      for (let i = tape.nodes.length - 1; i >= 0; i--) {
        const node = tape.nodes[i];
        const dy = grads.get(node.output);
        if (!dy) continue;
        const dxs = node.backward(dy, tape.reluMasked.has(dy));
        node.inputs.forEach((x, j) => {
          const dx = dxs[j];
          if (!dx || !tape.watched.has(x)) return;
          checkGradShape(dx.shape, x.shape);
          const prev = grads.get(x);
          grads.set(x, prev ? addGradients(prev, dx) : dx);
        });
      }
    });
  } finally {
    backpropTape = outer;
  }
  return {
    value,
    grads: sources.map((s) => grads.get(s) ?? new Tensor(new Float32Array(s.size), s.shape)),
  };
}

function checkGradShape(g: Shape, x: Shape): void {
  if (g.length !== x.length || g.some((d, i) => d !== x[i])) {
    throw new Error(`internal: gradient shape [${g}] does not match input shape [${x}]`);
  }
}
