// Pretrained networks shipped inside npm packages as TF.js Layers models. `nsfwjs` 4.3 wraps its
// models as UMD modules: model.min.js exports { modelTopology, weightsManifest } and every
// group1-shardXofN.min.js exports one shard as a base64 string (uint8-quantised weights).
// fromBundle turns such pieces into a convkit model; loadNsfwjs finds them in node_modules (Node).
import { ModelFormatError, ValueError } from '../errors';
import { nodeImport, nodeRequire } from '../platform';
import { Model } from '../models';
import { artifactsFromManifest, fromArtifacts, WeightsManifestEntry } from './model';

/** A model's pieces as packages ship them: topology, manifest and the shard contents in manifest order. */
export interface ModelBundle {
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsManifestEntry[];
  /** One entry per path of every manifest group, in order: base64 text or raw bytes. */
  shards: (string | Uint8Array | ArrayBuffer)[];
}

/** Decodes base64 (Buffer in Node, atob in browsers). */
function fromBase64(s: string, where: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new ModelFormatError(`${where}: a shard is not base64 text`);
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Builds a model from a bundle (topology, manifest and shards); bad pieces throw ModelFormatError. */
export function fromBundle(b: ModelBundle, where = 'io.fromBundle'): Model {
  if (
    !b ||
    typeof b !== 'object' ||
    !b.modelTopology ||
    !Array.isArray(b.weightsManifest) ||
    !Array.isArray(b.shards)
  ) {
    throw new ModelFormatError(`${where}: expected { modelTopology, weightsManifest, shards }`);
  }
  const paths = b.weightsManifest.reduce((a, g) => a + (Array.isArray(g?.paths) ? g.paths.length : NaN), 0);
  if (paths !== b.shards.length)
    throw new ModelFormatError(`${where}: the manifest lists ${paths} shard(s), got ${b.shards.length}`);
  let i = 0;
  const groups = b.weightsManifest.map((g) =>
    g.paths.map(() => {
      const s = b.shards[i++];
      return typeof s === 'string' ? fromBase64(s, where) : s instanceof Uint8Array ? s : new Uint8Array(s);
    }),
  );
  return fromArtifacts(artifactsFromManifest(b.modelTopology, b.weightsManifest, groups), where);
}

/** The nsfwjs models: their folders under nsfwjs/dist/models and input sizes. */
export const NSFWJS_MODELS = { mobilenet_v2: 224, mobilenet_v2_mid: 224, inception_v3: 299 } as const;
/** The nsfwjs output classes, in order. */
export const NSFWJS_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

/**
 * Loads a pretrained nsfwjs network (Node; `npm install nsfwjs@4`): 'mobilenet_v2' (MobileNetV2,
 * 224x224x3) or 'inception_v3' (299x299x3). Inputs are RGB in [0, 1] (pixels / 255, as nsfwjs);
 * outputs are softmax scores over NSFWJS_CLASSES. Its layers come frozen except the dense head.
 */
export async function loadNsfwjs(name: keyof typeof NSFWJS_MODELS = 'mobilenet_v2'): Promise<Model> {
  const where = `io.loadNsfwjs('${name}')`;
  if (!(name in NSFWJS_MODELS))
    throw new ValueError(`${where}: unknown model; expected one of ${Object.keys(NSFWJS_MODELS).join(', ')}`);
  const { join, dirname } = await nodeImport('node:path');
  const req = await nodeRequire();
  let main: string;
  try {
    main = req.resolve('nsfwjs');
  } catch {
    throw new ValueError(`${where}: the 'nsfwjs' package is not installed (npm install nsfwjs@4)`);
  }
  // main is <pkg>/dist/cjs/index.js; the UMD-wrapped models live in <pkg>/dist/models/<name>/.
  const dir = join(dirname(dirname(main)), 'models', name);
  const m = req(join(dir, 'model.min.js')) as {
    modelTopology: Record<string, unknown>;
    weightsManifest: WeightsManifestEntry[];
  };
  const shards = m.weightsManifest.flatMap((g) => g.paths.map((p) => req(join(dir, `${p}.min.js`)) as string));
  return fromBundle({ modelTopology: m.modelTopology, weightsManifest: m.weightsManifest, shards }, where);
}
