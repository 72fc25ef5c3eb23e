// vision: public namespace, a list of re-exports.
export { filters } from './filters';
export { convolve2d, rotate180 } from './convolve';
export { resize, crop, normalize, toGrayscale, edges } from './image';
export type { ResizeOptions, Rect, NormalizeOptions, EdgesOptions, Edges } from './image';
export { Raster, PALETTE, drawText, drawBoxes, drawPoints, montage, channelTiles, filterTiles } from './draw';
export type { Color, DrawTextOptions, DrawBoxesOptions, DrawPointsOptions, MontageOptions, DetectionLike, PointLike, BoxLike, TextAnchor } from './draw';
export { plotHistory, plotConfusionMatrix, barChart } from './plot';
export type { HistoryLike, PlotHistoryOptions, ConfusionMatrixOptions, BarChartOptions, ChartFormat } from './plot';
export * as augment from './augment';
export { topPatches, receptiveField, fieldSpan } from './patches';
export type { TopPatchesOptions, UnitPatches, Patch, ReceptiveField, FieldAxis, ImageBatches } from './patches';
export { patchGrid, patchFigure, activations, featureMaps, saliency, gradCam, overlay } from './explain';
export type { ImageLookup, PatchGridOptions, Explanation } from './explain';
