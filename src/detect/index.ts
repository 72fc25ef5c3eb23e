// detect: IoU, NMS, anchors (k-means), YOLO encode/decode/loss, localization, landmarks, mAP.
/**
 * Detection as in the course notes: IoU, non-max suppression, anchor boxes, YOLO targets and loss, localization,
 * landmarks, sliding windows, mAP.
 *
 * @example
 * ```ts
 * import { detect } from 'convkit';
 * const boxes = [
 *   { x: 0.5, y: 0.5, w: 0.4, h: 0.4 },
 *   { x: 0.52, y: 0.5, w: 0.4, h: 0.4 },
 *   { x: 0.1, y: 0.1, w: 0.1, h: 0.1 },
 * ];
 * detect.iou(boxes[0], boxes[1]);                                          // 0.905
 * const kept = detect.nms(boxes, [0.9, 0.8, 0.7], { iouThreshold: 0.5 });  // [0, 2]
 * ```
 * @module
 */
export { iou, shapeIou, toCenter, toCorners } from './box';
export type { Box, CenterBox, CornerBox, Size } from './box';
export { nms, nmsPerClass } from './nms';
export type { NmsOptions, NmsPerClassOptions, Scores } from './nms';
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
export * as datasets from './datasets';
export type { ShapesOptions, ShapesDataset, ShapeObject } from './datasets';
export {
  tinyFaceDetector,
  faceLandmarks68,
  detectFaces,
  TinyFaceDetector,
  FaceLandmarks68,
  FACE_ANCHORS,
} from './pretrained';
export type { Face, FaceDetectOptions, DetectFacesOptions, LandmarkNetOptions, PretrainedSource } from './pretrained';
