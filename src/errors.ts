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

/** Formats a shape as `[a,b,c]` for error messages. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;
