// `convkit faces`: detect the faces of a photo (detect.detectFaces), encode each with face-api's
// pretrained 128-d encoder rebuilt in convkit, and match them against a saved FaceDatabase; --add
// enrols the photo's single face under a name. --json prints { file, width, height, faces: [{ box:
// { x, y, w, h }, score, match: { id, distance } | null }] } in pixels, boxes in centre form.
import { existsSync } from 'node:fs';
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { detectFaces } from '../detect/pretrained';
import { drawBoxes } from '../vision/draw';
import { readImage, writeImage } from '../io/image';
import { loadFaceRecognitionNet, type FaceRecognitionNet } from '../face/pretrained';
import { FaceDatabase, type Match } from '../face/database';
import { type Command, UsageError, numberOption, onePositional } from './command';

/** A face as --json prints it: pixels of the photo, centre-form box, and its database match. */
export interface MatchedFace {
  box: { x: number; y: number; w: number; h: number };
  score: number;
  match: Match | null;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

/** Finds, encodes and matches the faces of an RGB photo (0-255) [H, W, 3]; db may be empty (no matches). */
export async function matchFaces(
  img: Tensor,
  net: FaceRecognitionNet,
  db: FaceDatabase,
  opts: { inputSize?: number; scoreThreshold?: number } = {},
): Promise<{ faces: MatchedFace[]; descriptors: Float32Array[] }> {
  const [h, w] = img.shape;
  const found = await detectFaces(img, { ...opts, landmarks: true });
  // cropped exactly as face-api's withFaceDescriptors() crops, so distances match face-api's (threshold 0.6)
  const all = net.faceDescriptors(img, found).data;
  const descriptors = found.map((_, i) => all.slice(128 * i, 128 * (i + 1)));
  const faces = found.map((f, i) => {
    const d = descriptors[i];
    const m = db.size > 0 ? db.identify(d) : 'not recognized';
    const box = { x: r1(f.box.x * w), y: r1(f.box.y * h), w: r1(f.box.w * w), h: r1(f.box.h * h) };
    return {
      box,
      score: Math.round(f.score * 1e4) / 1e4,
      match: m === 'not recognized' ? null : { id: m.id, distance: Math.round(m.distance * 1e4) / 1e4 },
    };
  });
  return { faces, descriptors };
}

/** The `faces` command. */
export const facesCommand: Command = {
  name: 'faces',
  summary:
    "recognise the faces in a photo against a saved face database (face-api's pretrained 128-d encoder, run by convkit)",
  usage: '<photo> [--db <faces.json>] [--add <name>] [-o <out.png>] [options]',
  needs: [{ package: '@vladmandic/face-api', for: 'the pretrained face detector and 128-d face encoder weights' }],
  options: {
    db: {
      type: 'string',
      arg: 'FILE',
      help: 'the face database (JSON written by convkit faces --add or face.FaceDatabase.save)',
    },
    add: {
      type: 'string',
      arg: 'NAME',
      help: "enrol the photo's only face under NAME and save the database (created if missing)",
    },
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'write the photo with boxes and names drawn (.png or .jpg)' },
    threshold: {
      type: 'string',
      arg: 'D',
      default: '0.36',
      help: "same person below this squared distance (face-api's 0.6 Euclidean); used for a new database",
    },
    size: { type: 'string', arg: 'PX', default: '416', help: 'detector input side, a multiple of 32' },
  },
  examples: [
    'convkit faces ann.jpg --db people.json --add Ann',
    'convkit faces group.jpg --db people.json -o named.png',
    'convkit faces group.jpg --db people.json --json',
  ],
  async run(args, log) {
    const file = onePositional(args, 'photo');
    const dbFile = args.values.db as string | undefined,
      add = args.values.add as string | undefined;
    if (add !== undefined && !dbFile) throw new UsageError('--add needs --db <file> to save into');
    const threshold = numberOption(args, 'threshold', { integer: false, min: 0 })!;
    const inputSize = numberOption(args, 'size', { min: 32 })!;
    if (inputSize % 32 !== 0) throw new UsageError(`--size must be a multiple of 32, got ${inputSize}`);
    const net = await loadFaceRecognitionNet();
    const db =
      dbFile && existsSync(dbFile)
        ? await FaceDatabase.load(net.encode, dbFile)
        : new FaceDatabase(net.encode, { threshold });
    if (dbFile && !existsSync(dbFile) && add === undefined)
      throw new ValueError(`faces: database ${dbFile} does not exist (create it with --add <name>)`);
    const img = await readImage(file, { channels: 3 });
    const [height, width] = img.shape;
    const { faces, descriptors } = await matchFaces(img, net, db, { inputSize });
    if (faces.length === 0) throw new ValueError(`faces: no face found in ${file}`);
    log(
      `${file}: ${width}x${height}, ${faces.length} face${faces.length === 1 ? '' : 's'}, database of ${db.ids.length} (threshold ${db.threshold})`,
    );
    faces.forEach((f, i) =>
      log(
        `  ${i + 1}. centre (${f.box.x.toFixed(0)}, ${f.box.y.toFixed(0)}) ${f.box.w.toFixed(0)}x${f.box.h.toFixed(0)} px: ${f.match ? `${f.match.id} (d = ${f.match.distance.toFixed(3)})` : 'not recognized'}`,
      ),
    );
    let added: string | null = null;
    if (add !== undefined) {
      if (faces.length !== 1)
        throw new ValueError(`faces: --add needs a photo with exactly one face, found ${faces.length} in ${file}`);
      db.add(add, descriptors[0]);
      await db.save(dbFile);
      added = add;
      log(`added ${add} to ${dbFile} (${db.ids.length} people)`);
    }
    const out = args.values.out as string | undefined;
    if (out) {
      await writeImage(
        out,
        drawBoxes(
          img,
          faces.map((f) => ({ box: { x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h } })),
          {
            units: 'pixels',
            labels: faces.map((f) => (f.match ? `${f.match.id} ${f.match.distance.toFixed(2)}` : '?')),
          },
        ),
      );
      log(`wrote ${out}`);
    }
    return { file, width, height, faces, ...(added ? { added } : {}) };
  },
};
