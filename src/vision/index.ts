// vision: public namespace, a list of re-exports.
/**
 * Edge filters, the textbook convolution, resizing and cropping, drawing and plots, augmentation.
 *
 * @example
 * ```ts
 * import { tensor, vision } from 'convkit';
 * const img = tensor([...Array(36)].map((_, i) => (i % 6 < 3 ? 10 : 0)), [1, 6, 6, 1]);
 * const maps = vision.edges(img, { filter: 'sobel' });             // vertical, horizontal, magnitude
 * const flipped = vision.convolve2d(img, vision.filters.vertical);  // kernel rotated by 180 degrees first
 * ```
 * @module
 */
export { filters } from './filters';
export { convolve2d, rotate180 } from './convolve';
export { resize, crop, normalize, toGrayscale, edges } from './image';
export type { ResizeOptions, Rect, NormalizeOptions, EdgesOptions, Edges } from './image';
export { Raster, PALETTE, drawText, drawBoxes, drawPoints, montage, channelTiles, filterTiles } from './draw';
export type {
  Color,
  DrawTextOptions,
  DrawBoxesOptions,
  DrawPointsOptions,
  MontageOptions,
  DetectionLike,
  PointLike,
  BoxLike,
  TextAnchor,
} from './draw';
export { plotHistory, plotConfusionMatrix, barChart } from './plot';
export type { HistoryLike, PlotHistoryOptions, ConfusionMatrixOptions, BarChartOptions, ChartFormat } from './plot';
export * as augment from './augment';
export { topPatches, receptiveField, fieldSpan } from './patches';
export type { TopPatchesOptions, UnitPatches, Patch, ReceptiveField, FieldAxis, ImageBatches } from './patches';
export { patchGrid, patchFigure, activations, featureMaps, saliency, gradCam, overlay } from './explain';
export type { ImageLookup, PatchGridOptions, Explanation } from './explain';
