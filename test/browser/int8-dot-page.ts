// Bundled by int8-dot.test.ts for headless Chromium: the relaxed int8 dot path where the engine's dot product is
// exact, on full-range operands, against the reference; and a quantised plan on the relaxed build (dot path) against
// the same plan on the SIMD build (i16 path), bit for bit.
import { init, backend, quantize } from '../../src';
import { instantiate } from '../../src/backend/wasm/module';
import { Q_KIND, corrections, qconvRef, qdepthwiseRef, qgemmRef, type QParams } from '../../src/backend/js/int8';
import { dotArithmetic, dotExact, qconvDotWasm, qdepthwiseDotWasm, qgemmDotWasm } from '../../src/backend/wasm/int8';
import { planDotSteps } from '../../src/models/plan';
import { seeded, smallNet } from '../quantize/nets';
import { geometry } from '../helpers/geometry';

let s = 12345;
const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const bytes = (n: number, signed: boolean) =>
  signed
    ? Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128)
    : Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const weights = (n: number) => Int8Array.from({ length: n }, () => Math.floor(rand() * 255) - 127);
const differ = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = a.length === b.length ? 0 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) d++;
  return d;
};

async function main() {
  const mod = await instantiate('relaxed');
  const arith = dotArithmetic(mod);
  const checks: Array<{ name: string; values: number; mismatches: number }> = [];
  if (dotExact(arith)) {
    for (const signedA of [false, true])
      for (const kind of [Q_KIND.u8, Q_KIND.i8, Q_KIND.f32]) {
        const p: QParams = {
          kind,
          zOut: kind === Q_KIND.i8 ? -9 : 37,
          qmin: kind === Q_KIND.i8 ? -128 : 0,
          qmax: kind === Q_KIND.i8 ? 127 : 255,
          act: 0,
          zA: signedA ? 5 : 131,
          signedA,
        };
        for (const [m, n, k] of [
          [5, 13, 7],
          [70, 13, 37],
          [37, 21, 600],
          [3, 8, 257],
          [33, 64, 255],
        ]) {
          const a = bytes(m * k, signedA),
            w = weights(k * n);
          const mult = Float32Array.from({ length: n + 8 }, () => (0.5 + rand()) / (64 * Math.sqrt(k) * 20));
          const corr = corrections(
            w,
            k,
            n,
            p.zA,
            Int32Array.from({ length: n }, (_, j) => 40 * j - 300),
          );
          const want = qgemmRef(a, m, k, w, n, corr, mult, p);
          checks.push({
            name: `gemm ${m}x${n}x${k} ${signedA ? 'i8' : 'u8'} out ${kind}`,
            values: want.length,
            mismatches: differ(qgemmDotWasm(mod, arith, a, m, k, w, n, corr, mult, p), want),
          });
        }
        for (const g of [
          geometry(2, 7, 6, 5, 9, 3, 1, 1),
          geometry(1, 11, 10, 17, 6, 5, 2, 2),
          geometry(2, 6, 5, 35, 11, 3, 1, 1),
        ]) {
          const k = g.fH * g.fW * g.inC,
            x = bytes(g.batch * g.inH * g.inW * g.inC, signedA),
            w = weights(k * g.outC);
          const mult = Float32Array.from({ length: g.outC + 8 }, () => (0.5 + rand()) / (64 * Math.sqrt(k) * 20));
          const corr = corrections(w, k, g.outC, p.zA, null);
          const want = qconvRef(x, g, w, corr, mult, p);
          checks.push({
            name: `conv ${g.fH}x${g.fW} s${g.strideH} C${g.inC} b${g.batch} ${signedA ? 'i8' : 'u8'} out ${kind}`,
            values: want.length,
            mismatches: differ(qconvDotWasm(mod, arith, x, g, w, corr, mult, p), want),
          });
        }
        for (const g of [geometry(2, 6, 7, 32, 32, 3, 1, 1), geometry(1, 9, 8, 49, 49, 3, 2, 1)]) {
          const taps = g.fH * g.fW,
            x = bytes(g.batch * g.inH * g.inW * g.inC, signedA),
            w = weights(taps * g.inC);
          const mult = Float32Array.from({ length: g.inC + 8 }, () => (0.5 + rand()) / (64 * Math.sqrt(taps) * 5));
          const corr = corrections(w, taps, g.inC, p.zA, null);
          const want = qdepthwiseRef(x, g, w, corr, mult, p);
          checks.push({
            name: `depthwise C${g.inC} s${g.strideH} b${g.batch} ${signedA ? 'i8' : 'u8'} out ${kind}`,
            values: want.length,
            mismatches: differ(qdepthwiseDotWasm(mod, arith, x, g, w, corr, mult, p), want),
          });
        }
      }
  }
  // a quantised net on both SIMD builds: the relaxed one runs its convs and dense layers on the dot path
  await init();
  const net = smallNet(),
    x = seeded([2, 13, 11, 3], 3);
  const outs: Record<string, number[]> = {};
  let dotSteps: number | null = null;
  for (const b of ['wasm-simd', 'wasm-relaxed-simd'] as const) {
    backend.use(b);
    const q = quantize(net, { calibration: seeded([4, 13, 11, 3], 1) });
    outs[b] = Array.from(q.predict(x).data);
    if (b === 'wasm-relaxed-simd') dotSteps = planDotSteps(q);
  }
  return {
    arith,
    checks,
    dotSteps,
    simd: outs['wasm-simd'],
    relaxed: outs['wasm-relaxed-simd'],
    ua: navigator.userAgent,
  };
}

main().then(
  (r) => ((window as any).__result = r),
  (e) => ((window as any).__result = { error: String(e && e.stack ? e.stack : e) }),
);
