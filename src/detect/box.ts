// Box maths shared by the whole detect namespace. Boxes are { x, y, w, h } with (x, y) the centre
// (the notes' b_x, b_y, b_w, b_h), normalised to the image unless a caller says otherwise;
// corner boxes { x1, y1, x2, y2 } are accepted wherever a box is read.
import { ValueError } from '../errors';

/** A box by its centre and size, as in the notes: (x, y) is the midpoint. */
export interface CenterBox {
  x: number;
  y: number;
  w: number;
  h: number;
}
/** A box by its top-left (x1, y1) and bottom-right (x2, y2) corners. */
export interface CornerBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
/** Either form of box. */
export type Box = CenterBox | CornerBox;
/** A width and height only (anchors, k-means input). */
export interface Size {
  w: number;
  h: number;
}

/** True for a corner box { x1, y1, x2, y2 }. */
export const isCornerBox = (b: Box): b is CornerBox => (b as CornerBox).x1 !== undefined;

/**
 * Reads a box as corners [x1, y1, x2, y2]. Negative sizes and non-finite coordinates throw a ValueError
 * naming `where`; zero-area boxes are allowed (their IoU with anything is 0).
 */
export function corners(b: Box, where: string): [number, number, number, number] {
  if (b === null || typeof b !== 'object')
    throw new ValueError(`${where}: expected a box { x, y, w, h } or { x1, y1, x2, y2 }, got ${b}`);
  let c: [number, number, number, number];
  if (isCornerBox(b)) {
    c = [b.x1, b.y1, b.x2, b.y2];
    check(c, where, b);
    if (c[2] < c[0] || c[3] < c[1])
      throw new ValueError(`${where}: corner box has x2 < x1 or y2 < y1: ${JSON.stringify(b)}`);
  } else {
    check([b.x, b.y, b.w, b.h], where, b);
    if (b.w < 0 || b.h < 0) throw new ValueError(`${where}: box has a negative width or height: ${JSON.stringify(b)}`);
    c = [b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2];
  }
  return c;
}

function check(v: number[], where: string, b: Box): void {
  for (const e of v) {
    if (typeof e !== 'number' || !Number.isFinite(e))
      throw new ValueError(`${where}: box coordinates must be finite numbers, got ${JSON.stringify(b)}`);
  }
}

/** Converts any box to centre form { x, y, w, h }. */
export function toCenter(b: Box): CenterBox {
  const [x1, y1, x2, y2] = corners(b, 'detect.toCenter');
  return { x: (x1 + x2) / 2, y: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1 };
}

/** Converts any box to corner form { x1, y1, x2, y2 }. */
export function toCorners(b: Box): CornerBox {
  const [x1, y1, x2, y2] = corners(b, 'detect.toCorners');
  return { x1, y1, x2, y2 };
}

/** IoU of two corner boxes given as numbers; 0 when the union is empty (both boxes zero-area). */
export function iouCorners(
  ax1: number,
  ay1: number,
  ax2: number,
  ay2: number,
  bx1: number,
  by1: number,
  bx2: number,
  by2: number,
): number {
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Intersection over union of two boxes (centre or corner form, mixed allowed): area of the
 * intersection / area of the union, in [0, 1]. Zero-area boxes give 0; a negative width or
 * height (or x2 < x1) throws a ValueError. The notes call a detection correct when IoU ≥ 0.5.
 */
export function iou(a: Box, b: Box): number {
  const [ax1, ay1, ax2, ay2] = corners(a, 'detect.iou');
  const [bx1, by1, bx2, by2] = corners(b, 'detect.iou');
  return iouCorners(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2);
}

/** IoU of two sizes aligned at a common centre (shape only): used for anchors and k-means. */
export function shapeIou(a: Size, b: Size): number {
  const inter = Math.min(a.w, b.w) * Math.min(a.h, b.h);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}
