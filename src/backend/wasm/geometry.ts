// The conv geometry block, the one interface between the TypeScript wrappers and assembly/convgeom.ts: one
// pointer to i32s instead of 24 arguments. Its layout is the order of GEOMETRY_FIELDS here and of the G
// enum there; module.ts refuses a build whose geometryFields() differs from GEOMETRY_BLOCK_FIELDS. The pooling
// block below is likewise checked against poolGeometryFields().
import type { ConvGeometry, PoolGeometry } from '../kernels';

export const GEOMETRY_FIELDS = [
  'batch',
  'inD',
  'inH',
  'inW',
  'inC',
  'outD',
  'outH',
  'outW',
  'outC',
  'fD',
  'fH',
  'fW',
  'strideD',
  'strideH',
  'strideW',
  'dilationD',
  'dilationH',
  'dilationW',
  'padFront',
  'padTop',
  'padLeft',
] as const;

/**
 * i32s in a geometry block: the sizes, the depthwise multiplier, the algorithm switches and the output
 * channel stride (convgeom.ts's G).
 */
export const GEOMETRY_BLOCK_FIELDS = GEOMETRY_FIELDS.length + 3;

/**
 * A geometry block as assembly/convgeom.ts reads it, followed by as much room again: the kernels write a
 * derived geometry after it. module.ts checks at load that the build's block has GEOMETRY_BLOCK_FIELDS fields.
 */
/**
 * ldC: floats between output pixels and filter rows when g.outC is a block of a wider layer's channels
 * (a forward conv split by output channels, convgeom.ts's ldC); 0 = g.outC.
 */
export function geometryBlock(g: ConvGeometry, multiplier = 1, algo = 0, ldC = 0): Int32Array {
  const n = GEOMETRY_FIELDS.length,
    v = new Int32Array(2 * GEOMETRY_BLOCK_FIELDS);
  GEOMETRY_FIELDS.forEach((f, i) => {
    v[i] = g[f];
  });
  v[n] = multiplier;
  v[n + 1] = algo;
  v[n + 2] = ldC;
  return v;
}

/** The pooling geometry block's fields, in the order of assembly/pool.ts's constants (BATCH .. PAD_L). */
export const POOL_GEOMETRY_FIELDS = [
  'batch',
  'channels',
  'inD',
  'inH',
  'inW',
  'outD',
  'outH',
  'outW',
  'poolD',
  'poolH',
  'poolW',
  'strideD',
  'strideH',
  'strideW',
  'padFront',
  'padTop',
  'padLeft',
] as const satisfies readonly (keyof PoolGeometry)[];

/** A pooling geometry block as assembly/pool.ts reads it; module.ts checks its length against the build's at load. */
export function poolGeometryBlock(g: PoolGeometry): Int32Array {
  return Int32Array.from(POOL_GEOMETRY_FIELDS, (f) => g[f]);
}
