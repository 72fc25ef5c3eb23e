// io: reading and writing images (and, later, models). Re-exports only.
/**
 * Models in the TensorFlow.js Layers format (model.json + shards) and ONNX, images (PNG, JPEG) in and out.
 *
 * @example
 * ```ts
 * import { io, zoo } from 'convkit';
 * const net = zoo.lenet5();
 * net.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * await io.save(net, 'lenet5-model');            // model.json with its compile settings, and the weights
 * const again = await io.load('lenet5-model');    // compiled as saved: fit() runs straight away
 * const photo = await io.readImage('photo.jpg');  // [H, W, 3] float32, 0-255
 * ```
 * @module
 */
export {
  readImage,
  decodeImage,
  writeImage,
  encodeImage,
  fromImageData,
  toImageData,
  toBytes,
  sniffFormat,
  formatFromPath,
} from './image';
export type { ImageFormat, ImageSource, ImageDataLike, ReadImageOptions, WriteImageOptions } from './image';
export {
  save,
  load,
  loadWeights,
  memory,
  fromMemory,
  toArtifacts,
  fromArtifacts,
  decodeWeights,
  assignWeights,
  parseModelJson,
  SHARD_BYTES,
} from './model';
export type { ModelArtifacts, IOHandler, SaveResult, WeightSpec, WeightsManifestEntry } from './model';
export type { TrainingConfig } from '../models/training-config';
export { fromBundle, loadNsfwjs, NSFWJS_MODELS, NSFWJS_CLASSES } from './pretrained';
export type { ModelBundle } from './pretrained';
export { loadOnnx, fromOnnx, unsupportedNodes, SUPPORTED_ONNX_OPS } from './onnx/import';
export type { LoadOnnxOptions, OnnxSource } from './onnx/import';
export type {
  ModelProto,
  GraphProto,
  NodeProto,
  AttributeProto,
  TensorProto,
  ValueInfoProto,
  ExternalReader,
} from './onnx/proto';
export { saveOnnx, toOnnx, unexportableLayers } from './onnx/export';
export type { SaveOnnxOptions } from './onnx/export';
