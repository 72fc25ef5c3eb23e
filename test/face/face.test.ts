import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init,
  backend,
  face,
  tensor,
  Tensor,
  ops,
  io,
  valueAndGrads,
  ShapeError,
  ValueError,
  ModelFormatError,
  layers,
  model,
} from '../../src/index';
import { gradcheck, rand } from '../helpers/gradcheck';
import { runOneShot, partIdentities } from '../../examples/one-shot';

beforeAll(async () => {
  await init();
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
};

describe('face.distance / verify', () => {
  it('is the squared Euclidean distance, per row for batches', () => {
    expect(face.distance([1, 2, 3], [4, 6, 3]).item()).toBeCloseTo(9 + 16, 6);
    const d = face.distance(
      tensor([
        [0, 0],
        [1, 1],
      ]),
      tensor([
        [3, 4],
        [1, 0],
      ]),
    );
    expect(d.shape).toEqual([2]);
    close(d.data, [25, 1]);
  });

  it('verify is distance < threshold', () => {
    expect(face.verify([0, 0], [0.6, 0.8], 1.01)).toBe(true);
    expect(face.verify([0, 0], [0.6, 0.8], 1)).toBe(false);
    expect(
      face.verify(
        tensor([
          [0, 0],
          [1, 1],
        ]),
        tensor([
          [0, 0.5],
          [0, 0],
        ]),
        0.5,
      ),
    ).toEqual([true, false]);
  });

  it('rejects embeddings of different sizes and bad thresholds', () => {
    expect(() => face.distance([1, 2, 3], [1, 2])).toThrow(ShapeError);
    expect(() => face.distance([1, 2, 3], [1, 2])).toThrow(/face\.distance.*\[3\].*\[2\]/);
    expect(() => face.verify([1], [1, 2], 0.5)).toThrow(ShapeError);
    expect(() => face.verify([1], [2], NaN)).toThrow(ValueError);
    expect(() => face.distance(tensor([[[1]]]), tensor([[[1]]]))).toThrow(ShapeError);
  });

  it('l2Normalize puts rows on the unit sphere', () => {
    const y = face.l2Normalize(
      tensor([
        [3, 4],
        [0, 0],
        [1, 0],
      ]),
    );
    close(y.data, [0.6, 0.8, 0, 0, 1, 0]);
  });
});

describe('face.tripletLoss', () => {
  it('matches the formula on hand-computed values', () => {
    // row 0: d(a,p) = 1, d(a,n) = 4 -> max(1 - 4 + 0.2, 0) = 0
    // row 1: d(a,p) = 2, d(a,n) = 1 -> max(2 - 1 + 0.2, 0) = 1.2
    const a = tensor([
        [0, 0],
        [1, 1],
      ]),
      p = tensor([
        [1, 0],
        [2, 2],
      ]),
      n = tensor([
        [2, 0],
        [1, 2],
      ]);
    expect(face.tripletLoss(a, p, n).item()).toBeCloseTo((0 + 1.2) / 2, 6);
    expect(face.tripletLoss(a, p, n, 3.5).item()).toBeCloseTo((0.5 + 4.5) / 2, 6);
  });

  it('has the gradient of finite differences on every input', () => {
    const a = rand([5, 7], 1),
      p = rand([5, 7], 2),
      n = rand([5, 7], 3);
    const f = (x: Tensor, y: Tensor, z: Tensor) => face.tripletLoss(x, y, z, 0.5);
    // some rows active, some not, so both branches of the max are crossed
    const rows = ops.sub(ops.sum(ops.square(ops.sub(a, p)), -1), ops.sum(ops.square(ops.sub(a, n)), -1)).data;
    expect(Array.from(rows).some((v) => v + 0.5 > 0.05) && Array.from(rows).some((v) => v + 0.5 < -0.05)).toBe(true);
    gradcheck(f, [a, p, n], { eps: 1e-3 });
  });

  it('rejects mismatched shapes', () => {
    expect(() => face.tripletLoss(rand([4, 8], 1), rand([4, 8], 2), rand([4, 6], 3))).toThrow(ShapeError);
    expect(() => face.tripletLoss(rand([4, 8], 1), rand([3, 8], 2), rand([4, 8], 3))).toThrow(
      /anchor \[4,8\] and positive \[3,8\]/,
    );
    expect(() => face.tripletLoss(rand([8], 1), rand([8], 2), rand([8], 3))).toThrow(ShapeError);
  });
});

describe('face.mineTriplets', () => {
  // On a line: class 0 at 0, 1, 5; class 1 at 2, 3, 9 (1-D embeddings, squared distances).
  const e = tensor([[0], [1], [5], [2], [3], [9]]);
  const labels = [0, 0, 0, 1, 1, 1];

  it("'hard' takes the farthest positive and closest negative of each anchor", () => {
    const t = face.mineTriplets(e, labels, 'hard');
    expect(t.anchors).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.positives).toEqual([2, 2, 0, 5, 5, 3]);
    // anchor 4 (at 3): negatives at 1 and 5 tie at d = 4; the lower index, 1, wins
    expect(t.negatives).toEqual([3, 3, 4, 1, 1, 2]);
  });

  it("'semihard' takes the closest negative farther than the positive, else the farthest", () => {
    const t = face.mineTriplets(e, labels, 'semihard');
    // anchor 0: p=1 (d 1) -> negatives 2,3,9 at d 4,9,81 -> 3 (index 3); p=5 (d 25) -> 81 -> index 5
    expect(t.anchors.slice(0, 2)).toEqual([0, 0]);
    expect(t.positives.slice(0, 2)).toEqual([1, 2]);
    expect(t.negatives.slice(0, 2)).toEqual([3, 5]);
    // anchor 2 (at 5), p = 0 (d 25): the negatives (d 9, 4, 16) are all closer -> the farthest, index 5
    const i = t.anchors.indexOf(2);
    expect(t.positives[i]).toBe(0);
    expect(t.negatives[i]).toBe(5);
    expect(t.anchors.length).toBe(12);
  });

  it("'all' lists every valid triplet", () => {
    const t = face.mineTriplets(e, labels, 'all');
    expect(t.anchors.length).toBe(6 * 2 * 3);
    for (let i = 0; i < t.anchors.length; i++) {
      expect(labels[t.anchors[i]]).toBe(labels[t.positives[i]]);
      expect(t.anchors[i]).not.toBe(t.positives[i]);
      expect(labels[t.negatives[i]]).not.toBe(labels[t.anchors[i]]);
    }
  });

  it('skips anchors without a positive and rejects bad input', () => {
    const t = face.mineTriplets(tensor([[0], [1], [2]]), [0, 0, 1], 'hard');
    expect(t.anchors).toEqual([0, 1]);
    expect(() => face.mineTriplets(e, [0, 1], 'hard')).toThrow(ShapeError);
    expect(() => face.mineTriplets(e, labels, 'easy' as never)).toThrow(ValueError);
  });
});

describe('face.encoder (siamese use)', () => {
  it('outputs unit-length encodings of the asked size', () => {
    const enc = face.encoder({ inputShape: [12, 12, 1], embeddingSize: 16, filters: [4, 8], seed: 3 });
    const y = enc.predict(rand([3, 12, 12, 1], 5, 0, 1));
    expect(y.shape).toEqual([3, 16]);
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let k = 0; k < 16; k++) s += y.data[r * 16 + k] ** 2;
      expect(s).toBeCloseTo(1, 5);
    }
    expect(() => face.encoder({ inputShape: [28, 28] })).toThrow(ValueError);
    expect(() => face.encoder({ inputShape: [4, 4, 1], filters: [2, 2, 2] })).toThrow(/pooling stages/);
  });

  it('sums the gradients of the three calls into the shared weights', () => {
    const enc = face.encoder({ inputShape: [8, 8, 1], embeddingSize: 6, filters: [3], seed: 7 });
    const xa = rand([4, 8, 8, 1], 11, 0, 1),
      xp = rand([4, 8, 8, 1], 12, 0, 1),
      xn = rand([4, 8, 8, 1], 13, 0, 1);
    const vars = enc.trainableWeights;
    const ea = enc.predict(xa),
      ep = enc.predict(xp),
      en = enc.predict(xn);
    // The gradient through the shared encoder equals the sum of three gradients, one per role,
    // each with the other two encodings held fixed.
    const full = valueAndGrads(() => face.tripletLoss(enc.apply(xa), enc.apply(xp), enc.apply(xn), 1.5), vars).grads;
    const parts = [
      valueAndGrads(() => face.tripletLoss(enc.apply(xa), ep, en, 1.5), vars).grads,
      valueAndGrads(() => face.tripletLoss(ea, enc.apply(xp), en, 1.5), vars).grads,
      valueAndGrads(() => face.tripletLoss(ea, ep, enc.apply(xn), 1.5), vars).grads,
    ];
    let nonzero = 0;
    full.forEach((g, i) => {
      const sum = Float32Array.from(g.data, (_, k) => parts[0][i].data[k] + parts[1][i].data[k] + parts[2][i].data[k]);
      close(g.data, sum, 1e-5);
      nonzero += parts.filter((p) => p[i].data.some((v) => Math.abs(v) > 1e-6)).length;
    });
    expect(nonzero).toBe(3 * vars.length);
  });

  it('survives io round trips of its config (UnitNormalization registered)', () => {
    const enc = face.encoder({ inputShape: [8, 8, 1], embeddingSize: 4, filters: [2], seed: 1 });
    expect(enc.layers.at(-1)!.className).toBe('UnitNormalization');
    expect(layers.fromConfig(layers.serialize(enc.layers.at(-1)!)).className).toBe('UnitNormalization');
  });
});

describe('face.siameseClassifier', () => {
  const enc = () => face.encoder({ inputShape: [6, 6, 1], embeddingSize: 5, filters: [2], seed: 2 });

  it('computes σ(Σ w_k φ_k + b) with abs and chi2 features', () => {
    const f1 = tensor([
        [0.5, -0.2, 0],
        [0.1, 0.1, 0.3],
      ]),
      f2 = tensor([
        [0.1, 0.4, 0],
        [0.1, 0.3, -0.3],
      ]);
    close(
      face.siameseClassifier({ encoder: enc(), features: 'abs' }).pairFeatures(f1, f2).data,
      [0.4, 0.6, 0, 0, 0.2, 0.6],
    );
    const chi = face.siameseClassifier({ encoder: enc(), features: 'chi2' }).pairFeatures(f1, f2).data;
    close(chi, [0.16 / 0.6, 0.36 / 0.6, 0, 0, 0.04 / 0.4, 0.36 / 0.6], 1e-4);
    expect(chi.every(Number.isFinite)).toBe(true);
    const s = face.siameseClassifier({ encoder: enc(), seed: 4 });
    const x1 = rand([3, 6, 6, 1], 1, 0, 1),
      x2 = rand([3, 6, 6, 1], 2, 0, 1);
    const p = s.predict(x1, x2);
    const e1 = s.encoder.apply(x1),
      e2 = s.encoder.apply(x2);
    for (let i = 0; i < 3; i++) {
      let z = s.b!.data[0];
      for (let k = 0; k < 5; k++) z += s.w!.data[k] * Math.abs(e1.data[i * 5 + k] - e2.data[i * 5 + k]);
      expect(p.data[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 5);
    }
  });

  it('learns to tell same from different pairs and rejects bad features', () => {
    // two "identities": bright top half vs bright bottom half, with noise
    const img = (top: boolean, seed: number) => {
      const n = ops.randomUniform([6, 6, 1], { min: 0, max: 0.3, seed }).data;
      for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) if (r < 3 === top) n[r * 6 + c] += 0.7;
      return n;
    };
    const N = 48,
      a = new Float32Array(N * 36),
      b = new Float32Array(N * 36),
      y: number[] = [];
    for (let i = 0; i < N; i++) {
      const ta = i % 2 === 0,
        same = i % 4 < 2;
      a.set(img(ta, 100 + i), i * 36);
      b.set(img(same ? ta : !ta, 500 + i), i * 36);
      y.push(same ? 1 : 0);
    }
    const x1 = new Tensor(a, [N, 6, 6, 1]),
      x2 = new Tensor(b, [N, 6, 6, 1]);
    const s = face.siameseClassifier({ encoder: enc(), seed: 1 });
    const hist = s.fit(x1, x2, y, { epochs: 15, batchSize: 16 });
    expect(hist.at(-1)!).toBeLessThan(hist[0]);
    const p = s.predict(x1, x2).data;
    expect(y.filter((v, i) => (p[i] > 0.5 ? 1 : 0) === v).length / N).toBeGreaterThan(0.9);
    expect(() => face.siameseClassifier({ encoder: enc(), features: 'l1' as never })).toThrow(ValueError);
    expect(() => s.predict(x1, ops.slice(x2, 0, 3))).toThrow(ShapeError);
  });
});

describe('face.FaceDatabase', () => {
  // A fixed "encoder": the first two pixels of each image, normalised.
  const encode = (x: Tensor) =>
    face.l2Normalize(
      ops.reshape(ops.slice(ops.reshape(x, [x.shape[0], -1]), [0, 0], [x.shape[0], 2]), [x.shape[0], 2]),
    );
  const img = (a: number, b: number) =>
    tensor([
      [[a], [b]],
      [[0], [0]],
    ]);

  it('adds from one image, identifies, verifies and says "not recognized"', () => {
    const db = new face.FaceDatabase(encode, { threshold: 0.1 });
    db.add('ann', img(1, 0)).add('bob', img(0, 1));
    expect(db.ids).toEqual(['ann', 'bob']);
    const m = db.identify(img(1, 0.1));
    expect(m).not.toBe('not recognized');
    expect((m as face.Match).id).toBe('ann');
    // ‖(1, 0.1)/‖·‖ − (1, 0)‖²
    const u = [1 / Math.hypot(1, 0.1), 0.1 / Math.hypot(1, 0.1)];
    expect((m as face.Match).distance).toBeCloseTo((u[0] - 1) ** 2 + u[1] ** 2, 5);
    expect(db.identify(img(1, 1))).toBe('not recognized');
    expect(db.verify('bob', img(0.05, 1)).match).toBe(true);
    expect(db.verify('ann', img(0.05, 1)).match).toBe(false);
    expect(() => db.verify('carl', img(1, 0))).toThrow(ValueError);
  });

  it('works with a convkit model as encoder', () => {
    const x = layers.input({ shape: [2, 2, 1] });
    const enc = model({ inputs: x, outputs: new face.L2Normalize().apply(layers.flatten().apply(x)) });
    const db = new face.FaceDatabase(enc, { threshold: 0.5 });
    db.add('a', img(1, 0)).add('b', img(0, 1));
    expect((db.identify(img(0.9, 0.1)) as face.Match).id).toBe('a');
  });

  it('saves and loads as JSON (object, text and file)', async () => {
    const db = new face.FaceDatabase(encode, { threshold: 0.3 });
    db.add('ann', img(1, 0)).add('bob', img(0, 1)).add('bob', img(0.2, 1));
    const j = await db.save();
    expect(j.format).toBe('convkit-face-database');
    const dir = mkdtempSync(join(tmpdir(), 'facedb-'));
    await db.save(join(dir, 'db.json'));
    for (const src of [j, JSON.stringify(j), join(dir, 'db.json')]) {
      const back = await face.FaceDatabase.load(encode, src);
      expect(back.threshold).toBe(0.3);
      expect(back.size).toBe(3);
      expect(back.distances(img(0.1, 1))).toEqual(db.distances(img(0.1, 1)));
    }
  });

  it('throws typed errors: empty database, wrong sizes, files not ours', async () => {
    const db = new face.FaceDatabase(encode);
    expect(() => db.identify(img(1, 0))).toThrow(/empty/);
    expect(() => db.identify(img(1, 0))).toThrow(ValueError);
    db.add('ann', [1, 0]);
    expect(() => db.add('bob', [1, 0, 0])).toThrow(ShapeError);
    expect(() => db.identify([0, 1, 0])).toThrow(ShapeError);
    expect(() => new face.FaceDatabase(encode, { threshold: -1 })).toThrow(ValueError);
    const dir = mkdtempSync(join(tmpdir(), 'facedb-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [] }));
    writeFileSync(join(dir, 'junk.json'), 'not json at all');
    await expect(face.FaceDatabase.load(encode, join(dir, 'model.json'))).rejects.toThrow(ModelFormatError);
    await expect(face.FaceDatabase.load(encode, join(dir, 'junk.json'))).rejects.toThrow(ModelFormatError);
    await expect(
      face.FaceDatabase.load(encode, {
        format: 'convkit-face-database',
        version: 1,
        threshold: 1,
        embeddingSize: 2,
        entries: [{ id: 'x', embedding: [1] }],
      } as never),
    ).rejects.toThrow(/malformed entry/);
    await expect(face.FaceDatabase.load(encode, join(dir, 'missing.json'))).rejects.toThrow(ValueError);
  });
});

describe('backends agree on the encoder', () => {
  it('js, wasm and wasm-simd give the same encodings', () => {
    const enc = face.encoder({ inputShape: [13, 11, 3], embeddingSize: 9, filters: [5, 6], seed: 9 });
    const x = rand([3, 13, 11, 3], 4, 0, 1);
    const outs = (['js', 'wasm', 'wasm-simd'] as const).map((b) => backend.with(b, () => enc.predict(x)));
    close(outs[1].data, outs[0].data, 1e-5);
    close(outs[2].data, outs[0].data, 1e-5);
  });
});

describe('examples/one-shot', () => {
  it('part identities join the top/bottom or left/right halves of two different digits, K images each', () => {
    // Image i of digit d is filled with d + 1, so each half says which digit it came from.
    const byClass = [0, 1, 2, 3, 4, 5, 6].map((d) => [2 * d, 2 * d + 1]);
    const x = new Tensor(
      Float32Array.from({ length: 14 * 784 }, (_, j) => Math.floor(Math.floor(j / 784) / 2) + 1),
      [14, 28, 28, 1],
    );
    const { x: out, labels } = partIdentities(x, byClass, 6, ops.rng(3));
    expect(out.shape).toEqual([24, 28, 28, 1]);
    for (let i = 0; i < 24; i++) {
      const at = (r: number, c: number) => out.data[i * 784 + r * 28 + c];
      const topBottom = Math.floor(i / 4) % 2 === 0;
      const [a, b] = topBottom ? [at(0, 0), at(27, 0)] : [at(0, 0), at(0, 27)];
      expect(a).not.toBe(b);
      let wrong = 0;
      for (let r = 0; r < 28; r++)
        for (let c = 0; c < 28; c++) if (at(r, c) !== ((topBottom ? r < 14 : c < 14) ? a : b)) wrong++;
      expect(wrong).toBe(0);
      expect(labels[i]).toBe(10 + (topBottom ? 0 : 49) + (a - 1) * 7 + (b - 1));
      expect(labels[i]).toBe(labels[4 * Math.floor(i / 4)]);
    }
  });

  it('runs briefly end to end: the table, the pair counts and the embedding map', async () => {
    const out = mkdtempSync(join(tmpdir(), 'one-shot-'));
    const lines: string[] = [];
    const r = await runOneShot({ out, steps: 20, log: (s) => lines.push(s) });
    expect(r.rows.map((row) => row.method)).toEqual(['triplet loss + parts + distance', 'siamese classifier (abs)']);
    // seeded figures (verify 0-6, verify 7-9, recognition); the margin, 0.02 (40 of 2,000 pairs), is for
    // another engine's rounding over the 20 training steps
    const seeded = [
      [0.8915, 0.708, 0.68],
      [0.729, 0.53, 0.474],
    ];
    r.rows.forEach((row, i) => {
      [row.seenVerification, row.unseenVerification, row.recognition].forEach((v, j) =>
        expect(Math.abs(v - seeded[i][j]), `${row.method} figure ${j}: ${v}`).toBeLessThanOrEqual(0.02),
      );
    });
    expect(r.rows[0].threshold).toBeCloseTo(1.0226, 2);
    expect(r.rows[1].threshold).toBeCloseTo(0.5259, 2);
    expect(Math.abs(r.unseenBestThreshold - 0.7115)).toBeLessThanOrEqual(0.02);
    // Squared distances of unit vectors lie in [0, 4]; the siamese score is a probability.
    expect(r.rows[0].threshold).toBeGreaterThan(0);
    expect(r.rows[0].threshold).toBeLessThanOrEqual(4);
    expect(r.unseenBestThreshold).toBeGreaterThanOrEqual(r.rows[0].unseenVerification);
    expect(lines.join('\n')).toMatch(
      /2,000 pairs of held-out 0-6 digits pick the threshold, 2,000 pairs of 7-9 test it/,
    );
    expect((await io.readImage(r.files[0])).shape).toEqual([560, 640, 3]);
  }, 300_000);
});
