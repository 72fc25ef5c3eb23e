// style: neural style transfer (the notes' Gram matrix, content and style costs, the transfer loop). Re-exports only.
//
// Feature networks: any convkit Model works with explicit contentLayer/styleLayers. Recognised without them:
// nsfwjs's MobileNetV2 (`await io.loadNsfwjs('mobilenet_v2')`, pixels / 255) and a Keras-named VGG-16/19
// (Keras 'caffe' preprocessing). A user's own ImageNet VGG-16 in the TF.js Layers format is made with
// python -c "import tensorflow as tf; tf.keras.applications.VGG16(include_top=False,
// weights='imagenet').save('vgg16.h5')"
//   tensorflowjs_converter --input_format keras vgg16.h5 vgg16_tfjs
// and used as `style.transfer({ model: await io.load('vgg16_tfjs'), ... })` or `convkit style ... --model vgg16_tfjs`.
/**
 * Neural style transfer as in the notes: Gram matrices, content and style costs, and the transfer loop.
 *
 * @example
 * ```ts
 * import { ops, style } from 'convkit';
 * const aC = ops.randomNormal([1, 8, 8, 4], { seed: 1 }), aG = ops.randomNormal([1, 8, 8, 4], { seed: 2 });
 * const g = style.gramMatrix(aC);          // [1, 4, 4]
 * const jc = style.contentCost(aC, aG);    // a scalar Tensor that grad() can differentiate
 * const js = style.styleCost(aC, aG);
 * ```
 * @module
 */
export { gramMatrix } from './gram';
export { contentCost, styleCost, gramCost, totalCost, totalVariation, layerWeights } from './costs';
export type { StyleTerm, StyleLayer } from './costs';
export { transfer, featureExtractor, defaultLayers, DEFAULT_LAYERS } from './transfer';
export type { TransferOptions, TransferStep, LayerChoice } from './transfer';
export { Lbfgs } from './lbfgs';
export type { LbfgsOptions, Objective } from './lbfgs';
