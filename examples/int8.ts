// Tour step: int8 post-training quantisation of a real pretrained network (nsfwjs's MobileNetV2), calibrated on crops
// of the demo photos: its size on disk, its speed against the float plan (batch 1, wall clock, interleaved, medians)
// and how often its top-1 class agrees with float's on other crops, beside how often float agrees with itself when a
// gray level of noise is added (crops of group photos are far from nsfwjs's training pictures; many sit near a tie).
// Then the same with int16 activations (quantize's 16x8 mode): int8 weights, 16-bit values between the layers.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, quantize, Tensor } from '../src';
import type { Model } from '../src';
import { photoCrops } from './photos';

const dirBytes = (d: string) => readdirSync(d).reduce((a, f) => a + statSync(join(d, f)).size, 0);

const argmax = (d: Float32Array, off: number, n: number) => {
  let b = 0;
  for (let j = 1; j < n; j++) if (d[off + j] > d[off + b]) b = j;
  return b;
};

/** Median wall-clock ms of each model's predict on x, the models alternating call by call. */
function interleaved(models: Model[], x: Tensor, rounds: number): number[] {
  const t: number[][] = models.map(() => []);
  for (let r = -2; r < rounds; r++)
    models.forEach((m, i) => {
      const t0 = performance.now();
      m.predict(x);
      if (r >= 0) t[i].push(performance.now() - t0);
    });
  return t.map((v) => v.sort((a, b) => a - b)[v.length >> 1]);
}

export async function runInt8(opts: {
  log: (s: string) => void;
  quick?: boolean;
}): Promise<{ files: string[]; agreement: number; agreement16: number; speedup: number; sizeRatio: number }> {
  const { log } = opts;
  const m = await io.loadNsfwjs('mobilenet_v2');
  const cal = await photoCrops(opts.quick ? 16 : 32, 1),
    test = await photoCrops(opts.quick ? 30 : 200, 2);
  const params = m.summary({ print: false }).totals.params;
  log(`nsfwjs MobileNetV2 (${params.toLocaleString('en')} parameters), calibrated on ${cal.shape[0]} photo crops`);
  const t0 = performance.now();
  let last = '';
  const q = quantize(m, {
    calibration: cal,
    rounding: 'adaptive',
    onProgress: (p) => {
      const line = `  ${p.stage} ${p.done}/${p.total}`;
      if (p.done === p.total && line !== last) log((last = line));
    },
  });
  const { quantization } = q.summary({ print: false });
  log(
    `quantised in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${quantization!.int8.length} layers int8, ` +
      `${quantization!.float.length} float`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'convkit-int8-'));
  let sizeRatio: number;
  try {
    await io.save(m, join(dir, 'float'));
    await io.save(q, join(dir, 'int8'));
    const f = dirBytes(join(dir, 'float')),
      i = dirBytes(join(dir, 'int8'));
    sizeRatio = f / i;
    log(
      `on disk: float ${(f / 2 ** 20).toFixed(1)} MiB, int8 ${(i / 2 ** 20).toFixed(1)} MiB (${sizeRatio.toFixed(1)}x)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const one = new Tensor(test.data.slice(0, 224 * 224 * 3), [1, 224, 224, 3]);
  const q16 = quantize(m, { calibration: cal, rounding: 'adaptive', activations: 'int16' });
  const [tf, ti, t16] = interleaved([m, q, q16], one, opts.quick ? 5 : 15);
  const speedup = tf / ti;
  log(`batch 1: float plan ${tf.toFixed(1)} ms, int8 plan ${ti.toFixed(1)} ms (${speedup.toFixed(2)}x)`);

  const yf = m.predict(test).data,
    yq = q.predict(test).data,
    k = yf.length / test.shape[0];
  const agreeing = (y: Float32Array) => {
    let a = 0;
    for (let i = 0; i < test.shape[0]; i++) if (argmax(yf, i * k, k) === argmax(y, i * k, k)) a++;
    return a;
  };
  const agree = agreeing(yq),
    agreement = agree / test.shape[0];
  log(`top-1 class agrees with float on ${agree} of ${test.shape[0]} other crops (${(100 * agreement).toFixed(1)}%)`);
  // what these crops allow: many sit near a tie between two classes, so a gray level of noise moves float too
  let s = 7;
  const noisy = test.data.map((v) =>
    Math.min(1, Math.max(0, v + ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * (2 / 255))),
  );
  log(
    `(the float model itself, with ±1/255 of pixel noise, agrees with float on ${agreeing(m.predict(new Tensor(noisy, [...test.shape])).data)})`,
  );
  const agree16 = agreeing(q16.predict(test).data);
  log(
    `with int16 activations (16x8): ${t16.toFixed(1)} ms (${(tf / t16).toFixed(2)}x float), top-1 agrees on ` +
      `${agree16} of ${test.shape[0]}: what is left is the int8 weights' error`,
  );
  return { files: [], agreement, agreement16: agree16 / test.shape[0], speedup, sizeRatio };
}
