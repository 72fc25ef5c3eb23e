// model.summary(): one row per layer (name, type, output shape, params, multiply-adds at batch 1)
// and totals, printed as a Keras-like table (unless print: false) and returned.
import { Layer, SymShape, fmtSymShape, InputLayer } from '../layers';
import { checkOptions, optionNames } from '../options';
import type { Model } from './model';

/** One layer of a summary. */
export interface SummaryRow {
  name: string;
  type: string;
  outputShape: SymShape;
  params: number;
  macs: number;
}
/** What summary() returns: rows, totals and the printed table. */
export interface Summary {
  rows: SummaryRow[];
  totals: { params: number; trainableParams: number; nonTrainableParams: number; macs: number };
  text: string;
  /** Present on a quantize()d model: which layers run int8 and which stay float. */
  quantization?: { weights: string; activations: string; int8: string[]; float: string[] };
}
/**
 * Where the table goes: printed with console.log by default, as Keras and TF.js do; `false` only
 * returns it; a function receives each line (Keras's print_fn).
 */
export interface SummaryOptions {
  print?: boolean | ((line: string) => void);
}

const num = (n: number): string => n.toLocaleString('en-US');

/** Builds the summary of a model (shared layers: params once, multiply-adds per call). */
export function summarize(m: Model, opts: SummaryOptions = {}, notes: string[] = []): Summary {
  checkOptions('summary', opts, optionNames<SummaryOptions>({ print: true }));
  const rows: SummaryRow[] = m.layers.map((l: Layer) => {
    const nodes = l instanceof InputLayer ? l.inboundNodes.slice(0, 1) : m.nodes.filter((n) => n.layer === l);
    const inShape = (n: (typeof nodes)[number]): SymShape | SymShape[] => {
      const shapes = n.inputs.map((s) => s.shape);
      return shapes.length === 1 ? shapes[0] : shapes;
    };
    return {
      name: l.name,
      type: l.className,
      outputShape: nodes[0] ? [...nodes[0].outputs[0].shape] : [],
      params: l.countParams(),
      macs: nodes.reduce((a, n) => a + (n.inputs.length ? l.macs(inShape(n)) : 0), 0),
    };
  });
  const params = m.countParams();
  const trainableParams = m.trainableWeights.reduce((a, w) => a + w.size, 0);
  const totals = {
    params,
    trainableParams,
    nonTrainableParams: params - trainableParams,
    macs: rows.reduce((a, r) => a + r.macs, 0),
  };
  const widths = [32, 24, 12, 14];
  const cell = (s: string, w: number): string => (s.length >= w ? `${s} ` : s.padEnd(w));
  const line = (cols: string[]): string => ` ${cols.map((c, i) => cell(c, widths[i])).join('')}`.trimEnd();
  const rule = (ch: string): string => ch.repeat(widths.reduce((a, b) => a + b, 1));
  const out: string[] = [
    `Model: "${m.name}"`,
    rule('_'),
    line(['Layer (type)', 'Output Shape', 'Param #', 'Mult-adds']),
    rule('='),
  ];
  rows.forEach((r, i) => {
    out.push(line([`${r.name} (${r.type})`, fmtSymShape(r.outputShape), num(r.params), num(r.macs)]));
    out.push(rule(i === rows.length - 1 ? '=' : '_'));
  });
  out.push(
    `Total params: ${num(totals.params)}`,
    `Trainable params: ${num(totals.trainableParams)}`,
    `Non-trainable params: ${num(totals.nonTrainableParams)}`,
    `Multiply-adds (batch 1): ${num(totals.macs)}`,
    ...notes,
    rule('_'),
  );
  const text = out.join('\n');
  if (opts.print ?? true) {
    const p = typeof opts.print === 'function' ? opts.print : (s: string) => console.log(s);
    for (const l of out) p(l);
  }
  return { rows, totals, text };
}
