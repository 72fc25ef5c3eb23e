// For the benches of int16 activations: the fewest levels quantize's overflow guard (int16Limits in
// src/quantize/program.ts) leaves any int16 value of a quantised model, 32767 where nothing was narrowed. It lowers the
// model as quantize() calibrated it (same value numbers, the aliases the int8 rewrite sees), as io.saveOnnx does.
import { Model, type QuantizedModel } from '../src';
import type { Layer } from '../src';
import { lower } from '../src/models/plan/lower';
import { fuse } from '../src/models/plan/fuse';
import { int16Limits } from '../src/quantize/program';

const isModel = (l: Layer): l is Model => l instanceof Model;

export function narrowestInt16(q: QuantizedModel, shape: number[]): number {
  let aliases: Array<number | undefined> = [];
  const p = fuse(lower(q, [shape], isModel), {
    residuals: false,
    rewrite: (f) => (aliases = f.values.map((v) => v.alias)),
  });
  p.values.forEach((v, i) => (v.alias = aliases[i]));
  const ranges = new Map(q.saved.ranges.map(([v, lo, hi]) => [v, [lo, hi] as [number, number]]));
  const root = (v: number): number => (p.values[v].alias === undefined ? v : root(p.values[v].alias!));
  const rangeOf = (v: number): [number, number] | undefined =>
    ranges.get(v) ?? (p.values[v].alias === undefined ? undefined : rangeOf(p.values[v].alias!));
  const int8 = new Set(q.quantization.int8);
  const chosen = p.steps.filter(
    (s) =>
      (s.kind === 'conv' || s.kind === 'depthwise' || s.kind === 'dense') &&
      !!s.layer &&
      int8.has(s.layer) &&
      !!rangeOf(s.x) &&
      !!rangeOf(s.y),
  ) as Parameters<typeof int16Limits>[1] extends ReadonlySet<infer C> ? C[] : never;
  const limits = int16Limits(p, new Set(chosen), rangeOf, root, new Map(q.saved.bias ?? []));
  return Math.min(32767, ...limits.values());
}
