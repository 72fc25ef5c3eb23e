// Inference plans behind Model.predict (TF.js and ONNX Runtime keep a session per model; this is that
// session, made lazily): one per model, backend, thread count and input shapes, kept while no weight of
// the model changed (Variable.version counts assign, optimizer steps, moving statistics and freezing).
import { Tensor } from '../../tensor';
import { kernels, backend } from '../../backend';
import { threadsOf } from '../../backend/wasm/module';
import { envVar } from '../../platform';
import type { Layer } from '../../layers';
import type { Variable } from '../../autograd';
import type { Model } from '../model';
import { lower } from './lower';
import { fuse } from './fuse';
import { WasmPlan, PlanBytes } from './run';
import type { Program } from './steps';

/** Plans kept per model: alternating two input shapes (or a last, smaller batch) never rebuilds. */
const PLANS_PER_MODEL = 2;

interface Entry {
  key: string;
  plan: WasmPlan;
  weights: Variable[];
  versions: number[];
}

const cache = new WeakMap<Model, Entry[]>();

/**
 * Models whose plans are int8 (src/quantize): the rewrite that quantises the fused program. Their plans run
 * on the scalar WebAssembly build when the 'js' backend is active (the int8 kernels have no eager path).
 */
export const int8Rewrites = new WeakMap<Model, (p: Program) => void>();
// a model dropped by the program frees its plans' WebAssembly memory
const freed = new FinalizationRegistry<Entry[]>((entries) => {
  for (const e of entries) e.plan.release();
});

function enabled(): boolean {
  const env = envVar('CONVKIT_PLAN');
  return env !== '0' && env !== 'false';
}

/**
 * The model's plan for inputs of these shapes on the active backend, built or reused; null where plans do
 * not run (the 'js' reference kernels, or CONVKIT_PLAN=0), and predict runs the layers eagerly.
 */
export function planFor(model: Model, shapes: number[][], isModel: (l: Layer) => l is Model): WasmPlan | null {
  const k = kernels(),
    rewrite = int8Rewrites.get(model);
  if ((k.name === 'js' && !rewrite) || !enabled()) return null;
  const mod = backend.module(k.name === 'js' ? 'wasm' : k.name)!;
  const key = `${k.name}|${threadsOf(mod)}|${shapes.map((s) => s.join('x')).join(',')}`;
  let entries = cache.get(model);
  if (!entries) {
    entries = [];
    cache.set(model, entries);
    freed.register(model, entries);
  }
  const weights = model.weights;
  const i = entries.findIndex((e) => e.key === key);
  if (i >= 0) {
    const e = entries[i];
    if (
      e.weights.length === weights.length &&
      e.weights.every((w, j) => w === weights[j] && w.version === e.versions[j])
    )
      return e.plan;
    e.plan.release();
    entries.splice(i, 1);
  }
  // evict before building: a new plan pins as much as the one it replaces (VGG-16: 700 MB of packed weights)
  while (entries.length >= PLANS_PER_MODEL) entries.pop()!.plan.release();
  const program = lower(model, shapes, isModel);
  const plan = new WasmPlan(mod, rewrite ? fuse(program, { residuals: false, rewrite }) : fuse(program));
  entries.unshift({ key, plan, weights, versions: weights.map((w) => w.version) });
  return plan;
}

/** Runs the model's plan on xs; returns its first output, or null where plans do not run. */
export function predictPlanned(model: Model, xs: Tensor[], isModel: (l: Layer) => l is Model): Tensor | null {
  const plan = planFor(
    model,
    xs.map((t) => t.shape),
    isModel,
  );
  if (!plan) return null;
  const [y] = plan.run(xs.map((t) => t.data));
  return new Tensor(y, plan.outputShape);
}

/** Bytes the model's most recent plan holds in WebAssembly memory (arena, packed weights, scratch), or null. */
export function planBytes(model: Model): PlanBytes | null {
  return cache.get(model)?.[0]?.plan.bytes ?? null;
}

/** How many int8 steps of the model's most recently built plan run on the relaxed dot path (null: no plan). */
export function planDotSteps(model: Model): number | null {
  return cache.get(model)?.[0]?.plan.dotSteps ?? null;
}
