// Runs in Chromium: loads the bundle, compares each WASM build's kernels with the 'js' reference.
import * as ck from './convkit.browser.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
const rand = (n, r) => Float32Array.from({ length: n }, r);
function maxRelErr(a, b) {
  let scale = 1e-6,
    err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return a.length === b.length ? err / scale : Infinity;
}

async function main() {
  const info = await ck.init();
  const r = rng(7);
  const [m, k, n] = [37, 53, 29];
  const a = rand(m * k, r),
    b = rand(k * n, r),
    bias = rand(n, r);
  const g = {
    batch: 2,
    inD: 1,
    inH: 9,
    inW: 11,
    inC: 3,
    outD: 1,
    outH: 5,
    outW: 6,
    outC: 5,
    fD: 1,
    fH: 3,
    fW: 3,
    strideD: 1,
    strideH: 2,
    strideW: 2,
    dilationD: 1,
    dilationH: 1,
    dilationW: 1,
    padFront: 0,
    padTop: 1,
    padLeft: 1,
  };
  const x = rand(2 * 9 * 11 * 3, r),
    w = rand(3 * 3 * 3 * 5, r);
  const p = {
    batch: 2,
    channels: 3,
    inD: 1,
    inH: 9,
    inW: 11,
    outD: 1,
    outH: 4,
    outW: 5,
    poolD: 1,
    poolH: 2,
    poolW: 2,
    strideD: 1,
    strideH: 2,
    strideW: 2,
    padFront: 0,
    padTop: 0,
    padLeft: 0,
  };
  const cases = {
    matmul: (K) => K.matmul(a, b, m, k, n, false, false, bias, 'relu'),
    conv: (K) => K.conv(x, w, g, null, 'linear'),
    maxPool: (K) => K.maxPool(x, p),
  };
  const ref = ck.backend.kernels('js');
  const checks = [];
  for (const name of ck.backend.available().filter((nm) => nm !== 'js')) {
    const K = ck.backend.kernels(name);
    for (const [kernel, f] of Object.entries(cases))
      checks.push({ backend: name, kernel, maxRelErr: maxRelErr(f(K), f(ref)) });
  }
  // Cross-origin isolated pages run the SIMD builds on a worker pool: check calls big enough to be split.
  let threaded = null;
  if (info.threads > 1) {
    const [M, K, N] = [160, 190, 210];
    const A = rand(M * K, r),
      B = rand(K * N, r);
    const G = { ...g, batch: 1, inH: 45, inW: 41, inC: 8, outH: 45, outW: 41, outC: 16, strideH: 1, strideW: 1 };
    const X = rand(45 * 41 * 8, r),
      W = rand(9 * 8 * 16, r),
      DY = rand(45 * 41 * 16, r);
    const big = {
      matmul: (Kn) => Kn.matmul(A, B, M, K, N, false, true, null, 'linear'),
      conv: (Kn) => Kn.conv(X, W, G, null, 'relu'),
      convBackpropInput: (Kn) => Kn.convBackpropInput(DY, W, G),
      convBackpropFilter: (Kn) => Kn.convBackpropFilter(X, DY, G),
    };
    const K0 = ck.backend.kernels(info.kernel);
    big.matmul(K0); // starts the pool
    // init() resolves once every worker is up: no deadline of our own (a loaded machine may be slow to
    // start them), only the test's timeout; the time taken is reported
    const t0 = performance.now();
    await ck.init();
    const pool = ck.backend.module(info.kernel).pool;
    threaded = {
      ready: pool.ready,
      startMs: performance.now() - t0,
      checks: Object.entries(big).map(([kernel, f]) => ({ kernel, maxRelErr: maxRelErr(f(K0), f(ref)) })),
    };
  }
  return { info, checks, threaded, cores: navigator.hardwareConcurrency, isolated: globalThis.crossOriginIsolated };
}
main().then(
  (r) => {
    window.__result = r;
  },
  (e) => {
    window.__result = { error: String((e && e.stack) || e) };
  },
);
