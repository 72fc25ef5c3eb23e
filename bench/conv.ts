// Convolution benchmarks on js / wasm / wasm-simd: conv shapes from LeNet-5, VGG-16, GoogLeNet and MobileNet, forward
// and both backprops,
// called straight on backend.kernels(name) with geometry objects (no ops-layer overhead).
// Run directly: node --import tsx bench/conv.ts [--quick]   (prints a markdown table)
// Winograd section: node --import tsx bench/conv.ts --winograd [--quick] [--only <part of a shape name>] [--build wasm]
// (3x3 forward, one thread, vs TF.js wasm)
import { init, backend } from '../src/backend';
import { loadTf, useTf, tfConv } from './tfjs';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/backend/wasm/conv';
import type { BackendName, ConvGeometry, DepthwiseGeometry, Kernels } from '../src/backend/kernels';
import { pathToFileURL } from 'node:url';

/**
 * One measured case: median wall time of the kernel call, its GFLOP/s (2 per multiply-add) and the
 * median CPU time of the process per call (on a shared machine wall time also counts other
 * processes' turns; CPU time does not, so ratios are steadier by it).
 */
export interface Row {
  op: string;
  shape: string;
  backend: string;
  ms: number;
  gflops: number;
  cpuMs?: number;
  note?: string;
}

interface Case {
  name: string;
  g: ConvGeometry;
  depthwise?: number;
}

/** 2D geometry with TF/Keras 'same' (extra padding at the bottom/right) or 'valid' padding. */
function conv2d(
  batch: number,
  h: number,
  w: number,
  inC: number,
  outC: number,
  f: number,
  stride: number,
  padding: 'same' | 'valid',
): ConvGeometry {
  const out = (n: number) => (padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - f) / stride) + 1);
  const before = (n: number) => (padding === 'same' ? Math.floor(Math.max((out(n) - 1) * stride + f - n, 0) / 2) : 0);
  return {
    batch,
    inD: 1,
    inH: h,
    inW: w,
    inC,
    outD: 1,
    outH: out(h),
    outW: out(w),
    outC,
    fD: 1,
    fH: f,
    fW: f,
    strideD: 1,
    strideH: stride,
    strideW: stride,
    dilationD: 1,
    dilationH: 1,
    dilationW: 1,
    padFront: 0,
    padTop: before(h),
    padLeft: before(w),
  };
}

/**
 * The conv shapes of classic networks' layers (LeNet-5, VGG-16, GoogLeNet, ResNet's stem, MobileNet), and their
 * backward passes.
 */
export const CONV_CASES: Case[] = [
  { name: 'LeNet conv1 64x28x28x1 -> 6 @5x5 same', g: conv2d(64, 28, 28, 1, 6, 5, 1, 'same') },
  { name: 'VGG 3x3 56x56x64 -> 64 same', g: conv2d(1, 56, 56, 64, 64, 3, 1, 'same') },
  { name: 'VGG 3x3 28x28x256 -> 256 same', g: conv2d(1, 28, 28, 256, 256, 3, 1, 'same') },
  { name: '1x1 28x28x192 -> 16', g: conv2d(1, 28, 28, 192, 16, 1, 1, 'valid') },
  { name: '5x5 28x28x192 -> 32 same', g: conv2d(1, 28, 28, 192, 32, 5, 1, 'same') },
  { name: 'stem 224x224x3 -> 64 @7x7 s2 same', g: conv2d(1, 224, 224, 3, 64, 7, 2, 'same') },
  { name: 'depthwise 3x3 56x56x128 same', g: conv2d(1, 56, 56, 128, 128, 3, 1, 'same'), depthwise: 1 },
];

/** Times one call of f, appending its wall and process CPU milliseconds. */
function sample(f: () => void, wall: number[], cpu: number[]): void {
  const s = performance.now(),
    c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  wall.push(performance.now() - s);
  cpu.push((d.user + d.system) / 1000);
}
const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];

// V8 tiers WebAssembly up late, so each case runs untimed for a while before it is measured.
function measure(f: () => void, warmMs: number, runMs: number, maxRuns = 25): { ms: number; cpuMs: number } {
  let t = performance.now();
  do f();
  while (performance.now() - t < warmMs);
  const wall: number[] = [],
    cpu: number[] = [];
  t = performance.now();
  do sample(f, wall, cpu);
  while ((performance.now() - t < runMs || wall.length < 3) && wall.length < maxRuns && wall[0] < 2000);
  return { ms: median(wall), cpuMs: median(cpu) };
}

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = s / 2147483647 - 0.5;
  }
  return a;
}

/** The three kernels of a case as closures over fixed inputs, with the multiply-adds of each. */
function kernelsOf(c: Case, k: Kernels): { op: string; run: () => void }[] {
  const g = c.g;
  const x = rand(g.batch * g.inH * g.inW * g.inC, 1),
    dy = rand(g.batch * g.outH * g.outW * g.outC, 2);
  if (c.depthwise) {
    const dg: DepthwiseGeometry = { ...g, multiplier: c.depthwise };
    const w = rand(g.fH * g.fW * g.inC * c.depthwise, 3);
    return [
      { op: 'forward', run: () => k.depthwiseConv(x, w, dg) },
      { op: 'backprop input', run: () => k.depthwiseConvBackpropInput(dy, w, dg) },
      { op: 'backprop filter', run: () => k.depthwiseConvBackpropFilter(x, dy, dg) },
    ];
  }
  const w = rand(g.fH * g.fW * g.inC * g.outC, 3),
    bias = rand(g.outC, 4);
  return [
    { op: 'forward', run: () => k.conv(x, w, g, bias, 'relu') },
    { op: 'backprop input', run: () => k.convBackpropInput(dy, w, g) },
    { op: 'backprop filter', run: () => k.convBackpropFilter(x, dy, g) },
  ];
}

/** Multiply-adds of a case (every tap counted, as the notes count them; depthwise outC = inC*M). */
const macs = (c: Case) => c.g.batch * c.g.outH * c.g.outW * c.g.outC * c.g.fH * c.g.fW * (c.depthwise ? 1 : c.g.inC);

/** Times every conv case's forward and backward kernels on each backend. */
export async function benchConv(
  opts: { backends?: BackendName[]; cases?: Case[]; warmMs?: number; runMs?: number; log?: (r: Row) => void } = {},
): Promise<Row[]> {
  await init();
  const names = opts.backends ?? (['js', 'wasm', 'wasm-simd'] as BackendName[]);
  const warmMs = opts.warmMs ?? 1500,
    runMs = opts.runMs ?? 1500;
  const rows: Row[] = [];
  const push = (c: Case, op: string, backendLabel: string, { ms, cpuMs }: { ms: number; cpuMs: number }) => {
    const r: Row = {
      op: `conv ${op}`,
      shape: c.name,
      backend: backendLabel,
      ms,
      cpuMs,
      gflops: (2 * macs(c)) / ms / 1e6,
    };
    rows.push(r);
    opts.log?.(r);
  };
  for (const c of opts.cases ?? CONV_CASES) {
    for (const name of names) {
      for (const { op, run } of kernelsOf(c, backend.kernels(name))) {
        // The reference backend takes seconds on the big shapes: one untimed run is its warm-up.
        push(c, op, name, name === 'js' ? measure(run, 0, 0, 3) : measure(run, warmMs, runMs));
      }
      // The same calls with the direct kernels switched off: what im2col + sgemm would give instead.
      if (name === 'wasm-simd' && !c.depthwise) {
        const mod = backend.module(name)!;
        setConvAlgorithm(mod, { im2colOnly: true });
        try {
          for (const { op, run } of kernelsOf(c, backend.kernels(name)))
            push(c, op, `${name} im2col`, measure(run, warmMs, runMs));
        } finally {
          setConvAlgorithm(mod);
        }
      }
    }
  }
  return rows;
}

/**
 * Renders rows as a markdown table: one line per shape and kernel, wall ms of each backend (CPU ms in
 * brackets), wasm-simd GFLOP/s, ratios by CPU time, and the SIMD time with im2col + sgemm forced
 * (where it matches wasm-simd, that is the path wasm-simd takes anyway).
 */
export function convTable(rows: Row[]): string {
  const out = [
    '| shape | kernel | js ms | wasm ms | wasm-simd ms | wasm-simd GFLOP/s | simd vs wasm (cpu) | simd vs js (cpu) | simd im2col+GEMM ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.shape}|${r.op}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const of = (b: string) => rows.find((x) => x.shape === r.shape && x.op === r.op && x.backend === b);
    const [j, w, s] = [of('js'), of('wasm'), of('wasm-simd')];
    const ms = (x?: Row) => (x ? `${x.ms.toFixed(2)} (${(x.cpuMs ?? NaN).toFixed(2)})` : '');
    const ratio = (x?: Row) => (x && s ? `${((x.cpuMs ?? x.ms) / (s.cpuMs ?? s.ms)).toFixed(1)}x` : '');
    out.push(
      `| ${r.shape} | ${r.op.replace('conv ', '')} | ${ms(j)} | ${ms(w)} | ${ms(s)} | ${s ? s.gflops.toFixed(2) : ''} | ${ratio(w)} | ${ratio(j)} | ${ms(of('wasm-simd im2col'))} |`,
    );
  }
  return out.join('\n');
}

/** 3x3 stride-1 shapes for the Winograd section: VGG's two, a LeNet-ish one, and a few around the heuristic's edges. */
export const WINOGRAD_CASES: Case[] = [
  ...CONV_CASES.filter((c) => c.name.startsWith('VGG 3x3')),
  { name: 'LeNet-ish 3x3 64x14x14x6 -> 16 same', g: conv2d(64, 14, 14, 6, 16, 3, 1, 'same') },
  { name: '3x3 8x28x28x16 -> 16 same', g: conv2d(8, 28, 28, 16, 16, 3, 1, 'same') },
  { name: '3x3 8x28x28x8 -> 8 same', g: conv2d(8, 28, 28, 8, 8, 3, 1, 'same') },
  { name: '3x3 56x56x8 -> 16 same', g: conv2d(1, 56, 56, 8, 16, 3, 1, 'same') },
  { name: '3x3 28x28x12 -> 12 same', g: conv2d(1, 28, 28, 12, 12, 3, 1, 'same') },
  { name: '3x3 7x7x512 -> 512 same', g: conv2d(1, 7, 7, 512, 512, 3, 1, 'same') },
  { name: '3x3 6x6x64 -> 64 same', g: conv2d(1, 6, 6, 64, 64, 3, 1, 'same') },
  { name: '3x3 4x4x256 -> 256 same', g: conv2d(1, 4, 4, 256, 256, 3, 1, 'same') },
  { name: '3x3 4x4x4x256 -> 256 same', g: conv2d(4, 4, 4, 256, 256, 3, 1, 'same') },
];

export interface WinogradRow {
  shape: string;
  impl: string;
  ms: number;
  cpuMs: number;
  gflops: number;
}

/**
 * Forward (bias + ReLU) of each 3x3 case on one thread: wasm-simd (or opts.build) with Winograd forced on, forced off
 * ('direct': what conv runs otherwise, the direct kernel on wasm-simd), with im2col + sgemm forced, as the heuristic
 * picks, and TF.js wasm. Effective
 * GFLOP/s count the direct convolution's multiply-adds. Each implementation is warmed up warmMs, then
 * all are timed in `rounds` interleaved rounds (so machine noise hits them alike); medians over all calls.
 */
export async function benchWinograd(
  opts: {
    build?: BackendName;
    cases?: Case[];
    warmMs?: number;
    runMs?: number;
    rounds?: number;
    log?: (r: WinogradRow) => void;
  } = {},
): Promise<WinogradRow[]> {
  await init();
  backend.setThreads(1);
  await loadTf();
  await useTf('wasm');
  const warmMs = opts.warmMs ?? 1500,
    runMs = opts.runMs ?? 1500,
    rounds = opts.rounds ?? 3;
  const build = opts.build ?? 'wasm-simd',
    mod = backend.module(build)!,
    k = backend.kernels(build);
  const rows: WinogradRow[] = [];
  for (const c of opts.cases ?? WINOGRAD_CASES) {
    const g = c.g,
      x = rand(g.batch * g.inH * g.inW * g.inC, 1),
      w = rand(9 * g.inC * g.outC, 3),
      bias = rand(g.outC, 4);
    const ours = (a: ConvAlgorithm) => () => {
      setConvAlgorithm(mod, a);
      k.conv(x, w, g, bias, 'relu');
    };
    const tfRun = tfConv(g, 'forward');
    const impls: [string, () => void][] = [
      ['winograd', ours({ winograd: 'always' })],
      ['direct', ours({ winograd: 'never' })],
      ['im2col', ours({ im2colOnly: true })],
      ['heuristic', ours({})],
      ['tfjs-wasm', tfRun],
    ];
    const wall = new Map<string, number[]>(),
      cpu = new Map<string, number[]>();
    for (const [name, f] of impls) {
      measure(f, warmMs, 0, 1);
      wall.set(name, []);
      cpu.set(name, []);
    }
    for (let r = 0; r < rounds; r++) {
      for (const [name, f] of impls) {
        const t = performance.now();
        do sample(f, wall.get(name)!, cpu.get(name)!);
        while (performance.now() - t < runMs / rounds);
      }
    }
    setConvAlgorithm(mod);
    tfRun.dispose();
    for (const [name] of impls) {
      const ms = median(wall.get(name)!),
        cpuMs = median(cpu.get(name)!);
      const row = { shape: c.name, impl: name, ms, cpuMs, gflops: (2 * macs(c)) / ms / 1e6 };
      rows.push(row);
      opts.log?.(row);
    }
  }
  backend.setThreads(null);
  return rows;
}

/** Markdown: per shape, ms (effective GFLOP/s) of each implementation and Winograd's ratios by wall and CPU time. */
export function winogradTable(rows: WinogradRow[]): string {
  const impls = ['winograd', 'direct', 'im2col', 'heuristic', 'tfjs-wasm'];
  const out = [
    `| shape | ${impls.join(' ms (GFLOP/s) | ')} ms (GFLOP/s) | winograd vs TF.js wasm (wall / cpu) | winograd vs direct (wall / cpu) | heuristic vs TF.js wasm (wall) |`,
    `|---|${impls.map(() => '---:|').join('')}---:|---:|---:|`,
  ];
  for (const shape of [...new Set(rows.map((r) => r.shape))]) {
    const of = (i: string) => rows.find((r) => r.shape === shape && r.impl === i)!;
    const ratio = (a: WinogradRow, b: WinogradRow) =>
      `${(b.ms / a.ms).toFixed(2)}x / ${(b.cpuMs / a.cpuMs).toFixed(2)}x`;
    out.push(
      `| ${shape} | ${impls.map((i) => `${of(i).ms.toFixed(2)} (${of(i).gflops.toFixed(1)})`).join(' | ')} | ${ratio(of('winograd'), of('tfjs-wasm'))} | ${ratio(of('winograd'), of('direct'))} | ${(of('tfjs-wasm').ms / of('heuristic').ms).toFixed(2)}x |`,
    );
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--winograd')) {
  const quick = process.argv.includes('--quick');
  const only = process.argv.indexOf('--only'),
    build = process.argv.indexOf('--build');
  const rows = await benchWinograd({
    build: build > 0 ? (process.argv[build + 1] as BackendName) : undefined,
    warmMs: quick ? 300 : undefined,
    runMs: quick ? 300 : undefined,
    cases: only > 0 ? WINOGRAD_CASES.filter((c) => c.name.includes(process.argv[only + 1])) : undefined,
    log: (r) =>
      console.error(
        `${r.shape} ${r.impl}: ${r.ms.toFixed(2)} ms (cpu ${r.cpuMs.toFixed(2)}), ${r.gflops.toFixed(1)} GFLOP/s effective`,
      ),
  });
  console.log(winogradTable(rows));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const rows = await benchConv({
    warmMs: quick ? 300 : undefined,
    runMs: quick ? 300 : undefined,
    log: (r) =>
      console.error(
        `${r.shape} ${r.op} ${r.backend}: ${r.ms.toFixed(2)} ms (cpu ${r.cpuMs?.toFixed(2)}), ${r.gflops.toFixed(2)} GFLOP/s`,
      ),
  });
  console.log(convTable(rows));
}
