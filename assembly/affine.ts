// Per-channel kernels over channels-last data [rows, channels]. The affine map y[r, k] = x[r, k]·scale[k]
// + shift[k] (inference batch norm folds into it): the SIMD build runs 4 channels per v128; a channel
// tail (C not a multiple of 4) and the scalar build use one lane at a time with the same mul-then-add
// rounding. Channel sums (bias gradients) below.

@inline function lane(x: usize, s: usize, b: usize, y: usize, j: usize): void {
  store<f32>(y + j, load<f32>(x + j) * load<f32>(s + j) + load<f32>(b + j));
}

/** y = x·scale + shift per channel, x and y [rows, channels], scale and shift [channels]. */
export function channelAffine(x: usize, scale: usize, shift: usize, y: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  const vecBytes = <usize>(channels & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let j: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j < vecBytes; j += 16) {
        v128.store(yr + j, f32x4.add(f32x4.mul(v128.load(xr + j), v128.load(scale + j)), v128.load(shift + j)));
      }
    }
    for (; j < rowBytes; j += 4) lane(xr, scale, shift, yr, j);
  }
}

/** Floats summed per block of the channel sums before the block's f32 lanes are added into f64 totals. */
const SUM_BLOCK: i32 = 1024;

/**
 * out[k] = Σ_r x[r, k] over x [rows, channels] (bias gradients). With p = lcm(channels, 4) floats the
 * channel pattern repeats every p/4 vectors, so for p <= 64 the SIMD build keeps p/4 f32x4 sums,
 * flushed into f64 totals every SUM_BLOCK floats (f32 rounding stays per block); otherwise one row
 * at a time. tot: scratch of 8·channels + 256 bytes (f64 totals, then up to 16 f32x4 sums).
 */
export function channelSums(x: usize, rows: i32, channels: i32, out: usize, tot: usize): void {
  memory.fill(tot, 0, <usize>channels << 3);
  const n = rows * channels;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let p = channels;
    while (p & 3) p += channels;
    if (p <= 64) {
      const vecs = p >> 2, period = <usize>p << 2;
      const block = (SUM_BLOCK / p) * p;
      for (; i + block <= n; i += block) sumBlock(x + (<usize>i << 2), block, vecs, period, channels, tot);
      const rest = (n - i) / p * p;
      if (rest > 0) { sumBlock(x + (<usize>i << 2), rest, vecs, period, channels, tot); i += rest; }
    }
  }
  // what is left is whole rows (p is a multiple of channels)
  for (; i < n; i += channels) {
    for (let k = 0; k < channels; k++) {
      const t = tot + (<usize>k << 3);
      store<f64>(t, load<f64>(t) + <f64>load<f32>(x + (<usize>(i + k) << 2)));
    }
  }
  for (let k = 0; k < channels; k++) store<f32>(out + (<usize>k << 2), <f32>load<f64>(tot + (<usize>k << 3)));
}

// Sums `count` floats (a multiple of the period p = 4·vecs) as vecs running f32x4 sums kept in the
// per-lane scratch after tot, then adds lane j of vector q to channel (4q + j) mod channels.
function sumBlock(x: usize, count: i32, vecs: i32, period: usize, channels: i32, tot: usize): void {
  const acc = tot + (<usize>channels << 3);
  const end = x + (<usize>count << 2);
  for (let q: usize = 0; q < <usize>vecs; q++) {
    let s = f32x4.splat(0);
    for (let p = x + (q << 4); p < end; p += period) s = f32x4.add(s, v128.load(p));
    v128.store(acc + (q << 4), s);
  }
  for (let j = 0; j < vecs * 4; j++) {
    const t = tot + (<usize>(j % channels) << 3);
    store<f64>(t, load<f64>(t) + <f64>load<f32>(acc + (<usize>j << 2)));
  }
}
