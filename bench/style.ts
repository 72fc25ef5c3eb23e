// Seconds per neural-style-transfer step (forward through the feature layers, J, gradient to the pixels,
// Adam, clipping) on nsfwjs's pretrained MobileNetV2 or InceptionV3 (--model) cut at style.DEFAULT_LAYERS:
// convkit (wasm-simd) vs the same loop written with TF.js (tf.LayersModel of the same topology and
// weights, tf.train.adam, tf.grad through model.apply) on its 'cpu' and 'wasm' backends.
// Times are this process's CPU time by default (steadier when other processes share the cores), --wall for elapsed.
// Run: node --import tsx bench/style.ts [--model mobilenet_v2|inception_v3] [--sizes 256,512] [--steps 3] [--wall]
//        [--impls convkit,tfjs-cpu,tfjs-wasm] (each step's time is printed to stderr as it ends)
// (L-BFGS costs the same per pass: its extra work is a few dot products over the pixels.)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { init, backend, io, ops, style, Tensor } from '../src';
import type { BackendName } from '../src';
import { loadTf, useTf, TfBackend } from './tfjs';

/** One measurement: implementation, image side, median seconds per step (steps after the first). */
export interface StyleRow {
  impl: string;
  size: number;
  secondsPerStep: number | null;
  note?: string;
}

type NetName = 'mobilenet_v2' | 'inception_v3';
let net: NetName = 'mobilenet_v2';
const layersOf = () => style.DEFAULT_LAYERS[net === 'mobilenet_v2' ? 'mobilenetV2' : 'inceptionV3'];
/** 'cpu': this process's CPU time (user + system); 'wall': elapsed time. */
export type Clock = 'cpu' | 'wall';
let clock: Clock = 'cpu';
const seconds = (): number => {
  if (clock === 'wall') return performance.now() / 1000;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const image = (size: number, seed: number): Tensor => ops.randomUniform([size, size, 3], { min: 0, max: 255, seed });

async function convkitStep(name: BackendName, size: number, steps: number): Promise<number> {
  backend.use(name);
  const m = await io.loadNsfwjs(net);
  const { contentLayer, styleLayers } = layersOf();
  const times: number[] = [];
  let last = seconds();
  await style.transfer({
    model: m,
    content: image(size, 1),
    style: image(size, 2),
    contentLayer,
    styleLayers,
    steps: steps + 1,
    previewEvery: 0,
    onStep: () => {
      const now = seconds();
      times.push(now - last);
      last = now;
    },
  });
  return median(times.slice(1));
}

/**
 * An nsfwjs model, loaded whole, as a multi-output sub-model of the named layers (any input size: they are all
 * convolutional).
 */
async function tfNsfwjs(tf: Awaited<ReturnType<typeof loadTf>>, outputs: string[]) {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('nsfwjs')), '..', 'models', net);
  const bundle = require(join(dir, 'model.min.js'));
  const topology = JSON.parse(JSON.stringify(bundle.modelTopology));
  const paths: string[] = bundle.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  const shards = paths.map((p) => Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64'));
  const weightSpecs = bundle.weightsManifest.flatMap(
    (g: { weights: { name: string; shape: number[] }[] }) => g.weights,
  );
  // TF.js 4.22 fails to differentiate BatchNormalization layers without a scale (InceptionV3's: "Cannot read
  // properties of undefined (reading 'dataId')"): give them scale: true and a gamma of ones, the same function.
  const layers = (topology.model_config ?? topology).config.layers as { class_name: string; config: any }[];
  for (const l of layers) {
    if (l.class_name !== 'BatchNormalization' || l.config.scale !== false) continue;
    const beta = weightSpecs.find((w: { name: string }) => w.name === `${l.config.name}/beta`);
    l.config.scale = true;
    weightSpecs.push({ name: `${l.config.name}/gamma`, shape: beta.shape, dtype: 'float32' });
    shards.push(Buffer.from(new Float32Array(beta.shape[0]).fill(1).buffer));
  }
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const whole = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs, weightData }));
  return tf.model({ inputs: whole.inputs, outputs: outputs.map((n) => whole.getLayer(n).output as any) });
}

async function tfStep(name: TfBackend, size: number, steps: number): Promise<number> {
  const tf = await loadTf();
  await useTf(name);
  const { contentLayer, styleLayers } = layersOf();
  const names = [contentLayer, ...styleLayers.map((s) => s.name).filter((n) => n !== contentLayer)];
  const sub = await tfNsfwjs(tf, names);
  const gram = (a: any) => {
    const c = a.shape[3];
    const f = tf.reshape(a, [-1, c]);
    return tf.matMul(f, f, true, false);
  };
  const feats = (x: any) => sub.apply(tf.div(x, 255), { training: false }) as any[];
  const C = tf.tensor4d(image(size, 1).data, [1, size, size, 3]),
    S = tf.tensor4d(image(size, 2).data, [1, size, size, 3]);
  const aC = tf.tidy(() => feats(C)[0]);
  const gS = tf.tidy(() => {
    const f = feats(S);
    return styleLayers.map((s) => gram(f[names.indexOf(s.name)]));
  });
  const G = tf.variable(C.clone());
  const opt = tf.train.adam(5);
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = seconds();
    opt.minimize(
      () =>
        tf.tidy(() => {
          const f = feats(G);
          let js: any = tf.scalar(0);
          styleLayers.forEach((s, l) => {
            const a = f[names.indexOf(s.name)],
              n = a.shape[1] * a.shape[2] * a.shape[3];
            js = tf.add(js, tf.mul(tf.sum(tf.square(tf.mul(tf.sub(gS[l], gram(a)), 1 / (2 * n)))), s.weight));
          });
          return tf.add(tf.mul(tf.sum(tf.square(tf.sub(aC, f[0]))), 1e-5), js) as any;
        }),
      false,
      [G],
    );
    G.assign(tf.clipByValue(G, 0, 255));
    G.dataSync();
    times.push(seconds() - t0);
    process.stderr.write(`TF.js ${name} ${size}: step ${i} took ${times[i].toFixed(2)} s\n`);
  }
  tf.disposeVariables();
  return median(times.slice(1));
}

/** Runs every implementation at every size; failures become rows with a note instead of numbers. */
export async function benchStyle(
  opts: {
    sizes?: number[];
    steps?: number;
    clock?: Clock;
    model?: NetName;
    impls?: string[];
    log?: (r: StyleRow) => void;
  } = {},
): Promise<StyleRow[]> {
  const { sizes = [256, 512], steps = 3, impls: chosen = ['convkit', 'tfjs-cpu', 'tfjs-wasm'], log = () => {} } = opts;
  net = opts.model ?? 'mobilenet_v2';
  clock = opts.clock ?? 'cpu';
  await init();
  const rows: StyleRow[] = [];
  const all: [string, string, (size: number) => Promise<number>][] = [
    ['convkit', 'convkit wasm-simd', (s) => convkitStep('wasm-simd', s, steps)],
    ['tfjs-cpu', 'TF.js cpu', (s) => tfStep('cpu', s, steps)],
    ['tfjs-wasm', 'TF.js wasm', (s) => tfStep('wasm', s, steps)],
  ];
  const impls = all.filter(([key]) => chosen.includes(key)).map(([, impl, run]) => [impl, run] as const);
  for (const size of sizes) {
    for (const [impl, run] of impls) {
      let row: StyleRow;
      try {
        row = { impl, size, secondsPerStep: await run(size) };
      } catch (e) {
        row = {
          impl,
          size,
          secondsPerStep: null,
          note: String((e as Error).message ?? e)
            .split('\n')[0]
            .slice(0, 120),
        };
      }
      rows.push(row);
      log(row);
    }
  }
  return rows;
}

/** A markdown table of the rows, with each implementation's time relative to convkit at the same size. */
export function styleTable(rows: StyleRow[]): string {
  const lines = [`| implementation | image | s/step (${clock} time) | vs convkit | note |`, '|---|---|---|---|---|'];
  for (const r of rows) {
    const ours = rows.find((x) => x.size === r.size && x.impl.startsWith('convkit'))?.secondsPerStep;
    const ratio = r.secondsPerStep && ours ? `${(r.secondsPerStep / ours).toFixed(2)}x` : '';
    lines.push(
      `| ${r.impl} | ${r.size}x${r.size} | ${r.secondsPerStep === null ? 'failed' : r.secondsPerStep.toFixed(2)} | ${ratio} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (k: string): string | undefined => {
    const i = process.argv.indexOf(`--${k}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = (arg('sizes') ?? '256,512').split(',').map(Number),
    steps = Number(arg('steps') ?? 3);
  benchStyle({
    sizes,
    steps,
    model: (arg('model') ?? 'mobilenet_v2') as NetName,
    ...(arg('impls') ? { impls: arg('impls')!.split(',') } : {}),
    clock: process.argv.includes('--wall') ? 'wall' : 'cpu',
    log: (r) =>
      console.log(
        `${r.impl} ${r.size}: ${r.secondsPerStep === null ? `failed (${r.note})` : `${r.secondsPerStep.toFixed(2)} s/step`}`,
      ),
  })
    .then((rows) => console.log('\n' + styleTable(rows)))
    .catch((e) => {
      console.error(`error: ${e?.message ?? e}`);
      process.exit(1);
    });
}
