// Lowers a model's graph (nested models inlined, shared layers called once per use) into plan steps
// over values of known shape. Layers with a kernel become kernel steps; a layer the plan does not know
// becomes an eager step, so every model gets a plan and gives the eager path's outputs.
import { Tensor, sizeOf } from '../../tensor';
import * as ops from '../../ops';
import { convGeometry } from '../../ops/conv';
import { poolGeometry } from '../../ops/pool';
import {
  Layer,
  SymbolicTensor,
  Conv,
  DepthwiseConv2D,
  Dense,
  BatchNormalization,
  ReLU,
  LeakyReLU,
  Activation,
  Dropout,
  Flatten,
  InputLayer,
  ZeroPadding2D,
  Pool,
  GlobalAveragePooling2D,
  Add,
  Concatenate,
} from '../../layers';
import type { Model } from '../model';
import { ACT, Program, Step, Value } from './steps';

/** The plan's code for an activation name, or null when it needs a step of its own kind. */
function actCode(name: string): number | null {
  return name === 'linear' ? ACT.linear : name === 'relu' ? ACT.relu : name === 'relu6' ? ACT.relu6 : null;
}

/** Lowers the model at these input shapes; `symbols`, when given, receives each graph tensor's value. */
export function lower(
  model: Model,
  inputShapes: number[][],
  isModel: (l: Layer) => l is Model,
  symbols?: Map<SymbolicTensor, number>,
): Program {
  const values: Value[] = [];
  const steps: Step[] = [];
  const value = (shape: number[]): number => values.push({ shape, size: sizeOf(shape) }) - 1;
  const view = (of: number, shape: number[]): number => {
    const v = value(shape);
    values[v].alias = of;
    return v;
  };
  const shapeOf = (v: number) => values[v].shape;

  /** Steps for an activation after a value (x returned for linear). */
  function activation(x: number, name: string, where: Layer): number {
    const shape = shapeOf(x),
      code = actCode(name);
    if (code === ACT.linear) return x;
    const y = value(shape);
    if (code !== null) steps.push({ kind: 'activate', x, y, act: code, alpha: 0 });
    else if (name === 'leakyRelu') steps.push({ kind: 'activate', x, y, act: ACT.leaky, alpha: 0.2 });
    else if (name === 'sigmoid' || name === 'tanh') steps.push({ kind: 'unary', x, y, op: name });
    else if (name === 'softmax')
      steps.push({
        kind: 'softmax',
        x,
        y,
        rows: values[x].size / shape[shape.length - 1],
        cols: shape[shape.length - 1],
      });
    else steps.push({ kind: 'eager', layer: where, xs: [x], y, run: ([t]) => ops.activation(t, name) });
    return y;
  }

  /** A conv-like step with the layer's activation: fused when the epilogue has it, else a step after. */
  function withActivation(make: (y: number, act: number) => Step, shape: number[], name: string, where: Layer): number {
    const code = actCode(name);
    const y = value(shape);
    steps.push(make(y, code ?? ACT.linear));
    return code === null ? activation(y, name, where) : y;
  }

  function lowerLayer(layer: Layer, xs: number[]): number {
    const x = xs[0],
      xShape = shapeOf(x);
    if (layer instanceof DepthwiseConv2D) {
      const { g, outShape } = convGeometry(
        `layer '${layer.name}'`,
        2,
        xShape,
        layer.kernel.shape,
        { strides: layer.strides, dilation: layer.dilationRate, padding: layer.pad },
        true,
      );
      const dg = { ...g, multiplier: layer.depthMultiplier };
      return withActivation(
        (y, act) => ({
          kind: 'depthwise',
          x,
          y,
          g: dg,
          w: layer.kernel.data,
          bias: layer.bias?.data ?? null,
          act,
          layer: layer.name,
        }),
        outShape,
        layer.activation,
        layer,
      );
    }
    if (layer instanceof Conv && layer.groups === 1) {
      const { g, outShape } = convGeometry(
        `layer '${layer.name}'`,
        layer.rank,
        xShape,
        layer.kernel.shape,
        { strides: layer.strides, dilation: layer.dilationRate, padding: layer.pad },
        false,
      );
      return withActivation(
        (y, act) => ({
          kind: 'conv',
          x,
          y,
          g,
          w: layer.kernel.data,
          bias: layer.bias?.data ?? null,
          act,
          layer: layer.name,
        }),
        outShape,
        layer.activation,
        layer,
      );
    }
    if (layer instanceof Dense) {
      const k = xShape[xShape.length - 1],
        m = values[x].size / k,
        n = layer.units;
      return withActivation(
        (y, act) => ({
          kind: 'dense',
          x,
          y,
          m,
          k,
          n,
          w: layer.kernel.data,
          bias: layer.bias?.data ?? null,
          act,
          layer: layer.name,
        }),
        [...xShape.slice(0, -1), n],
        layer.activation,
        layer,
      );
    }
    if (layer instanceof BatchNormalization && (layer.axis === -1 || layer.axis === xShape.length - 1)) {
      const c = xShape[xShape.length - 1],
        eps = layer.epsilon;
      const scale = new Float32Array(c),
        shift = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        // ops.batchNorm's arithmetic (f64), so folding changes nothing but the rounding of the final products
        const a = (layer.gamma ? layer.gamma.data[i] : 1) / Math.sqrt(layer.movingVariance.data[i] + eps);
        scale[i] = a;
        shift[i] = (layer.beta ? layer.beta.data[i] : 0) - layer.movingMean.data[i] * a;
      }
      const y = value(xShape);
      steps.push({ kind: 'affine', x, y, scale, shift, channels: c });
      return y;
    }
    if (layer instanceof ReLU) {
      const y = value(xShape);
      if (layer.negativeSlope > 0 && layer.maxValue !== null) {
        steps.push({ kind: 'eager', layer, xs, y, run: ([t]) => layer.apply(t) });
      } else if (layer.negativeSlope > 0)
        steps.push({ kind: 'activate', x, y, act: ACT.leaky, alpha: layer.negativeSlope });
      else if (layer.maxValue === null) steps.push({ kind: 'activate', x, y, act: ACT.relu, alpha: 0 });
      else if (layer.maxValue === 6) steps.push({ kind: 'activate', x, y, act: ACT.relu6, alpha: 0 });
      else steps.push({ kind: 'activate', x, y, act: ACT.reluMax, alpha: layer.maxValue });
      return y;
    }
    if (layer instanceof LeakyReLU) {
      const y = value(xShape);
      steps.push({ kind: 'activate', x, y, act: ACT.leaky, alpha: layer.alpha });
      return y;
    }
    if (layer instanceof Activation) return activation(x, layer.activation, layer);
    if (layer instanceof Dropout || layer instanceof InputLayer) return view(x, xShape);
    if (layer instanceof Flatten) return view(x, [xShape[0], values[x].size / xShape[0]]);
    if (layer instanceof ZeroPadding2D) {
      const [[top, bottom], [left, right]] = layer.padding;
      const y = value([xShape[0], xShape[1] + top + bottom, xShape[2] + left + right, xShape[3]]);
      steps.push({ kind: 'pad', x, y, top, bottom, left, right });
      return y;
    }
    if (layer instanceof Pool) {
      const { g, shape } = poolGeometry(`layer '${layer.name}'`, layer.rank, xShape, {
        poolSize: layer.poolSize,
        strides: layer.strides,
        padding: layer.pad,
      });
      const y = value(shape);
      steps.push({ kind: 'pool', x, y, max: layer.kind === 'max', g });
      return y;
    }
    if (layer instanceof GlobalAveragePooling2D) {
      // [N, C], or [N, 1, 1, C] with keepdims: the same values
      const y = value(layer.computeOutputShape(xShape).map((d, i) => d ?? xShape[i]));
      steps.push({ kind: 'mean', x, y, batch: xShape[0], cells: xShape[1] * xShape[2], channels: xShape[3] });
      return y;
    }
    if (layer instanceof Add) {
      const y = value(xShape);
      steps.push({ kind: 'add', xs, y, act: ACT.linear, layer: layer.name });
      return y;
    }
    const shapes = xs.map(shapeOf);
    const outShape = layer.computeOutputShape(xs.length > 1 ? shapes : shapes[0]).map((d, i) => d ?? shapes[0][i]);
    const y = value(outShape as number[]);
    if (layer instanceof Concatenate && (layer.axis === -1 || layer.axis === xShape.length - 1)) {
      const cols = shapes.map((s) => s[s.length - 1]);
      steps.push({ kind: 'concat', xs, y, rows: values[x].size / cols[0], cols });
    } else {
      steps.push({ kind: 'eager', layer, xs, y, run: (ts: Tensor[]) => layer.apply(ts.length > 1 ? ts : ts[0]) });
    }
    return y;
  }

  function lowerGraph(m: Model, ins: number[]): number[] {
    const map = symbols ?? new Map<SymbolicTensor, number>();
    m.inputs.forEach((s, i) => map.set(s, ins[i]));
    for (const node of m.nodes) {
      const xs = node.inputs.map((s) => map.get(s)!);
      map.set(node.outputs[0], isModel(node.layer) ? lowerGraph(node.layer, xs)[0] : lowerLayer(node.layer, xs));
    }
    return m.outputs.map((o) => map.get(o)!);
  }

  const inputs = inputShapes.map(value);
  const outputs = lowerGraph(model, inputs);
  return { values, steps, inputs, outputs };
}
