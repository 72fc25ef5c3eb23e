// loadOnnx on hand-edited files: payload encodings (typed fields, float16, external data), the
// NCHW layout option, and bad input (unsupported ops listed together, oversized initializers refused
// before allocation, graph errors naming the node and op).
import { it, expect, beforeAll, describe } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, io, ops, tensor, Tensor, ModelFormatError, valueAndGrads, losses } from '../../src';
import { decodeModel, encodeModel, DataType, ModelProto, TensorProto, halfToFloat } from '../../src/io/onnx/proto';

const FILE = 'test/fixtures/onnx/custom-op13.onnx';
const e = JSON.parse(readFileSync('test/fixtures/onnx/index.json', 'utf8'))['custom-op13'];
const floats = (path: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(path)).buffer);
const input = () => ops.transpose(tensor(floats(`test/fixtures/onnx/${e.input}`), e.inputShape), [0, 2, 3, 1]);
const want = floats(`test/fixtures/onnx/${e.output}`);
const fresh = (): ModelProto => decodeModel(readFileSync(FILE));
const weights = (m: ModelProto): TensorProto[] => m.graph!.initializer!.filter((t) => t.data_type === DataType.FLOAT);
const f32 = (t: TensorProto): Float32Array => new Float32Array(Uint8Array.from(t.raw_data!).buffer);
const run = async (m: ModelProto | Uint8Array | string) =>
  (
    (await io.loadOnnx(typeof m === 'string' || m instanceof Uint8Array ? m : encodeModel(m))).predict(
      input(),
    ) as Tensor
  ).data;

/** Rounds to float16 and back, returning the half bits too. */
function toHalf(v: number): number {
  const f = new Float32Array([v]),
    u = new Uint32Array(f.buffer)[0];
  const s = (u >>> 16) & 0x8000,
    e = ((u >>> 23) & 0xff) - 127 + 15,
    m = u & 0x7fffff;
  if (e <= 0) return s | Math.round((m | 0x800000) / 2 ** (14 - e)); // subnormal
  const r = Math.round(m / 8192);
  return s | ((e + (r >> 10)) << 10) | (r & 0x3ff);
}

beforeAll(async () => {
  await init();
});

describe('loadOnnx payloads', () => {
  it('typed float_data fields load exactly like raw_data', async () => {
    const m = fresh();
    for (const t of weights(m)) {
      t.float_data = Array.from(f32(t));
      delete t.raw_data;
    }
    expect(Array.from(await run(m))).toEqual(Array.from(await run(FILE)));
  });
  it('float16 initializers (raw and int32_data) widen to the same float32 values', async () => {
    const raw = fresh(),
      typed = fresh(),
      rounded = fresh();
    [raw, typed, rounded].forEach((m) =>
      weights(m).forEach((t) => {
        const halves = Array.from(f32(t), toHalf);
        if (m === rounded) t.raw_data = new Uint8Array(Float32Array.from(halves, halfToFloat).buffer);
        else {
          t.data_type = DataType.FLOAT16;
          if (m === raw) t.raw_data = new Uint8Array(Uint16Array.from(halves).buffer);
          else {
            t.int32_data = halves;
            delete t.raw_data;
          }
        }
      }),
    );
    const ref = Array.from(await run(rounded));
    expect(Array.from(await run(raw))).toEqual(ref);
    expect(Array.from(await run(typed))).toEqual(ref);
    // and float16 weights stay close to the float32 network
    const y = await run(raw);
    expect(Math.max(...Array.from(y, (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-2);
  });
  it('external data files beside the model load; locations outside its folder are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-'));
    const m = fresh();
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const t of weights(m)) {
      chunks.push(t.raw_data!);
      t.data_location = 1;
      t.external_data = [
        { key: 'location', value: 'weights.bin' },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(t.raw_data!.length) },
      ];
      offset += t.raw_data!.length;
      delete t.raw_data;
    }
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat(chunks));
    writeFileSync(join(dir, 'model.onnx'), encodeModel(m));
    expect(Array.from(await run(join(dir, 'model.onnx')))).toEqual(Array.from(await run(FILE)));
    await expect(io.loadOnnx(encodeModel(m))).rejects.toThrow(/external file 'weights.bin'.*path or URL/);
    weights(m)[0].external_data![0].value = '../../etc/passwd';
    writeFileSync(join(dir, 'escape.onnx'), encodeModel(m));
    await expect(io.loadOnnx(join(dir, 'escape.onnx'))).rejects.toThrow(/leaves the model's folder/);
  });
  it("inputLayout 'nchw' takes PyTorch's input as it is", async () => {
    const m = await io.loadOnnx(FILE, { inputLayout: 'nchw' });
    expect(m.inputs[0].shape).toEqual([null, 3, 24, 24]);
    const y = m.predict(tensor(floats(`test/fixtures/onnx/${e.input}`), e.inputShape)) as Tensor;
    expect(Math.max(...Array.from(y.data, (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6);
  });
  it('an imported network trains: gradients reach every weight, frozen layers get none', async () => {
    const m = await io.loadOnnx('test/fixtures/onnx/extras-op13.onnx');
    const x = ops.randomNormal([2, 9, 11, 3], { seed: 1 });
    for (const l of m.layers) if (l.className === 'Conv2D') l.trainable = false;
    const vars = m.trainableWeights;
    expect(vars.length).toBeGreaterThan(3);
    const { grads } = valueAndGrads(
      () => losses.meanSquaredError(tensor(new Float32Array(8), [2, 4]), m.apply(x) as Tensor),
      vars,
    );
    for (const g of grads) expect(g.data.every(Number.isFinite)).toBe(true);
    expect(grads.some((g) => g.data.some((v) => v !== 0))).toBe(true);
    expect(m.layers.filter((l) => l.className === 'Conv2D').every((l) => l.trainableWeights.length === 0)).toBe(true);
  });
});

describe('loadOnnx on bad input', () => {
  it('lists every unsupported node in one ModelFormatError', async () => {
    const m = fresh();
    m.graph!.node![1].op_type = 'Celu';
    m.graph!.node![5].op_type = 'Einsum';
    m.graph!.node![7].domain = 'com.microsoft';
    const err = await io.loadOnnx(encodeModel(m)).catch((x) => x);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/3 unsupported node\(s\): '\/Relu' \(Celu\), .*\(Einsum\), .*\(com\.microsoft\.\w+\)/);
  });
  it('refuses a declared 2^40-element initializer before allocating it', async () => {
    const m = fresh();
    m.graph!.initializer!.push({
      name: 'huge',
      dims: [2 ** 20, 2 ** 20],
      data_type: DataType.FLOAT,
      raw_data: new Uint8Array(4),
    });
    await expect(io.loadOnnx(encodeModel(m))).rejects.toThrow(
      /tensor 'huge' declares 1099511627776 values.*over the limit/,
    );
  });
  it('names the node and op when a node does not fit its inputs', async () => {
    const m = fresh();
    const w = m.graph!.initializer!.find((t) => t.name === 'conv2.weight')!;
    w.dims = [6, 4, 2, 3];
    w.raw_data = w.raw_data!.subarray(0, 6 * 4 * 2 * 3 * 4);
    await expect(io.loadOnnx(encodeModel(m))).rejects.toThrow(
      /node '\/conv2\/Conv' \(Conv\): weight \[6,4,2,3\] with group 1 does not fit 8 input channels/,
    );
  });
  it('an attribute out of range (Softmax axis 20, found by the fuzzer) is a ModelFormatError at load', async () => {
    const m = fresh();
    const sm = m.graph!.node!.find((n) => n.op_type === 'Softmax')!;
    sm.attribute = [{ name: 'axis', type: 2, i: 20 }];
    await expect(io.loadOnnx(encodeModel(m))).rejects.toThrow(
      /node '\/Softmax' \(Softmax\): axis 20 is out of range for rank 2/,
    );
  });
  it('truncated files and non-ONNX bytes are ModelFormatErrors', async () => {
    const bytes = new Uint8Array(readFileSync(FILE));
    await expect(io.loadOnnx(bytes.subarray(0, 5000))).rejects.toBeInstanceOf(ModelFormatError);
    await expect(io.loadOnnx(new TextEncoder().encode('{"not": "onnx"}'))).rejects.toBeInstanceOf(ModelFormatError);
  });
});
