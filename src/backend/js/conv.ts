// Reference kernels (conv family): plain loops, f64 accumulation. The oracle for tests and the JS baseline.
// One set of loops serves conv1d/2d/3d: geometry is NDHWC with filters [fD,fH,fW,inC,outC].
import type { KernelFamily, ConvGeometry, DepthwiseGeometry, Activation } from '../kernels';

/** Input coordinate of output coordinate o and filter tap k, or -1 when it falls in the padding. */
function tap(o: number, k: number, stride: number, dilation: number, pad: number, size: number): number {
  const i = o * stride - pad + k * dilation;
  return i >= 0 && i < size ? i : -1;
}

/** Output coordinate that reads input coordinate i through tap k, or -1 when none does. */
function untap(i: number, k: number, stride: number, dilation: number, pad: number, size: number): number {
  const t = i + pad - k * dilation;
  if (t < 0 || t % stride !== 0) return -1;
  const o = t / stride;
  return o < size ? o : -1;
}

function conv(
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  bias: Float32Array | null,
  act: Activation,
): Float32Array {
  const { inC, outC } = g;
  const y = new Float32Array(g.batch * g.outD * g.outH * g.outW * outC);
  const acc = new Float64Array(outC);
  let yo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++) {
          acc.fill(0);
          for (let kd = 0; kd < g.fD; kd++) {
            const id = tap(od, kd, g.strideD, g.dilationD, g.padFront, g.inD);
            if (id < 0) continue;
            for (let kh = 0; kh < g.fH; kh++) {
              const ih = tap(oh, kh, g.strideH, g.dilationH, g.padTop, g.inH);
              if (ih < 0) continue;
              for (let kw = 0; kw < g.fW; kw++) {
                const iw = tap(ow, kw, g.strideW, g.dilationW, g.padLeft, g.inW);
                if (iw < 0) continue;
                const xo = (((n * g.inD + id) * g.inH + ih) * g.inW + iw) * inC;
                const wo = ((kd * g.fH + kh) * g.fW + kw) * inC * outC;
                for (let ic = 0; ic < inC; ic++) {
                  const xv = x[xo + ic];
                  const wr = wo + ic * outC;
                  for (let oc = 0; oc < outC; oc++) acc[oc] += xv * w[wr + oc];
                }
              }
            }
          }
          for (let oc = 0; oc < outC; oc++) {
            const v = acc[oc] + (bias ? bias[oc] : 0);
            y[yo++] = act === 'relu' && v < 0 ? 0 : v;
          }
        }
  return y;
}

function convBackpropInput(dy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const { inC, outC } = g;
  const dx = new Float32Array(g.batch * g.inD * g.inH * g.inW * inC);
  const acc = new Float64Array(inC);
  let xo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let id = 0; id < g.inD; id++)
      for (let ih = 0; ih < g.inH; ih++)
        for (let iw = 0; iw < g.inW; iw++) {
          acc.fill(0);
          for (let kd = 0; kd < g.fD; kd++) {
            const od = untap(id, kd, g.strideD, g.dilationD, g.padFront, g.outD);
            if (od < 0) continue;
            for (let kh = 0; kh < g.fH; kh++) {
              const oh = untap(ih, kh, g.strideH, g.dilationH, g.padTop, g.outH);
              if (oh < 0) continue;
              for (let kw = 0; kw < g.fW; kw++) {
                const ow = untap(iw, kw, g.strideW, g.dilationW, g.padLeft, g.outW);
                if (ow < 0) continue;
                const yo = (((n * g.outD + od) * g.outH + oh) * g.outW + ow) * outC;
                const wo = ((kd * g.fH + kh) * g.fW + kw) * inC * outC;
                for (let ic = 0; ic < inC; ic++) {
                  let s = 0;
                  const wr = wo + ic * outC;
                  for (let oc = 0; oc < outC; oc++) s += dy[yo + oc] * w[wr + oc];
                  acc[ic] += s;
                }
              }
            }
          }
          for (let ic = 0; ic < inC; ic++) dx[xo++] = acc[ic];
        }
  return dx;
}

function convBackpropFilter(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  const { inC, outC } = g;
  const acc = new Float64Array(g.fD * g.fH * g.fW * inC * outC);
  let yo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let od = 0; od < g.outD; od++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++, yo += outC)
          for (let kd = 0; kd < g.fD; kd++) {
            const id = tap(od, kd, g.strideD, g.dilationD, g.padFront, g.inD);
            if (id < 0) continue;
            for (let kh = 0; kh < g.fH; kh++) {
              const ih = tap(oh, kh, g.strideH, g.dilationH, g.padTop, g.inH);
              if (ih < 0) continue;
              for (let kw = 0; kw < g.fW; kw++) {
                const iw = tap(ow, kw, g.strideW, g.dilationW, g.padLeft, g.inW);
                if (iw < 0) continue;
                const xo = (((n * g.inD + id) * g.inH + ih) * g.inW + iw) * inC;
                const wo = ((kd * g.fH + kh) * g.fW + kw) * inC * outC;
                for (let ic = 0; ic < inC; ic++) {
                  const xv = x[xo + ic];
                  const wr = wo + ic * outC;
                  for (let oc = 0; oc < outC; oc++) acc[wr + oc] += xv * dy[yo + oc];
                }
              }
            }
          }
  return Float32Array.from(acc);
}

function depthwiseConv(x: Float32Array, w: Float32Array, g: DepthwiseGeometry): Float32Array {
  const { inC, multiplier: M } = g;
  const outC = inC * M;
  const y = new Float32Array(g.batch * g.outH * g.outW * outC);
  const acc = new Float64Array(outC);
  let yo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++) {
        acc.fill(0);
        for (let kh = 0; kh < g.fH; kh++) {
          const ih = tap(oh, kh, g.strideH, g.dilationH, g.padTop, g.inH);
          if (ih < 0) continue;
          for (let kw = 0; kw < g.fW; kw++) {
            const iw = tap(ow, kw, g.strideW, g.dilationW, g.padLeft, g.inW);
            if (iw < 0) continue;
            const xo = ((n * g.inH + ih) * g.inW + iw) * inC;
            const wo = (kh * g.fW + kw) * outC;
            for (let o = 0; o < outC; o++) acc[o] += x[xo + Math.floor(o / M)] * w[wo + o];
          }
        }
        for (let o = 0; o < outC; o++) y[yo++] = acc[o];
      }
  return y;
}

function depthwiseConvBackpropInput(dy: Float32Array, w: Float32Array, g: DepthwiseGeometry): Float32Array {
  const { inC, multiplier: M } = g;
  const outC = inC * M;
  const dx = new Float32Array(g.batch * g.inH * g.inW * inC);
  const acc = new Float64Array(inC);
  let xo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let ih = 0; ih < g.inH; ih++)
      for (let iw = 0; iw < g.inW; iw++) {
        acc.fill(0);
        for (let kh = 0; kh < g.fH; kh++) {
          const oh = untap(ih, kh, g.strideH, g.dilationH, g.padTop, g.outH);
          if (oh < 0) continue;
          for (let kw = 0; kw < g.fW; kw++) {
            const ow = untap(iw, kw, g.strideW, g.dilationW, g.padLeft, g.outW);
            if (ow < 0) continue;
            const yo = ((n * g.outH + oh) * g.outW + ow) * outC;
            const wo = (kh * g.fW + kw) * outC;
            for (let o = 0; o < outC; o++) acc[Math.floor(o / M)] += dy[yo + o] * w[wo + o];
          }
        }
        for (let c = 0; c < inC; c++) dx[xo++] = acc[c];
      }
  return dx;
}

function depthwiseConvBackpropFilter(x: Float32Array, dy: Float32Array, g: DepthwiseGeometry): Float32Array {
  const { inC, multiplier: M } = g;
  const outC = inC * M;
  const acc = new Float64Array(g.fH * g.fW * outC);
  let yo = 0;
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++, yo += outC)
        for (let kh = 0; kh < g.fH; kh++) {
          const ih = tap(oh, kh, g.strideH, g.dilationH, g.padTop, g.inH);
          if (ih < 0) continue;
          for (let kw = 0; kw < g.fW; kw++) {
            const iw = tap(ow, kw, g.strideW, g.dilationW, g.padLeft, g.inW);
            if (iw < 0) continue;
            const xo = ((n * g.inH + ih) * g.inW + iw) * inC;
            const wo = (kh * g.fW + kw) * outC;
            for (let o = 0; o < outC; o++) acc[wo + o] += x[xo + Math.floor(o / M)] * dy[yo + o];
          }
        }
  return Float32Array.from(acc);
}

/** The conv family of the 'js' backend: conv forward/backward (1D/2D/3D) and depthwise 2D. */
export const convKernels = {
  conv,
  convBackpropInput,
  convBackpropFilter,
  depthwiseConv,
  depthwiseConvBackpropInput,
  depthwiseConvBackpropFilter,
} satisfies KernelFamily;
