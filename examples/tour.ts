// `npm start`: the demo tour. Step 1 is the main job, LeNet-5 learning the real MNIST digits.
// Flags: --backend js|wasm|wasm-simd (or CONVKIT_BACKEND), --epochs N, --out DIR, --quick. It writes its
// output to DIR/tour.log as well.
import { parseArgs } from 'node:util';
import { resolve, join } from 'node:path';
import { init } from '../src';
import type { BackendName } from '../src';
import { trainLenet } from '../src/cli/train';
import { runEdges } from './edges';
import { runAugmentDemo } from './augment';
import { runTransfer } from './transfer';
import { runFinetuneOnnx } from './finetune-onnx';
import { runDetect } from './detect';
import { runFaces } from './faces';
import { runOneShot } from './one-shot';
import { runStyle } from './style';
import { runExplain } from './explain';
import { runInt8 } from './int8';
import { fileLog } from './log';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: process.env.CONVKIT_BACKEND },
    epochs: { type: 'string', default: '20' },
    out: { type: 'string', default: 'out' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const out = resolve(values.out!);
/** Everything the tour prints also goes to out/tour.log, the record the README's figures come from. */
const log = fileLog(join(out, 'tour.log'));
const files: string[] = [];

async function step(title: string, f: () => Promise<{ files: string[] }>): Promise<void> {
  const t0 = performance.now();
  log(`\n=== ${title}\n`);
  const r = await f();
  files.push(...r.files);
  log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main() {
  const t0 = performance.now();
  const info = await init(values.backend ? { backend: values.backend as BackendName } : {});
  log(
    `convkit tour — backend ${info.kernel} (simd ${info.simd}, relaxed SIMD ${info.relaxedSimd}, threads ${info.threads})`,
  );

  await step('1. LeNet-5 learns 10,000 real handwritten digits (the main job)', () =>
    trainLenet({
      epochs: values.quick ? 2 : Number(values.epochs),
      seed: Number(values.seed),
      augment: true,
      decay: 0.88,
      out,
      log,
    }),
  );
  await step(
    '2. Transfer learning: digits 0-4 to 5-9 from 50 images per class (convkit, then PyTorch via ONNX)',
    async () => {
      await runTransfer({
        log,
        seed: Number(values.seed),
        ...(values.quick ? { pretrainPerClass: 200, pretrainEpochs: 1, epochs: 3 } : {}),
      });
      log('\nThe same with a network PyTorch trained on digits 0-4 and exported to ONNX:');
      return runFinetuneOnnx({ out, log, seed: Number(values.seed), ...(values.quick ? { epochs: 5 } : {}) });
    },
  );
  await step('3. Edge detection on a real photograph', () => runEdges({ out, log }));
  await step('4. Data augmentation', () => runAugmentDemo({ out, log }));
  await step('5. Object detection: a small YOLO on synthetic shapes, and real faces with landmarks', () =>
    runDetect({ out, log, quick: values.quick, seed: Number(values.seed) }),
  );
  await step('6. Face recognition with a pretrained 128-d encoder', () => runFaces({ out, log }));
  await step('7. One-shot learning: a triplet-loss encoder meets digits it never saw', () =>
    runOneShot({ out, log, seed: Number(values.seed), ...(values.quick ? { steps: 60 } : {}) }),
  );
  await step('8. Neural style transfer: a real photo in the style of Van Gogh', async () => {
    const r = await runStyle({ out, log, ...(values.quick ? { steps: [4, 2], size: 128, stripSteps: 3 } : {}) });
    return { files: [r.output, r.sideBySide, r.strip] };
  });

  await step('9. What the ConvNets learned: top patches per unit, saliency and Grad-CAM', () =>
    runExplain({ out, log, quick: values.quick }),
  );

  await step('10. Int8: a pretrained MobileNetV2 quantised: size on disk, speed, agreement with float', () =>
    runInt8({ log, quick: values.quick }),
  );

  log(`\nfiles written to ${out}:\n${files.map((f) => '  ' + f.replace(out + '/', '')).join('\n')}`);
  log(`\ntour done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
main().catch((e) => {
  console.error(`error: ${e?.message ?? e}`);
  process.exit(1);
});
