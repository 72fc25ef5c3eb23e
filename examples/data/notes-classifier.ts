// The notes' sliding-window classifier: 14x14x3 → conv 5x5x16 → max pool 2x2 → FC 400 → FC 400 → softmax 4.
import { layers, Sequential } from '../../src';

/** A seeded, untrained copy of the notes' classifier (tests and the sliding-window bench share it). */
export const notesClassifier = (seed: number): Sequential =>
  new Sequential(
    [
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', inputShape: [14, 14, 3] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 400, activation: 'relu' }),
      layers.dense({ units: 400, activation: 'relu' }),
      layers.dense({ units: 4, activation: 'softmax' }),
    ],
    { seed },
  );
