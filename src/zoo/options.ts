// Value checks shared by the zoo builders (unknown option names: checkOptions in src/options.ts).
import { ValueError, fmtValue } from '../errors';

/** Checks a positive integer option. */
export function positive(where: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0)
    throw new ValueError(`${where}: ${what} must be a positive integer, got ${fmtValue(v)}`);
  return v as number;
}

/** Checks an [H, W, C] input shape. */
export function imageShape(where: string, s: unknown): [number, number, number] {
  if (!Array.isArray(s) || s.length !== 3 || s.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(`${where}: inputShape must be [height, width, channels], got ${fmtValue(s)}`);
  }
  return s as [number, number, number];
}
