// Option checking shared by the zoo builders: unknown keys are an error naming the builder.
import { ValueError, fmtValue, didYouMean } from '../errors';

/** Throws ValueError when args holds a key outside known (catches typos such as 'clases'). */
export function checkZooOptions(where: string, args: object | undefined, known: readonly string[]): void {
  if (args === undefined) return;
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new ValueError(`${where}: expected an options object, got ${fmtValue(args)}`);
  for (const k of Object.keys(args)) {
    if (!known.includes(k)) throw new ValueError(`${where}: unknown option '${k}'${didYouMean(k, known)} (valid options: ${known.join(', ')})`);
  }
}

/** Checks a positive integer option. */
export function positive(where: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ValueError(`${where}: ${what} must be a positive integer, got ${fmtValue(v)}`);
  return v as number;
}

/** Checks an [H, W, C] input shape. */
export function imageShape(where: string, s: unknown): [number, number, number] {
  if (!Array.isArray(s) || s.length !== 3 || s.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(`${where}: inputShape must be [height, width, channels], got ${fmtValue(s)}`);
  }
  return s as [number, number, number];
}
