// face: encoders, distances, triplet loss and mining, siamese classifier, recognition database,
// and the pretrained 128-d face encoder of face-api.
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
export { loadFaceRecognitionNet, faceRecognitionModel, FaceRecognitionNet, alignedBox, cropFace, FACE_RECOGNITION_SIZE, FACE_RECOGNITION_MEAN } from './pretrained';
export type { FaceRect, Weights as FaceRecognitionWeights } from './pretrained';
