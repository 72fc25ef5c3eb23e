// Per-channel affine map over channels-last data: y[r, k] = x[r, k]·scale[k] + shift[k]. Inference
// batch norm folds into it. The SIMD build runs 4 channels per v128; a channel tail (C not a multiple
// of 4) and the scalar build use one lane at a time with the same mul-then-add rounding.

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
