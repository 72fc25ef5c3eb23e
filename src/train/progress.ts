// The verbose fit() output. In a terminal (stdout is a TTY) verbose 1 redraws a progress bar with \r;
// in a log (not a TTY) and with verbose 2 it prints one line per epoch, so logs stay readable.
import type { Callback, Logs } from './callbacks';
import { isNode } from '../platform';

/** Where progress goes: a write function and whether it is an interactive terminal. */
export interface ProgressSink {
  write(s: string): void;
  isTTY: boolean;
}

/** stdout in Node (TTY detected), console.log lines elsewhere. */
export function defaultSink(): ProgressSink {
  const out = isNode ? process.stdout : undefined;
  if (out && typeof out.write === 'function')
    return {
      write: (s) => {
        out.write(s);
      },
      isTTY: !!out.isTTY,
    };
  let line = '';
  return {
    isTTY: false,
    write: (s) => {
      line += s;
      const parts = line.split('\n');
      line = parts.pop() ?? '';
      for (const p of parts) console.log(p);
    },
  };
}

const fmtNum = (v: number): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
const fmtTime = (s: number): string =>
  s >= 60
    ? `${Math.floor(s / 60)}m${Math.round(s % 60)
        .toString()
        .padStart(2, '0')}s`
    : `${s.toFixed(1)}s`;
/**
 * ` - N samples/s`, with two significant digits below 10 so a slow epoch never reads 0; nothing when nothing was timed.
 */
const fmtRate = (samples: number, secs: number): string => {
  if (!(samples > 0 && secs > 0)) return '';
  const r = samples / secs;
  return ` - ${r >= 10 ? Math.round(r) : r.toPrecision(2)} samples/s`;
};
const fmtLogs = (logs: Logs): string =>
  Object.entries(logs)
    .filter(([k]) => k !== 'batch' && k !== 'size')
    .map(([k, v]) => `${k}: ${fmtNum(v)}`)
    .join(' - ');

/** Prints fit() progress: verbose 1 = bar (TTY) or a line per epoch, verbose 2 = a line per epoch. */
export class ProgressLogger implements Callback {
  private start = 0;
  private lastDraw = 0;
  private samples = 0;
  private batches = 0;
  /** Size-weighted sums of the batch figures: the bar shows running epoch means, as Keras does. */
  private sums = new Map<string, number>();
  private readonly width = 30;

  /** batches: per epoch, 0 when unknown (a dataset without stepsPerEpoch). */
  constructor(
    private readonly o: { verbose: 1 | 2; epochs: number; batches: number; sink?: ProgressSink; now?: () => number },
  ) {}

  private get sink(): ProgressSink {
    return this.o.sink ?? (this.o.sink = defaultSink());
  }
  private now(): number {
    return this.o.now ? this.o.now() : performance.now();
  }
  private get bar(): boolean {
    return this.o.verbose === 1 && this.sink.isTTY;
  }

  onEpochBegin(epoch: number): void {
    this.start = this.now();
    this.lastDraw = 0;
    this.samples = 0;
    this.batches = 0;
    this.sums.clear();
    if (this.bar) this.sink.write(`Epoch ${epoch + 1}/${this.o.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.batches = batch + 1;
    const size = logs.size ?? 1;
    this.samples += size;
    for (const [k, v] of Object.entries(logs)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * size);
    if (!this.bar) return;
    const t = this.now();
    const done = batch + 1,
      total = this.o.batches;
    if (done !== total && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const elapsed = (t - this.start) / 1000;
    let bar = '';
    if (total > 0) {
      const filled = Math.min(this.width, Math.floor((this.width * done) / total));
      bar = ` [${'='.repeat(Math.max(0, filled - 1))}${done < total ? '>' : '='}${'.'.repeat(this.width - Math.max(filled, 1))}]`;
    }
    const eta = total > done ? ` - ETA ${fmtTime((elapsed / done) * (total - done))}` : '';
    const means: Logs = {};
    for (const [k, v] of this.sums) means[k] = v / this.samples;
    this.sink.write(`\r${this.count(done)}${bar}${eta} - ${fmtLogs(means)}\x1b[K`);
  }

  private count(done: number): string {
    const total = this.o.batches;
    return total > 0 ? `${String(done).padStart(String(total).length)}/${total}` : `${done}/?`;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const secs = (this.now() - this.start) / 1000;
    const timing = `${fmtTime(secs)}${fmtRate(this.samples, secs)}`;
    const figures = fmtLogs(logs);
    const done = `${this.batches}/${this.o.batches || this.batches}`;
    if (this.bar) this.sink.write(`\r${done} [${'='.repeat(this.width)}] - ${timing} - ${figures}\x1b[K\n`);
    else this.sink.write(`Epoch ${epoch + 1}/${this.o.epochs} - ${done} - ${timing} - ${figures}\n`);
  }
}
