// Model: a graph of layers over symbolic tensors (the functional API); Sequential builds one too.
// A Model is itself a Layer, so models nest. compile/fit/evaluate/predict live here; fit runs
// valueAndGrads over the trainable Variables and hands the gradients to the optimizer.
import { Tensor } from '../tensor';
import { Variable, valueAndGrads, noGrad } from '../autograd';
import { ValueError, ShapeError, NumericalError, fmtShape, fmtValue } from '../errors';
import { checkOptions } from '../options';
import * as ops from '../ops';
import { Layer, SymbolicTensor, LayerNode, SymShape, CallArgs, InputLayer, deriveSeed, serialize } from '../layers';
import { Optimizer, getOptimizer } from '../train/optimizers';
import { LossInfo, getLoss } from '../train/losses';
import { MetricInfo, getMetric } from '../train/metrics';
import type { Callback, Logs } from '../train/callbacks';
import { ProgressLogger, ProgressSink } from '../train/progress';
import { Dataset, Batch, checkInputs, checkLabels, takeRows, order, datasetBatches, yieldToEventLoop } from './data';
import { summarize, Summary, SummaryOptions } from './summary';
import { predictPlanned } from './plan';
import { tapeHeld } from '../autograd/tape';
import { tidy } from '../memory';

/** compile() options: names ('adam', 'categoricalCrossentropy', 'accuracy') or objects/functions. */
export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | ((yTrue: Tensor, yPred: Tensor) => Tensor);
  metrics?: (string | ((yTrue: Tensor, yPred: Tensor) => number))[];
}

/** fit() options (Keras names). */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffling; a seeded model and a seeded fit repeat exactly. */
  seed?: number;
  validationData?: [Tensor | Tensor[], Tensor];
  validationSplit?: number;
  callbacks?: Callback | Callback[];
  /** 0 silent, 1 progress bar (one line per epoch when stdout is not a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  initialEpoch?: number;
  /** With a dataset: batches per epoch (default: until the iterable ends). */
  stepsPerEpoch?: number;
  /** Where progress goes (default stdout). */
  progressSink?: ProgressSink;
  /**
   * Stop with a NumericalError naming the epoch and batch when the loss or a gradient becomes NaN or
   * infinite, before that batch's update (so the weights stay finite). Default true; false trains on.
   */
  terminateOnNaN?: boolean;
}
const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'seed',
  'validationData',
  'validationSplit',
  'callbacks',
  'verbose',
  'initialEpoch',
  'stepsPerEpoch',
  'progressSink',
  'terminateOnNaN',
];

/** What fit() trains on, checked once before the first epoch (prepareFit), for the epoch loop (runEpochs). */
interface FitPlan {
  epochs: number;
  batchSize: number;
  /** Batches per epoch, for progress (0 when a dataset does not say). */
  steps: number;
  initialEpoch: number;
  stepsPerEpoch?: number;
  /** One epoch's batches (tensor data is reshuffled per epoch with a seed derived from fit's). */
  batchesOf: (epoch: number) => AsyncGenerator<Batch> | Generator<Batch>;
  /** Dataset batches are checked as they arrive; tensor data was checked once. */
  checkBatches: boolean;
  validation: { xs: Tensor[]; y: Tensor; n: number } | null;
  callbacks: Callback[];
  terminateOnNaN: boolean;
}

/** What fit() returns (Keras's History): per-epoch figures by name. */
export interface History {
  history: Record<string, number[]>;
  epoch: number[];
}

/** Options of a functional model. */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Derives a seed for every layer's initialisers and dropout: a seeded model is reproducible. */
  seed?: number;
}

/** A network of layers (Keras's functional Model). */
export class Model extends Layer {
  static override className = 'Functional';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Graph nodes in execution order (input nodes excluded). */
  nodes: LayerNode[] = [];
  /** Set by a callback to end fit() after the current epoch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  loss: LossInfo | null = null;
  metrics: MetricInfo[] = [];
  /** The History of the last fit(). */
  history: History | null = null;
  protected graphLayers: Layer[] = [];
  protected readonly modelSeed?: number;
  private isTrainable = true;

  constructor(args: Partial<ModelArgs> = {}, prefix = 'model') {
    super(prefix, { name: args.name });
    if (args.seed !== undefined && !Number.isInteger(args.seed))
      throw new ValueError(`${prefix}: seed must be an integer, got ${fmtValue(args.seed)}`);
    this.modelSeed = args.seed;
    this.seed = args.seed;
    if (args.inputs !== undefined || args.outputs !== undefined) {
      const ins = toList(args.inputs, 'inputs'),
        outs = toList(args.outputs, 'outputs');
      this.initGraph(ins, outs);
    }
  }

  /** Sorts the graph from inputs to outputs and collects its layers. */
  protected initGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    for (const s of inputs) {
      if (!(s.layer instanceof InputLayer))
        throw new ValueError(
          `model '${this.name}': inputs must come from layers.input(), got the output of layer '${s.layer.name}'`,
        );
    }
    const seen = new Set<LayerNode>();
    const sorted: LayerNode[] = [];
    const visit = (node: LayerNode): void => {
      if (seen.has(node)) return;
      seen.add(node);
      for (const s of node.inputs) visit(s.node);
      sorted.push(node);
    };
    outputs.forEach((o) => visit(o.node));
    for (const node of sorted) {
      if (node.layer instanceof InputLayer && !inputs.includes(node.outputs[0])) {
        throw new ValueError(
          `model '${this.name}': graph disconnected: the outputs need input '${node.layer.name}', which is not in inputs`,
        );
      }
    }
    this.inputs = [...inputs];
    this.outputs = [...outputs];
    this.nodes = sorted.filter((n) => !(n.layer instanceof InputLayer));
    const layers: Layer[] = [];
    for (const n of [...inputs.map((s) => s.node), ...this.nodes]) if (!layers.includes(n.layer)) layers.push(n.layer);
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name))
        throw new ValueError(`model '${this.name}': two layers are named '${l.name}'; layer names must be unique`);
      names.add(l.name);
    }
    this.graphLayers = layers;
    this.built = true;
    // Lets a built model be the first layer of a Sequential.
    if (inputs.length === 1) this.batchInputShape = [...inputs[0].shape];
    if (this.modelSeed !== undefined) this.setSeed(this.modelSeed);
  }

  /** Reseeds every layer without a seed of its own (a nested model inside a seeded model). */
  override setSeed(seed: number): void {
    this.seed = seed;
    this.layers.forEach((l, i) => {
      if (l.seed === undefined) l.setSeed(deriveSeed(seed, i));
    });
  }

  /** The layers in graph order (input layers included for functional models, as in Keras). */
  get layers(): Layer[] {
    return [...this.graphLayers];
  }

  /** A layer by name or index. */
  getLayer(nameOrIndex: string | number): Layer {
    const ls = this.layers;
    const l = typeof nameOrIndex === 'number' ? ls[nameOrIndex] : ls.find((x) => x.name === nameOrIndex);
    if (!l)
      throw new ValueError(
        `model '${this.name}': no layer ${typeof nameOrIndex === 'number' ? `at index ${nameOrIndex}` : `named '${nameOrIndex}'`} (layers: ${ls.map((x) => x.name).join(', ')})`,
      );
    return l;
  }

  override get weights(): Variable[] {
    return unique(this.graphLayers.flatMap((l) => l.weights));
  }
  override get trainableWeights(): Variable[] {
    return this.isTrainable ? unique(this.graphLayers.flatMap((l) => l.trainableWeights)) : [];
  }
  override get trainable(): boolean {
    return this.isTrainable;
  }
  override set trainable(v: boolean) {
    this.isTrainable = v;
    for (const l of this.graphLayers) l.trainable = v;
  }

  override get finalActivation(): string | undefined {
    return this.outputs.length === 1 ? this.outputs[0].layer.finalActivation : undefined;
  }

  protected override get multiInput(): boolean {
    return this.inputs.length > 1;
  }

  protected override assertInputs(shapes: SymShape[]): void {
    if (!this.built) return;
    if (shapes.length !== this.inputs.length)
      throw new ValueError(`model '${this.name}' takes ${this.inputs.length} input(s), got ${shapes.length}`);
    shapes.forEach((s, i) => {
      const want = this.inputs[i].shape;
      if (s.length !== want.length || want.some((d, j) => j > 0 && d !== null && s[j] !== null && s[j] !== d)) {
        throw new ShapeError(
          `model '${this.name}': input '${this.inputs[i].layer.name}' expects shape ${fmtShape(want.map((d) => d ?? -1))}, got ${fmtShape(s.map((d) => d ?? -1))}`,
        );
      }
    });
  }

  computeOutputShape(inputShape: SymShape | SymShape[]): SymShape {
    if (this.outputs.length !== 1)
      throw new ValueError(`model '${this.name}': only single-output models can be used as a layer`);
    const batch = (Array.isArray(inputShape[0]) ? (inputShape as SymShape[])[0] : (inputShape as SymShape))[0];
    return [batch, ...this.outputs[0].shape.slice(1)];
  }

  call(x: Tensor | Tensor[], args: CallArgs): Tensor {
    return this.run(Array.isArray(x) ? x : [x], args)[0];
  }

  /**
   * Runs the graph on real tensors; with logits the last softmax/sigmoid of the first output is skipped.
   * With no gradient tape recording, each layer runs in a tidy scope (its temporaries are disposed) and each
   * intermediate is disposed after its last consumer, so later layers reuse their buffers (src/backend/pool.ts).
   */
  run(xs: Tensor[], args: CallArgs = {}): Tensor[] {
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((s, i) => values.set(s, xs[i]));
    const release = tapeHeld() === null ? this.releaser(xs) : null;
    for (const node of this.nodes) {
      const ins = node.inputs.map((s) => values.get(s)!);
      const logits = !!args.logits && node.outputs[0] === this.outputs[0];
      const call = () => node.layer.apply(ins, { training: args.training, logits });
      const out = release ? tidy(call) : call();
      values.set(node.outputs[0], out);
      release?.(node, out, ins);
    }
    return this.outputs.map((o) => values.get(o)!);
  }

  /**
   * Counts the uses left of each intermediate tensor and disposes one when they reach zero. Never disposed:
   * the inputs, the outputs, Variables (a tensor object may stand for several symbolic ones: identity layers
   * return their input, so uses are counted per tensor object). Shared buffers (reshape) stay alive through
   * the pool's per-buffer count.
   */
  private releaser(xs: Tensor[]): (node: LayerNode, out: Tensor, ins: Tensor[]) => void {
    const consumers = new Map<SymbolicTensor, number>();
    for (const n of this.nodes) for (const s of n.inputs) consumers.set(s, (consumers.get(s) ?? 0) + 1);
    // an output is used "forever"
    for (const o of this.outputs) consumers.set(o, Infinity);
    const left = new Map<Tensor, number>();
    const keepers = new Set<Tensor>(xs);
    return (node, out, ins) => {
      left.set(out, (left.get(out) ?? 0) + (consumers.get(node.outputs[0]) ?? 0));
      for (const t of ins) {
        const n = left.get(t);
        if (n === undefined) continue; // a model input
        left.set(t, n - 1);
        if (n === 1 && !keepers.has(t) && !(t instanceof Variable)) t.dispose();
      }
    };
  }

  /** Multiply-adds of one forward pass at batch 1, summed over every layer call. */
  override macs(): number {
    return summarize(this, { print: false }).totals.macs;
  }

  /**
   * Rows per layer (name, output shape, params, multiply-adds at batch 1) and totals; prints a Keras-like table with {
   * print: true }.
   */
  summary(opts: SummaryOptions = {}): Summary {
    return summarize(this, opts);
  }

  /** Copies of every weight, in layer order. */
  override getWeights(): Tensor[] {
    return this.weights.map((w) => new Tensor(new Float32Array(w.data), w.shape));
  }
  /** Overwrites every weight in the order of getWeights(). */
  override setWeights(values: Tensor[]): void {
    const ws = this.weights;
    if (!Array.isArray(values) || values.length !== ws.length)
      throw new ValueError(
        `model '${this.name}'.setWeights: expected ${ws.length} tensors, got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    ws.forEach((w, i) => w.assign(values[i]));
  }

  /** Builds a Sequential model from the shape of its first data (functional models are already built). */
  protected ensureBuilt(_x: unknown): void {
    if (!this.built)
      throw new ValueError(
        `model '${this.name}' has no layers with a known input shape; give the first layer inputShape`,
      );
  }

  /** Chooses the optimizer, loss and metrics for fit/evaluate. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new ValueError(`compile: expected { optimizer, loss, metrics }`);
    checkOptions('compile', args, ['optimizer', 'loss', 'metrics']);
    if (args.optimizer === undefined || args.loss === undefined)
      throw new ValueError(`compile: optimizer and loss are required`);
    this.optimizer = getOptimizer(args.optimizer);
    this.loss = getLoss(args.loss);
    this.metrics = (args.metrics ?? []).map((m) => getMetric(m, this.loss!.name));
  }

  private compiled(where: string): { optimizer: Optimizer; loss: LossInfo } {
    if (!this.optimizer || !this.loss)
      throw new ValueError(`${where}: model '${this.name}' is not compiled; call compile({ optimizer, loss }) first`);
    if (this.outputs.length !== 1 && this.built)
      throw new ValueError(`${where}: model '${this.name}' has ${this.outputs.length} outputs; training supports one`);
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /** True when the loss can take logits: the model ends in the activation the loss fuses. */
  private get fused(): boolean {
    return !!this.loss?.fuses && this.finalActivation === this.loss.fuses;
  }

  /** Loss and metrics of one batch, on logits when fused (stable softmax/sigmoid cross-entropy). */
  private lossOf(y: Tensor, out: Tensor): Tensor {
    return this.fused ? this.loss!.fromLogits!(y, out) : this.loss!.fn(y, out);
  }
  private metricsOf(y: Tensor, out: Tensor): number[] {
    if (this.metrics.length === 0) return [];
    const probs = this.fused
      ? noGrad(() => (this.loss!.fuses === 'softmax' ? ops.softmax(out, -1) : ops.sigmoid(out)))
      : out;
    return this.metrics.map((m) => m.fn(y, probs));
  }

  /** One optimisation step on a batch; returns the batch loss and metrics. */
  trainOnBatch(x: Tensor | Tensor[], y: Tensor): Logs {
    const { optimizer, loss } = this.compiled('trainOnBatch');
    this.ensureBuilt(x);
    const { xs, n } = checkInputs('trainOnBatch', this.name, this.inputs, x, true);
    checkLabels('trainOnBatch', this.outputs[0], loss, y, n);
    return this.step(xs, y, optimizer);
  }

  /**
   * One update; `where` (fit's terminateOnNaN) names the batch and makes a non-finite loss or gradient throw first.
   * Runs in a tidy scope: it returns numbers only, the weights are Variables and the optimizers' slots plain
   * arrays, so every tensor the step makes (activations, gradients, the loss) is freed for the next step.
   */
  private step(xs: Tensor[], y: Tensor, optimizer: Optimizer, where?: string): Logs {
    return tidy(() => this.stepIn(xs, y, optimizer, where));
  }

  private stepIn(xs: Tensor[], y: Tensor, optimizer: Optimizer, where?: string): Logs {
    const vars = this.trainableWeights;
    let out: Tensor | null = null;
    const { value, grads } = valueAndGrads(() => {
      out = this.run(xs, { training: true, logits: this.fused })[0];
      return this.lossOf(y, out);
    }, vars);
    if (where !== undefined) {
      const loss = value.item();
      if (!Number.isFinite(loss))
        throw new NumericalError(
          `fit: loss became ${loss} at ${where}; the weights keep their values from before this batch (lower the learning rate, or pass terminateOnNaN: false to train on)`,
        );
      grads.forEach((g, i) => {
        const bad = g.data.find((v) => !Number.isFinite(v));
        if (bad !== undefined)
          throw new NumericalError(
            `fit: the gradient of '${vars[i].name}' ${fmtShape(vars[i].shape)} became ${bad} at ${where} (loss ${loss}); the weights keep their values from before this batch`,
          );
      });
    }
    optimizer.applyGradients(vars, grads);
    const logs: Logs = { loss: value.item() };
    this.metricsOf(y, out!).forEach((v, i) => {
      logs[this.metrics[i].name] = v;
    });
    return logs;
  }

  /** Predictions for x in batches (inference mode, no tape). */
  predict(x: Tensor | Tensor[], args: { batchSize?: number } = {}): Tensor {
    this.ensureBuilt(x);
    const { xs, n } = checkInputs('predict', this.name, this.inputs, x, false);
    const bs = positiveInt(args.batchSize ?? 32, 'predict: batchSize');
    const idx = order(n);
    const parts: Tensor[] = [];
    noGrad(() => {
      for (let i = 0; i < n; i += bs) {
        const j = Math.min(n, i + bs);
        const batch = xs.map((t) => (n <= bs ? t : takeRows(t, idx, i, j)));
        // the inference plan (models/plan) where the backend runs one, else the layers one by one
        parts.push(predictPlanned(this, batch, isModel) ?? this.run(batch)[0]);
      }
    });
    if (parts.length === 1) return parts[0];
    if (parts.length === 0)
      return new Tensor(new Float32Array(0), [0, ...this.outputs[0].shape.slice(1).map((d) => d ?? 0)]);
    return noGrad(() => ops.concat(parts, 0));
  }

  /** Loss and metrics over x, y (batched, inference mode): { loss, accuracy, ... }. */
  evaluate(x: Tensor | Tensor[], y: Tensor, args: { batchSize?: number } = {}): Logs {
    const { loss } = this.compiled('evaluate');
    this.ensureBuilt(x);
    const { xs, n } = checkInputs('evaluate', this.name, this.inputs, x, true);
    checkLabels('evaluate', this.outputs[0], loss, y, n);
    return this.evaluateChecked(xs, y, n, positiveInt(args.batchSize ?? 32, 'evaluate: batchSize'));
  }

  private evaluateChecked(xs: Tensor[], y: Tensor, n: number, bs: number): Logs {
    const idx = order(n);
    const sums = new Array(1 + this.metrics.length).fill(0);
    noGrad(() => {
      for (let i = 0; i < n; i += bs) {
        const j = Math.min(n, i + bs);
        const yb = takeRows(y, idx, i, j);
        const out = this.run(
          xs.map((t) => takeRows(t, idx, i, j)),
          { logits: this.fused },
        )[0];
        [this.lossOf(yb, out).item(), ...this.metricsOf(yb, out)].forEach((v, k) => {
          sums[k] += v * (j - i);
        });
      }
    });
    const logs: Logs = { loss: sums[0] / Math.max(n, 1) };
    this.metrics.forEach((m, k) => {
      logs[m.name] = sums[k + 1] / Math.max(n, 1);
    });
    return logs;
  }

  /**
   * Trains for a number of epochs on tensors (x, y) or on a dataset of { xs, ys } batches
   * (fit(dataset, options)). Yields to the event loop between batches. Returns the History.
   */
  async fit(x: Tensor | Tensor[] | Dataset, y?: Tensor | FitArgs, fitArgs?: FitArgs): Promise<History> {
    const { optimizer, loss } = this.compiled('fit');
    const plan = this.prepareFit(loss, x, y, fitArgs);
    return this.runEpochs(plan, optimizer, loss);
  }

  /** Checks fit()'s options and data once, splits off validation rows, and says how to batch each epoch. */
  private prepareFit(loss: LossInfo, x: Tensor | Tensor[] | Dataset, y?: Tensor | FitArgs, fitArgs?: FitArgs): FitPlan {
    const isData = x instanceof Tensor || (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof Tensor));
    const args: FitArgs = (isData ? fitArgs : (y as FitArgs)) ?? {};
    checkOptions('fit', args, FIT_OPTIONS);
    const epochs = positiveInt(args.epochs ?? 1, 'fit: epochs');
    const bs = positiveInt(args.batchSize ?? 32, 'fit: batchSize');
    const verbose = args.verbose ?? 1;
    if (![0, 1, 2].includes(verbose)) throw new ValueError(`fit: verbose must be 0, 1 or 2, got ${fmtValue(verbose)}`);
    if (args.terminateOnNaN !== undefined && typeof args.terminateOnNaN !== 'boolean')
      throw new ValueError(`fit: terminateOnNaN must be true or false, got ${fmtValue(args.terminateOnNaN)}`);
    const shuffleSeed = args.seed ?? Math.floor(Math.random() * 0x7fffffff);

    // Tensor data: validate once, split off validation rows, then batch per epoch.
    let batchesOf: FitPlan['batchesOf'];
    let steps = 0;
    let validation: FitPlan['validation'] = null;
    if (isData) {
      this.ensureBuilt(x);
      let { xs, n } = checkInputs('fit', this.name, this.inputs, x, true);
      let yt = checkLabels('fit', this.outputs[0], loss, y, n);
      if (args.validationSplit !== undefined) {
        if (!(args.validationSplit > 0 && args.validationSplit < 1))
          throw new ValueError(`fit: validationSplit must be in (0, 1), got ${fmtValue(args.validationSplit)}`);
        // Keras takes the last rows, before shuffling.
        const nVal = Math.floor(n * args.validationSplit);
        const all = order(n);
        validation = { xs: xs.map((t) => takeRows(t, all, n - nVal, n)), y: takeRows(yt, all, n - nVal, n), n: nVal };
        xs = xs.map((t) => takeRows(t, all, 0, n - nVal));
        yt = takeRows(yt, all, 0, n - nVal);
        n -= nVal;
      }
      steps = Math.ceil(n / bs);
      const shuffle = args.shuffle ?? true;
      const [txs, ty, tn] = [xs, yt, n];
      batchesOf = function* (epoch: number) {
        const idx = order(tn, shuffle ? deriveSeed(shuffleSeed, epoch) : undefined);
        for (let i = 0; i < tn; i += bs) {
          const j = Math.min(tn, i + bs);
          yield { xs: txs.map((t) => takeRows(t, idx, i, j)), ys: takeRows(ty, idx, i, j) };
        }
      };
    } else {
      if (typeof x !== 'function' && (x === null || typeof x !== 'object'))
        throw new ValueError(
          `fit: expected x as a Tensor, a list of Tensors or a dataset, got ${x === null ? 'null' : typeof x}`,
        );
      if (args.validationSplit !== undefined)
        throw new ValueError(`fit: validationSplit needs tensors; pass validationData with a dataset`);
      steps = args.stepsPerEpoch ?? (Array.isArray(x) ? x.length : 0);
      batchesOf = (epoch) => datasetBatches(x as Dataset, epoch);
    }
    if (args.validationData !== undefined) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2)
        throw new ValueError(`fit: validationData must be [x, y]`);
      const [vx, vy] = args.validationData;
      this.ensureBuilt(vx);
      const { xs, n } = checkInputs('fit (validationData)', this.name, this.inputs, vx, true);
      validation = { xs, y: checkLabels('fit (validationData)', this.outputs[0], loss, vy, n), n };
    }

    const callbacks: Callback[] =
      args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? [...args.callbacks] : [args.callbacks];
    if (verbose > 0)
      callbacks.push(
        new ProgressLogger({ verbose: verbose as 1 | 2, epochs, batches: steps, sink: args.progressSink }),
      );
    return {
      epochs,
      batchSize: bs,
      steps,
      initialEpoch: args.initialEpoch ?? 0,
      stepsPerEpoch: args.stepsPerEpoch,
      batchesOf,
      checkBatches: !isData,
      validation,
      callbacks,
      terminateOnNaN: args.terminateOnNaN ?? true,
    };
  }

  /** fit()'s epoch loop: a step per batch, validation after each epoch, and the callbacks around both. */
  private async runEpochs(plan: FitPlan, optimizer: Optimizer, loss: LossInfo): Promise<History> {
    const { epochs, steps, callbacks, validation } = plan;
    for (const cb of callbacks) cb.setModel?.(this);
    const history: History = { history: {}, epoch: [] };
    this.history = history;
    this.stopTraining = false;
    for (const cb of callbacks) await cb.onTrainBegin?.();
    for (let epoch = plan.initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
      const sums = new Map<string, number>();
      let seen = 0,
        batch = 0;
      for await (const b of plan.batchesOf(epoch)) {
        if (plan.stepsPerEpoch !== undefined && batch >= plan.stepsPerEpoch) break;
        for (const cb of callbacks) await cb.onBatchBegin?.(batch);
        let xs = Array.isArray(b.xs) ? b.xs : [b.xs];
        let n = xs[0]?.shape[0] ?? 0;
        if (plan.checkBatches) {
          this.ensureBuilt(b.xs);
          ({ xs, n } = checkInputs('fit (dataset batch)', this.name, this.inputs, b.xs, true));
          checkLabels('fit (dataset batch)', this.outputs[0], loss, b.ys, n);
        }
        const where = plan.terminateOnNaN
          ? `epoch ${epoch + 1}/${epochs}, batch ${batch + 1}${steps ? `/${steps}` : ''} (counting from 1)`
          : undefined;
        const logs = this.step(xs, b.ys, optimizer, where);
        for (const [k, v] of Object.entries(logs)) sums.set(k, (sums.get(k) ?? 0) + v * n);
        seen += n;
        for (const cb of callbacks) await cb.onBatchEnd?.(batch, { ...logs, batch, size: n });
        batch++;
        await yieldToEventLoop();
      }
      const logs: Logs = {};
      for (const [k, v] of sums) logs[k] = v / Math.max(seen, 1);
      if (validation) {
        for (const [k, v] of Object.entries(
          this.evaluateChecked(validation.xs, validation.y, validation.n, plan.batchSize),
        ))
          logs[`val_${k}`] = v;
      }
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.();
    return history;
  }

  /** Keras config of a functional model: layers with their inbound nodes, input and output layers. */
  override getConfig(): Record<string, unknown> {
    // A nested model's node 0 is its own graph in Keras and TF.js, so its calls count from 1.
    const ref = (s: SymbolicTensor): [string, number, number] => [
      s.layer.name,
      s.layer.inboundNodes.indexOf(s.node) + (s.layer instanceof Model ? 1 : 0),
      s.outputIndex,
    ];
    return {
      name: this.name,
      layers: this.graphLayers.map((l) => ({
        ...serialize(l),
        name: l.name,
        inbound_nodes: l.inboundNodes
          .filter((n) => this.nodes.includes(n))
          .map((n) => n.inputs.map((s) => [...ref(s), {}])),
      })),
      input_layers: this.inputs.map(ref),
      output_layers: this.outputs.map(ref),
    };
  }
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

function toList(v: SymbolicTensor | SymbolicTensor[] | undefined, what: string): SymbolicTensor[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => s instanceof SymbolicTensor)) {
    throw new ValueError(`model: ${what} must be symbolic tensors (from layers.input() and layer.apply())`);
  }
  return list;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${what} must be a positive integer, got ${fmtValue(v)}`);
  return v;
}

const isModel = (l: Layer): l is Model => l instanceof Model;

/** A functional model from symbolic inputs and outputs (Keras's tf.keras.Model(inputs, outputs)). */
export const model = (args: ModelArgs): Model => new Model(args);
