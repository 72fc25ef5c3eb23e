// style: neural style transfer (the notes' Gram matrix, content and style costs, the transfer loop). Re-exports only.
export { gramMatrix } from './gram';
export { contentCost, styleCost, gramCost, totalCost, totalVariation, layerWeights } from './costs';
export type { StyleTerm, StyleLayer } from './costs';
export { transfer, featureExtractor, defaultLayers, DEFAULT_LAYERS } from './transfer';
export type { TransferOptions, TransferStep, LayerChoice } from './transfer';
