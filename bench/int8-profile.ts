// Where int8 and float plan time goes, per step kind: runs each plan with CONVKIT_PLAN_PROFILE set (per-step
// performance.now() around every kernel call), batch 1, one thread (--threads: more); prints ms per run summed by
// kind and the slowest steps. Per-step timing adds a little overhead to every step, so compare kinds, not totals with
// bench/int8.ts.
// Run: CONVKIT_PLAN_PROFILE=1 node --import tsx bench/int8-profile.ts [--models mobilenetv2,resnet50,facedetector]
// [--runs 10] [--threads 1] [--before] [--int16] [--steps]
// (--before: an int8 plan with leaky ReLU and max pooling float too, CONVKIT_INT8_ACT=0; --int16: a plan with int16
// activations too, quantize's 16x8 mode; --steps: every step's ms per run too, in plan order)
import { init, backend, zoo, quantize, detect, Tensor, Model } from '../src';
import type { Layer } from '../src';
import { loadNsfwjs } from '../src/io/pretrained';
import { planFor } from '../src/models/plan';
import { seeded } from './util';

const args = process.argv.slice(2);
const flag = (f: string) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 10);
const threads = Number(flag('--threads') ?? 1);
const models = (flag('--models') ?? 'mobilenetv2,resnet50').split(',');
const NETWORKS: Record<string, () => Promise<Model>> = {
  mobilenetv2: () => loadNsfwjs('mobilenet_v2'),
  resnet50: async () => zoo.resnet({ depth: 50, seed: 1 }),
  facedetector: async () => (await detect.tinyFaceDetector()).model,
};
/** Input sides: face-api's tiny detector at 416 (its inputSize in face-api's pipeline), the others 224. */
const SIDE: Record<string, number> = { facedetector: 416 };
const isModel = (l: Layer): l is Model => l instanceof Model;

async function main(): Promise<void> {
  if (!process.env.CONVKIT_PLAN_PROFILE) throw new Error('set CONVKIT_PLAN_PROFILE=1');
  backend.setThreads(threads);
  await init();
  for (const name of models) {
    const m = await NETWORKS[name]();
    const side = SIDE[name] ?? 224;
    const x = new Tensor(seeded(side * side * 3, 1), [1, side, side, 3]);
    const q = quantize(m, { calibration: new Tensor(seeded(2 * side * side * 3, 2), [2, side, side, 3]) });
    const before = args.includes('--before')
      ? quantize(m, { calibration: new Tensor(seeded(2 * side * side * 3, 2), [2, side, side, 3]) })
      : null;
    const int16 = args.includes('--int16')
      ? quantize(m, {
          calibration: new Tensor(seeded(2 * side * side * 3, 2), [2, side, side, 3]),
          activations: 'int16',
        })
      : null;
    for (const [impl, net] of [
      ['float', m],
      ['int8', q],
      ...(before ? [['int8 before', before] as const] : []),
      ...(int16 ? [['int16', int16] as const] : []),
    ] as const) {
      if (impl === 'int8 before') process.env.CONVKIT_INT8_ACT = '0';
      const plan = planFor(net, [x.shape], isModel)!;
      delete process.env.CONVKIT_INT8_ACT;
      for (let i = 0; i < 3; i++) plan.run([x.data]); // warm-up (V8 tiers up)
      plan.profile!.ms.fill(0);
      plan.profile!.runs = 0;
      for (let i = 0; i < runs; i++) plan.run([x.data]);
      const steps = plan.stepProfile()!;
      const byKind = new Map<string, [number, number]>();
      for (const s of steps) {
        const k = s.label
          .split(' ')
          .slice(0, s.label.startsWith('int8') ? 2 : 1)
          .join(' ');
        const e = byKind.get(k) ?? [0, 0];
        byKind.set(k, [e[0] + s.ms, e[1] + 1]);
      }
      const total = steps.reduce((t, s) => t + s.ms, 0);
      console.log(
        `\n${name} ${impl}: ${total.toFixed(1)} ms per run (${steps.length} steps, median-free mean of ${runs})`,
      );
      if (args.includes('--steps')) for (const s of steps) console.log(`  ${s.label.padEnd(40)} ${s.ms.toFixed(3)} ms`);
      for (const [k, [ms, n]] of [...byKind].sort((a, b) => b[1][0] - a[1][0]))
        console.log(
          `  ${k.padEnd(16)} ${ms.toFixed(2).padStart(7)} ms ${((100 * ms) / total).toFixed(0).padStart(3)}%  (${n} steps)`,
        );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
