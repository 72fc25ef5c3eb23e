// Plan memory with shared packed weights: a zoo network predicted at batch 1 then batch 2 (two plans of one model),
// printing each plan's bytes and the module's pinned and shared-weight bytes after each, with the build + run time.
// Run: node --import tsx bench/plan-memory.ts [vgg16|resnet50]
import { zoo, ops, backend, init } from '../src';
import { planBytes } from '../src/models/plan';
import { sharedWeightBytes } from '../src/models/plan/weights';

async function main(): Promise<void> {
  await init();
  const mod = backend.module(backend.info().kernel)!;
  const name = process.argv[2] ?? 'vgg16';
  const m = name === 'vgg16' ? zoo.vgg16({ seed: 1 }) : zoo.resnet({ depth: 50, seed: 1 });
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  for (const n of [1, 2]) {
    const t = performance.now();
    m.predict(ops.randomUniform([n, 224, 224, 3], { seed: n }), { batchSize: n });
    const b = planBytes(m)!;
    console.log(
      `${name} batch ${n}: plan weights ${mib(b.weights)} MiB, arena ${mib(b.arena)}, scratch ${mib(b.scratch)}; ` +
        `module pinned ${mib(mod.arena.pinnedBytes)} MiB, shared weights ${mib(sharedWeightBytes(mod))} MiB ` +
        `(build and run ${(performance.now() - t).toFixed(0)} ms)`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
