// io: reading and writing images (and, later, models). Re-exports only.
export { readImage, decodeImage, writeImage, encodeImage, fromImageData, toImageData, toBytes, sniffFormat, formatFromPath } from './image';
export type { ImageFormat, ImageSource, ImageDataLike, ReadImageOptions, WriteImageOptions } from './image';
export { save, load, loadWeights, memory, fromMemory, toArtifacts, fromArtifacts, decodeWeights, assignWeights, parseModelJson, SHARD_BYTES } from './model';
export type { ModelArtifacts, IOHandler, SaveResult, WeightSpec, WeightsManifestEntry } from './model';
export type { TrainingConfig } from '../models/training-config';
export { fromBundle, loadNsfwjs, NSFWJS_MODELS, NSFWJS_CLASSES } from './pretrained';
export type { ModelBundle } from './pretrained';
export { loadOnnx, fromOnnx, unsupportedNodes, SUPPORTED_ONNX_OPS } from './onnx/import';
export type { LoadOnnxOptions, OnnxSource } from './onnx/import';
export { saveOnnx, toOnnx, unexportableLayers } from './onnx/export';
export type { SaveOnnxOptions } from './onnx/export';
