// The face encoder f(x): a small ConvNet whose last layer puts the encoding on the unit sphere, so
// squared distances lie in [0, 4] and one threshold works for every pair. Siamese use is just
// calling the same model on two or three inputs inside one loss: the tape sums the gradients of
// every call into the shared Variables, with no copies of the weights.
import { ValueError } from '../errors';
import { L2Normalize } from '../layers';
import { checkOptions } from '../options';
import * as layers from '../layers';
import { Model, model } from '../models';

/** Options of {@link encoder}. */
export interface EncoderOptions {
  /** One input image without the batch axis, [H, W, C]. */
  inputShape: number[];
  /** Length of the encoding (default 128, as FaceNet). */
  embeddingSize?: number;
  /** Filters of each conv (3x3, ReLU) + 2x2 max-pool stage (default [32, 64, 128]). */
  filters?: number[];
  /** Seeds every initialiser: a seeded encoder is reproducible. */
  seed?: number;
  name?: string;
}

/**
 * A ConvNet encoder: conv 3x3 'same' + ReLU + max-pool 2 per stage, flatten, a linear dense layer
 * of embeddingSize units, then L2 normalisation. Input [N, H, W, C], output [N, embeddingSize].
 */
export function encoder(opts: EncoderOptions): Model {
  checkOptions('face.encoder', opts, ['inputShape', 'embeddingSize', 'filters', 'seed', 'name']);
  const { inputShape, embeddingSize = 128, filters = [32, 64, 128], seed, name } = opts ?? ({} as EncoderOptions);
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ValueError(
      `face.encoder: inputShape must be [H, W, C] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  if (!Number.isInteger(embeddingSize) || embeddingSize <= 0)
    throw new ValueError(`face.encoder: embeddingSize must be a positive integer, got ${embeddingSize}`);
  if (!Array.isArray(filters) || filters.length === 0 || filters.some((f) => !Number.isInteger(f) || f <= 0)) {
    throw new ValueError(
      `face.encoder: filters must be a non-empty list of positive integers, got ${JSON.stringify(filters)}`,
    );
  }
  if (2 ** filters.length > Math.min(inputShape[0], inputShape[1])) {
    throw new ValueError(
      `face.encoder: ${filters.length} pooling stages need an input of at least ${2 ** filters.length} pixels, got ${inputShape[0]}x${inputShape[1]}`,
    );
  }
  const x = layers.input({ shape: inputShape });
  let h = x;
  for (const f of filters) {
    h = layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(h);
    h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  }
  h = layers.flatten().apply(h);
  h = layers.dense({ units: embeddingSize }).apply(h);
  return model({ inputs: x, outputs: new L2Normalize().apply(h), name: name ?? 'face_encoder', seed });
}
