// Moving blocks of floats between tensors in one memory, for inference plans: a strided copy writes a
// tensor into a slice of another (channel concatenation, zero padding that cannot fold into a
// convolution), a sum over rows reduces the spatial cells of an NHWC image (global average pooling).

/** Copies rows x cols floats from src (row stride srcStride floats) to dst (row stride dstStride). */
export function copyRows(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * srcStride) << 2), d = dst + (<usize>(r * dstStride) << 2);
    let j: usize = 0;
    // short runs (a few channels per pixel) beat a memory.copy call done in place
    if (bytes < 128) {
      if (ASC_FEATURE_SIMD) for (; j + 16 <= bytes; j += 16) v128.store(d + j, v128.load(s + j));
      for (; j < bytes; j += 4) store<f32>(d + j, load<f32>(s + j));
    } else memory.copy(d, s, bytes);
  }
}

/** y[n, c] = mean over cells of x[n, cell, c]: x [batch, cells, channels] → y [batch, channels]. */
export function meanRows(x: usize, y: usize, batch: i32, cells: i32, channels: i32): void {
  const inv: f32 = cells > 0 ? <f32>1 / <f32>cells : 0;
  const rowBytes = <usize>channels << 2;
  for (let n = 0; n < batch; n++) {
    const xn = x + <usize>(n * cells) * rowBytes, yn = y + <usize>n * rowBytes;
    let c: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 16 <= rowBytes; c += 16) {
        let s = f32x4.splat(0);
        for (let i = 0; i < cells; i++) s = f32x4.add(s, v128.load(xn + <usize>i * rowBytes + c));
        v128.store(yn + c, f32x4.mul(s, f32x4.splat(inv)));
      }
    }
    for (; c < rowBytes; c += 4) {
      let s: f32 = 0;
      for (let i = 0; i < cells; i++) s += load<f32>(xn + <usize>i * rowBytes + c);
      store<f32>(yn + c, s * inv);
    }
  }
}
