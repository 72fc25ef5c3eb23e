// The one check every function with an options object runs first: a typo such as `paddding` or
// `clases` must fail loudly, naming the function and the options it knows, instead of being ignored.
import { ValueError, fmtValue, didYouMean } from './errors';

/** Throws a ValueError naming `where` when opts is not an options object or holds a key outside `valid`. */
export function checkOptions(where: string, opts: unknown, valid: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new ValueError(`${where}: expected an options object, got ${fmtValue(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!valid.includes(k))
      throw new ValueError(
        `${where}: unknown option '${k}'${didYouMean(k, valid)} (valid options: ${valid.join(', ')})`,
      );
  }
}

/**
 * The option names of T, which the compiler proves complete: optionNames<NmsOptions>({ iouThreshold: true,
 * scoreThreshold: true, maxOutputs: true }) fails to compile when the interface gains or loses a name.
 */
export const optionNames = <T>(names: Record<keyof T, true>): readonly string[] => Object.keys(names);
