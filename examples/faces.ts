// The pretrained face encoder: face-api's FaceRecognitionNet rebuilt with convkit layers and its
// quantised weights. Faces of the package's six demo photos are found by convkit's own detector
// (detect.detectFaces: face-api's tiny face detector and 68 landmarks), cropped as face-api crops
// them, encoded and checked against the package's TF.js descriptors for the same crops. A
// FaceDatabase gets ONE crop per person, and differently framed, mirrored crops of the same faces
// are identified against it. Prints the distance matrix and draws the names.
// Run: node --import tsx examples/faces.ts [--out DIR] [--check N]
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { init, face, io, ops, vision, detect, Tensor } from '../src';
import { FACE_API_PHOTOS, faceApiDescriptors } from './data/face-api';

/** Options of {@link runFaces}; `check` is how many crops to compare with TF.js (0 skips it). */
export interface FacesOptions {
  out: string;
  log: (s: string) => void;
  check?: number;
}
/** What the example measured. */
export interface FacesResult {
  faces: number;
  identified: number;
  maxDiff: number | null;
  minCosine: number | null;
  files: string[];
}

/** The box grown by `grow` about its centre and moved by (dx, dy) box widths, for a second view. */
const reframe = (b: face.FaceRect, grow: number, dx: number, dy: number): face.FaceRect => ({
  x: b.x + b.width * (dx - grow / 2),
  y: b.y + b.height * (dy - grow / 2),
  width: b.width * (1 + grow),
  height: b.height * (1 + grow),
});

/** Encodes every detected face, builds the database, identifies second views, writes the picture. */
export async function runFaces(o: FacesOptions): Promise<FacesResult> {
  const t0 = performance.now();
  mkdirSync(o.out, { recursive: true });
  const net = await face.loadFaceRecognitionNet();
  o.log(
    `faces: face-api's FaceRecognitionNet rebuilt with convkit layers (${net.model.countParams().toLocaleString('en')} parameters, ${(net.model.macs() / 1e9).toFixed(2)} G multiply-adds per face)`,
  );
  const names: string[] = [],
    enrol: Tensor[] = [],
    probe: Tensor[] = [],
    photos: Tensor[] = [];
  const boxes: { photo: number; box: face.FaceRect }[] = [];
  for (const [p, file] of FACE_API_PHOTOS.entries()) {
    const img = await io.readImage(file, { channels: 3 });
    photos.push(img);
    const [h, w] = img.shape;
    const found = (await detect.detectFaces(img)).sort((a, b) => a.box.x - b.box.x);
    found.forEach((f, i) => {
      const box = face.alignedBox(f.landmarks!.map((q) => ({ x: q.x * w, y: q.y * h })));
      names.push(`P${p + 1}${'abcdefgh'[i]}`);
      boxes.push({ photo: p, box });
      enrol.push(face.cropFace(img, box).reshape([1, 150, 150, 3]));
      // The second view: a looser, shifted frame, mirrored left-right.
      probe.push(ops.reverse(face.cropFace(img, reframe(box, 0.2, 0.04, -0.03)), 1).reshape([1, 150, 150, 3]));
    });
  }
  const n = names.length;
  const t1 = performance.now();
  const E = net.descriptors(ops.concat(enrol, 0)),
    Q = net.descriptors(ops.concat(probe, 0));
  o.log(
    `  ${n} faces in ${photos.length} photos: ${((2 * n) / ((performance.now() - t1) / 1000)).toFixed(1)} descriptors/s`,
  );

  let maxDiff: number | null = null,
    minCosine: number | null = null;
  const check = Math.min(o.check ?? 3, n);
  if (check > 0) {
    const ref = await faceApiDescriptors(ops.concat(enrol.slice(0, check), 0), 'cpu');
    maxDiff = 0;
    minCosine = 1;
    ref.forEach((r, i) => {
      let dot = 0,
        a = 0,
        b = 0;
      for (let k = 0; k < 128; k++) {
        const v = E.data[i * 128 + k];
        maxDiff = Math.max(maxDiff!, Math.abs(v - r[k]));
        dot += v * r[k];
        a += v * v;
        b += r[k] * r[k];
      }
      minCosine = Math.min(minCosine!, dot / Math.sqrt(a * b));
    });
    o.log(
      `  vs face-api on TF.js (cpu), ${check} crops: max |difference| ${maxDiff.toExponential(2)}, min cosine ${minCosine.toFixed(7)}`,
    );
  }

  // face-api calls two faces the same person below a Euclidean distance of 0.6: 0.36 squared.
  const db = new face.FaceDatabase(net.encode, { threshold: 0.36 });
  names.forEach((id, i) => db.add(id, E.data.slice(i * 128, (i + 1) * 128)));
  const results = names.map((_, i) => db.identify(Q.data.slice(i * 128, (i + 1) * 128)));
  const identified = results.filter((r, i) => r !== 'not recognized' && r.id === names[i]).length;

  o.log(
    '\n  squared distances d = ‖f(x1) − f(x2)‖²: rows are second views, columns the enrolled faces (· marks d < 0.36)',
  );
  o.log('        ' + names.map((s) => s.padStart(5)).join(''));
  for (let i = 0; i < n; i++) {
    const row = names.map((id) => {
      const d = face
        .distance(
          Q.data.subarray(i * 128, (i + 1) * 128),
          E.data.subarray(names.indexOf(id) * 128, (names.indexOf(id) + 1) * 128),
        )
        .item();
      return (d < 0.36 ? '·' : ' ') + d.toFixed(2).replace(/^0/, '');
    });
    o.log(`  ${names[i].padEnd(5)} ${row.map((s) => s.padStart(5)).join('')}`);
  }
  o.log(`\n  identified ${identified}/${n} second views as the right person (threshold d < 0.36)`);

  // One panel per photo, faces boxed with the identity found for the second view and its distance.
  const panels = photos.map((img, p) => {
    const scale = 480 / img.shape[1];
    let small = vision.resize(img, Math.round(img.shape[0] * scale), 480);
    const mine = boxes.map((b, i) => ({ ...b, i })).filter((b) => b.photo === p);
    small = vision.drawBoxes(
      small,
      mine.map(({ box }) => ({
        x1: box.x * scale,
        y1: box.y * scale,
        x2: (box.x + box.width) * scale,
        y2: (box.y + box.height) * scale,
      })),
      {
        units: 'pixels',
        textScale: 1,
        labels: mine.map(({ i }) => {
          const r = results[i];
          return r === 'not recognized' ? `${names[i]}: ?` : `${r.id} d=${r.distance.toFixed(2)}`;
        }),
      },
    );
    return small;
  });
  const h = Math.max(...panels.map((p) => p.shape[0]));
  const file = join(o.out, 'faces.png');
  await io.writeImage(
    file,
    vision.montage(
      panels.map((p) =>
        ops.pad(
          p,
          [
            [0, h - p.shape[0]],
            [0, 0],
            [0, 0],
          ],
          255,
        ),
      ),
      { cols: 3, pad: 4, labels: FACE_API_PHOTOS.map((f) => f.split(/[\\/]/).pop()!) },
    ),
  );
  const dbFile = join(o.out, 'faces-db.json');
  await db.save(dbFile);
  o.log(`  wrote ${file} and ${dbFile} (${((performance.now() - t0) / 1000).toFixed(1)} s in all)`);
  return { faces: n, identified, maxDiff, minCosine, files: [file, dbFile] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'out' }, check: { type: 'string', default: '3' } },
  });
  await init();
  await runFaces({ out: values.out!, check: Number(values.check), log: (s) => console.log(s) });
}
