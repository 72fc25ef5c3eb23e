// The notes' classic 3x3 edge filters as conv2d filters [3,3,1,1]. Orientation follows the notes
// (rows top to bottom): a vertical filter responds to left/right contrast, positive where the
// left is brighter (light-to-dark), negative for dark-to-light; horizontal ones to top/bottom contrast.
import { Tensor } from '../tensor';

const filter = (rows: number[][]): Tensor => new Tensor(Float32Array.from(rows.flat()), [3, 3, 1, 1]);

/** The notes' edge filters, each a Tensor [3,3,1,1] for ops.conv2d / vision.convolve2d. */
export const filters = {
  /** [[1,0,-1],[1,0,-1],[1,0,-1]] */
  vertical: filter([
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
  ]),
  /** [[1,1,1],[0,0,0],[-1,-1,-1]] */
  horizontal: filter([
    [1, 1, 1],
    [0, 0, 0],
    [-1, -1, -1],
  ]),
  /** [[1,0,-1],[2,0,-2],[1,0,-1]]: more weight on the central row. */
  sobelVertical: filter([
    [1, 0, -1],
    [2, 0, -2],
    [1, 0, -1],
  ]),
  /** [[1,2,1],[0,0,0],[-1,-2,-1]] */
  sobelHorizontal: filter([
    [1, 2, 1],
    [0, 0, 0],
    [-1, -2, -1],
  ]),
  /** [[3,0,-3],[10,0,-10],[3,0,-3]] */
  scharrVertical: filter([
    [3, 0, -3],
    [10, 0, -10],
    [3, 0, -3],
  ]),
  /** [[3,10,3],[0,0,0],[-3,-10,-3]] */
  scharrHorizontal: filter([
    [3, 10, 3],
    [0, 0, 0],
    [-3, -10, -3],
  ]),
};
