// Training callbacks (Keras's hooks) and early stopping.
/**
 * Training callbacks (Keras's hooks): early stopping, learning-rate schedules, or any object with onEpochEnd and
 * friends.
 *
 * @example
 * ```ts
 * import { callbacks, zoo, ops } from 'convkit';
 * const net = zoo.lenet5();
 * net.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * const x = ops.randomNormal([64, 32, 32, 1], { seed: 1 }), y = ops.oneHot([...Array(64)].map((_, i) => i % 10), 10);
 * await net.fit(x, y, {
 *   epochs: 5, validationSplit: 0.25,
 *   callbacks: [
 *     callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 }),
 *     callbacks.learningRateScheduler((epoch, lr) => lr * 0.9),
 *   ],
 * });
 * ```
 * @module
 */
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { checkOptions } from '../options';

/** Figures of an epoch or batch: loss, metrics, and val_ forms. */
export type Logs = Record<string, number>;

/** What a callback may touch on the model being trained. */
export interface TrainingModel {
  stopTraining: boolean;
  optimizer?: { learningRate: number } | null;
  getWeights(): Tensor[];
  setWeights(w: Tensor[]): void;
}

/** Hooks called by fit(); any may be async. Epoch and batch indices start at 0, as in Keras. */
export interface Callback {
  setModel?(model: TrainingModel): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** Options of earlyStopping (Keras names and defaults). */
export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops fit() when `monitor` has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  /** Epoch index at which training was stopped (0 if it ran to the end). */
  stoppedEpoch = 0;
  private readonly sign: number;
  private readonly baseline?: number;
  private model?: TrainingModel;
  private best = Infinity;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(o: EarlyStoppingArgs = {}) {
    checkOptions('earlyStopping', o, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights']);
    this.monitor = o.monitor ?? 'val_loss';
    this.patience = o.patience ?? 0;
    this.minDelta = Math.abs(o.minDelta ?? 0);
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.baseline = o.baseline;
    const mode = o.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode))
      throw new ValueError(`earlyStopping: mode must be 'auto', 'min' or 'max', got '${mode}'`);
    const maximise = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor));
    this.sign = maximise ? -1 : 1;
  }

  setModel(m: TrainingModel): void {
    this.model = m;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = null;
    this.best = this.baseline === undefined ? Infinity : this.sign * this.baseline;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new ValueError(
        `earlyStopping: monitor '${this.monitor}' is not in the logs (have: ${Object.keys(logs).join(', ')}); pass validationData or monitor 'loss'`,
      );
    }
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeights();
      return;
    }
    this.wait++;
    if (this.wait > this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.bestWeights) this.model.setWeights(this.bestWeights);
    }
  }
}

/** Early stopping (Keras's EarlyStopping): monitor 'val_loss' by default. */
export const earlyStopping = (o?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(o);

/** Sets the optimizer's learning rate at the start of each epoch (Keras's LearningRateScheduler). */
export class LearningRateScheduler implements Callback {
  private model: TrainingModel | null = null;
  constructor(readonly schedule: (epoch: number, learningRate: number) => number) {
    if (typeof schedule !== 'function')
      throw new ValueError('learningRateScheduler: expected a function (epoch, learningRate) => learningRate');
  }
  setModel(model: TrainingModel): void {
    this.model = model;
  }
  onEpochBegin(epoch: number): void {
    const opt = this.model?.optimizer;
    if (!opt) throw new ValueError('learningRateScheduler: the model has no optimizer (call compile first)');
    opt.learningRate = this.schedule(epoch, opt.learningRate);
  }
}

/** A learning-rate schedule callback: schedule(epoch, currentRate) returns the rate for that epoch. */
export const learningRateScheduler = (
  schedule: (epoch: number, learningRate: number) => number,
): LearningRateScheduler => new LearningRateScheduler(schedule);
