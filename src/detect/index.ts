// detect: IoU, NMS, anchors (k-means), YOLO encode/decode/loss, localization, landmarks, mAP.
export { iou, shapeIou, toCenter, toCorners } from './box';
export type { Box, CenterBox, CornerBox, Size } from './box';
export { nms, nmsPerClass } from './nms';
export type { NmsOptions, NmsPerClassOptions } from './nms';
export { kmeansAnchors, bestAnchor } from './anchors';
export type { KmeansOptions, KmeansResult } from './anchors';
export { meanAveragePrecision } from './map';
export type { Detection, GroundTruth, MapOptions, MapResult, ClassAp } from './map';
export * as yolo from './yolo';
export type { YoloObject, YoloDetection, EncodeOptions, DecodeOptions } from './yolo';
export type { LossOptions as YoloLossOptions } from './yolo';
export * as localization from './localization';
export type { LocalizationLabel, LocalizationLossOptions } from './localization';
export * as landmarks from './landmarks';
export type { LandmarkLabel, LandmarkLossOptions } from './landmarks';
export { slidingWindows, toConvolutional } from './sliding';
export type { SlidingWindow, SlidingWindowOptions, ToConvolutionalOptions } from './sliding';
