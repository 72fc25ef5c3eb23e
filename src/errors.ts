import leven from 'leven';
/** Base class of every error convkit throws on purpose. */
export class ConvkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** A tensor has the wrong rank, size or dimensions for an op or layer. */
export class ShapeError extends ConvkitError {}
/** An option or argument has a bad value or an unknown name (Keras's ValueError). */
export class ValueError extends ConvkitError {}
/** A backend could not be loaded or is not available on this platform. */
export class BackendError extends ConvkitError {}
/** A saved model (model.json / weights) is malformed or does not match the model. */
export class ModelFormatError extends ConvkitError {}
/** An image could not be decoded or encoded. */
export class ImageError extends ConvkitError {}
/** Training diverged: the loss or a gradient became NaN or infinite (fit's terminateOnNaN). */
export class NumericalError extends ConvkitError {}
/** A tensor was used after dispose() (its buffer may already hold another tensor's values). */
export class DisposedError extends ConvkitError {}

/** Formats a shape as `[a,b,c]` for error messages. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

/**
 * Formats a bad option value for an error message, naming its type unless it is a number, so
 * `epochs: '2'` reads `got "2" (a string)` rather than a bare `got 2`.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (typeof v === 'symbol') return `${String(v)} (a symbol)`;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    /* cyclic */
  }
  if (json !== undefined && json.length > 80) json = `${json.slice(0, 77)}...`;
  const kind = Array.isArray(v)
    ? 'an array'
    : `an object${(v as object).constructor && (v as object).constructor !== Object ? ` of class ${(v as object).constructor.name}` : ''}`;
  return json === undefined ? kind : `${json} (${kind})`;
}

/**
 * ` (did you mean 'x'?)` when a mistyped name is one or two edits from a valid one, else '';
 * `prefix` goes before the suggestion ('--' for flags).
 */
export function didYouMean(name: string, valid: readonly string[], prefix = ''): string {
  const near = valid
    .map((v) => ({ v, d: leven(name.toLowerCase(), v.toLowerCase()) }))
    .filter(({ v, d }) => d <= (v.length >= 5 ? 2 : 1) || (name.length >= 3 && v.startsWith(name)))
    .sort((a, b) => a.d - b.d);
  return near.length ? ` (did you mean '${prefix}${near[0].v}'?)` : '';
}
