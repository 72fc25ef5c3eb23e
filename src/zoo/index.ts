// zoo: classic networks ready to train.
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
