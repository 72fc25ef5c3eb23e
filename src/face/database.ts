// Face recognition as the notes describe it: a database of encodings, one image per person is
// enough (adding someone needs no retraining), and a query is the closest stored encoding if its
// distance is below the threshold, else "not recognized".
import { Tensor } from '../tensor';
import { ModelFormatError, ShapeError, ValueError, fmtShape } from '../errors';
import { nodeImport } from '../platform';
import { noGrad } from '../autograd';
import { Layer } from '../layers';
import { Model } from '../models';

/** Anything that encodes a batch of images [N, ...] into [N, d]: a convkit model/layer or a function. */
export type Encoder = Layer | ((images: Tensor) => Tensor);

/** The JSON form written by save(). */
export interface FaceDatabaseJSON {
  format: 'convkit-face-database';
  version: 1;
  threshold: number;
  embeddingSize: number;
  entries: { id: string; embedding: number[] }[];
}

/** A recognition result: the closest identity and its squared distance. */
export interface Match {
  id: string;
  distance: number;
}

const FORMAT = 'convkit-face-database';

/** A recognition database of face encodings (several per identity allowed). */
export class FaceDatabase {
  /** Distances below this mean "same person". */
  threshold: number;
  private readonly encode: (images: Tensor) => Tensor;
  private entries: { id: string; embedding: Float32Array }[] = [];

  /** encoder maps [N, ...] images to [N, d] encodings; threshold defaults to 0.7. */
  constructor(encoder: Encoder, opts: { threshold?: number } = {}) {
    // a model encodes through its inference plan (predict); a bare layer eagerly
    if (encoder instanceof Model) this.encode = (x) => encoder.predict(x) as Tensor;
    else if (encoder instanceof Layer) this.encode = (x) => encoder.apply(x);
    else if (typeof encoder === 'function') this.encode = encoder;
    else
      throw new ValueError(
        'face.FaceDatabase: expected an encoder (a convkit model or a function images -> encodings)',
      );
    this.threshold = checkThreshold(opts.threshold ?? 0.7);
  }

  /** Identities stored, in insertion order (each once). */
  get ids(): string[] {
    return [...new Set(this.entries.map((e) => e.id))];
  }
  /** Number of stored encodings. */
  get size(): number {
    return this.entries.length;
  }

  /** Encodes one image [H, W, C] (or a batch [1, H, W, C]) into a vector. */
  embed(image: Tensor, op = 'face.FaceDatabase.embed'): Float32Array {
    if (!(image instanceof Tensor) || image.rank < 2)
      throw new ShapeError(
        `${op}: expected an image tensor, got ${image instanceof Tensor ? fmtShape(image.shape) : typeof image}`,
      );
    const batch = image.rank === 3 ? image.reshape([1, ...image.shape]) : image;
    if (batch.shape[0] !== 1)
      throw new ShapeError(`${op}: expected one image [H, W, C] or [1, H, W, C], got ${fmtShape(image.shape)}`);
    const e = noGrad(() => this.encode(batch));
    if (e.rank !== 2 || e.shape[0] !== 1)
      throw new ShapeError(`${op}: the encoder returned ${fmtShape(e.shape)}, expected [1, d]`);
    this.checkSize(e.shape[1], op);
    return new Float32Array(e.data);
  }

  /** Adds a person from one image (or a precomputed encoding: a Float32Array / number[]). */
  add(id: string, image: Tensor | Float32Array | readonly number[]): this {
    if (typeof id !== 'string' || id === '')
      throw new ValueError(`face.FaceDatabase.add: id must be a non-empty string, got ${JSON.stringify(id)}`);
    const embedding = image instanceof Tensor ? this.embed(image, 'face.FaceDatabase.add') : Float32Array.from(image);
    this.checkSize(embedding.length, 'face.FaceDatabase.add');
    this.entries.push({ id, embedding });
    return this;
  }

  /** Removes every encoding of an identity; returns whether it was there. */
  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length < before;
  }

  /** Distances from an image (or encoding) to every identity (its closest stored encoding), closest first. */
  distances(image: Tensor | Float32Array | readonly number[]): Match[] {
    if (this.entries.length === 0)
      throw new ValueError('face.FaceDatabase: the database is empty; add() a person first');
    const q = image instanceof Tensor ? this.embed(image, 'face.FaceDatabase.identify') : Float32Array.from(image);
    this.checkSize(q.length, 'face.FaceDatabase.identify');
    const best = new Map<string, number>();
    for (const e of this.entries) {
      let s = 0;
      for (let k = 0; k < q.length; k++) {
        const t = q[k] - e.embedding[k];
        s += t * t;
      }
      if (!(best.get(e.id)! <= s)) best.set(e.id, s);
    }
    return [...best].map(([id, distance]) => ({ id, distance })).sort((a, b) => a.distance - b.distance);
  }

  /** The closest identity if its distance is below the threshold, else 'not recognized'. */
  identify(image: Tensor | Float32Array | readonly number[]): Match | 'not recognized' {
    const [best] = this.distances(image);
    return best.distance < this.threshold ? best : 'not recognized';
  }

  /** Verification: is this image the person `id`? (closest stored encoding of id below the threshold). */
  verify(id: string, image: Tensor | Float32Array | readonly number[]): { match: boolean; distance: number } {
    if (!this.entries.some((e) => e.id === id))
      throw new ValueError(`face.FaceDatabase.verify: unknown id '${id}' (known: ${this.ids.join(', ') || 'none'})`);
    const d = this.distances(image).find((m) => m.id === id)!.distance;
    return { match: d < this.threshold, distance: d };
  }

  /** The JSON form (encodings only, never images). */
  toJSON(): FaceDatabaseJSON {
    return {
      format: FORMAT,
      version: 1,
      threshold: this.threshold,
      embeddingSize: this.entries[0]?.embedding.length ?? 0,
      entries: this.entries.map((e) => ({ id: e.id, embedding: Array.from(e.embedding) })),
    };
  }

  /** Writes the JSON form to a file (Node) and returns it. */
  async save(path?: string): Promise<FaceDatabaseJSON> {
    const j = this.toJSON();
    if (path !== undefined) {
      const { writeFile } = await nodeImport('node:fs/promises');
      await writeFile(path, JSON.stringify(j));
    }
    return j;
  }

  /** Rebuilds a database from its JSON form (object or text); anything else throws ModelFormatError. */
  static fromJSON(encoder: Encoder, json: FaceDatabaseJSON | string): FaceDatabase {
    let j: any = json;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch {
        throw new ModelFormatError('face.FaceDatabase.load: the file is not JSON');
      }
    }
    if (!j || typeof j !== 'object' || j.format !== FORMAT)
      throw new ModelFormatError(`face.FaceDatabase.load: not a convkit face database (expected format '${FORMAT}')`);
    if (j.version !== 1)
      throw new ModelFormatError(`face.FaceDatabase.load: unsupported version ${j.version} (expected 1)`);
    if (!Array.isArray(j.entries) || typeof j.threshold !== 'number')
      throw new ModelFormatError('face.FaceDatabase.load: entries or threshold missing');
    const db = new FaceDatabase(encoder, { threshold: j.threshold });
    for (const e of j.entries) {
      if (
        typeof e?.id !== 'string' ||
        !Array.isArray(e.embedding) ||
        e.embedding.length !== j.embeddingSize ||
        e.embedding.some((v: unknown) => typeof v !== 'number')
      ) {
        throw new ModelFormatError(
          `face.FaceDatabase.load: malformed entry ${JSON.stringify(e)?.slice(0, 80)} (expected { id, embedding: ${j.embeddingSize} numbers })`,
        );
      }
      db.add(e.id, e.embedding);
    }
    return db;
  }

  /** Loads a database saved by save(): a file path (Node), JSON text or the object. */
  static async load(encoder: Encoder, src: string | FaceDatabaseJSON): Promise<FaceDatabase> {
    if (typeof src === 'string' && !src.trimStart().startsWith('{')) {
      const { readFile } = await nodeImport('node:fs/promises');
      let text: string;
      try {
        text = await readFile(src, 'utf8');
      } catch {
        throw new ValueError(`face.FaceDatabase.load: cannot read ${src}`);
      }
      return FaceDatabase.fromJSON(encoder, text);
    }
    return FaceDatabase.fromJSON(encoder, src);
  }

  private checkSize(d: number, op: string): void {
    const have = this.entries[0]?.embedding.length;
    if (have !== undefined && d !== have)
      throw new ShapeError(`${op}: encoding of size ${d} does not match the database's ${have}`);
  }
}

function checkThreshold(t: number): number {
  if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t))
    throw new ValueError(`face.FaceDatabase: threshold must be a positive number, got ${t}`);
  return t;
}
