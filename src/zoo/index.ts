// zoo: classic networks ready to train.
/**
 * The classic networks of the notes, ready to train: LeNet-5, AlexNet, VGG-16, ResNet-18/34/50, Inception modules and
 * GoogLeNet.
 *
 * @example
 * ```ts
 * import { zoo } from 'convkit';
 * const lenet = zoo.lenet5();                                  // 61,706 parameters, as in the notes' table
 * const resnet = zoo.resnet({ depth: 18, inputShape: [64, 64, 3], classes: 10 });
 * lenet.summary();                                             // prints the Keras-style table
 * ```
 * @module
 */
export { lenet5 } from './lenet';
export type { LeNet5Args } from './lenet';
export { alexnet } from './alexnet';
export type { AlexNetArgs } from './alexnet';
export { vgg16 } from './vgg';
export type { VGG16Args } from './vgg';
export { resnet, residualBlock } from './resnet';
export type { ResNetArgs, ResidualBlockArgs } from './resnet';
export { inceptionModule } from './inception';
export type { InceptionModuleArgs } from './inception';
export { googlenet, GOOGLENET_MODULES } from './googlenet';
export type { GoogLeNetArgs, Row as GoogLeNetRow } from './googlenet';
