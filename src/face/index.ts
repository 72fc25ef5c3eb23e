// face: encoders, distances, triplet loss and mining, siamese classifier, recognition database,
// and the pretrained 128-d face encoder of face-api.
/**
 * Face verification and recognition as in the notes: encoders, squared distances, triplet loss and mining, a
 * recognition database, and face-api's pretrained 128-d encoder.
 *
 * @example
 * ```ts
 * import { tensor, face } from 'convkit';
 * const e1 = tensor([[0.6, 0.8]]), e2 = tensor([[0.8, 0.6]]);
 * face.distance(e1, e2);                   // ||e1 - e2||^2 = 0.08
 * face.verify(e1, e2, 0.36);               // [true]: the same person, below the threshold
 * const loss = face.tripletLoss(e1, e1, e2, 0.2);
 * ```
 * @module
 */
export { distance, verify, l2Normalize } from './distance';
export type { EmbeddingLike } from './distance';
export { tripletLoss, mineTriplets } from './losses';
export type { Triplets, MiningStrategy } from './losses';
export { encoder } from './encoder';
export { L2Normalize, ZeroChannels } from '../layers';
export type { EncoderOptions } from './encoder';
export { siameseClassifier, SiameseClassifier } from './siamese';
export type { PairFeatures, SiameseOptions, SiameseFitOptions } from './siamese';
export { FaceDatabase } from './database';
export type { Encoder, FaceDatabaseJSON, Match } from './database';
export {
  loadFaceRecognitionNet,
  faceRecognitionModel,
  FaceRecognitionNet,
  alignedBox,
  faceDescriptorRect,
  cropFace,
  FACE_RECOGNITION_SIZE,
  FACE_RECOGNITION_MEAN,
} from './pretrained';
export type { FaceRect, Weights as FaceRecognitionWeights } from './pretrained';
