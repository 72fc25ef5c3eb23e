// Places a program's values in one arena, after XNNPACK's memory planner: each buffer (a value and
// everything viewing or overwriting it) lives from the step that first writes it to the last step that
// reads it; buffers go largest first at the lowest offset that no buffer alive at the same time uses.
import { Program, floatsOf, inputsOf } from './steps';
import { rootOf } from './fuse';

/** Offsets in floats (16-byte aligned) per value, the arena's size, and the most floats alive at once. */
export interface Layout {
  offset: number[];
  floats: number;
  peakLive: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

export function layout(p: Program): Layout {
  const n = p.values.length,
    last = p.steps.length;
  const root = p.values.map((_, v) => rootOf(p, v));
  const first = new Array<number>(n).fill(Infinity),
    end = new Array<number>(n).fill(-Infinity),
    size = new Array<number>(n).fill(0);
  const touch = (v: number, i: number) => {
    const r = root[v];
    first[r] = Math.min(first[r], i);
    end[r] = Math.max(end[r], i);
    size[r] = Math.max(size[r], floatsOf(p.values[v]));
  };
  for (const v of p.inputs) touch(v, -1);
  p.steps.forEach((s, i) => {
    touch(s.y, i);
    for (const v of inputsOf(s)) touch(v, i);
  });
  for (const v of p.outputs) touch(v, last);
  const buffers = [...new Set(root)].filter((r) => first[r] !== Infinity).sort((a, b) => size[b] - size[a] || a - b);
  const placed: { r: number; at: number }[] = [];
  const at = new Array<number>(n).fill(0);
  let floats = 0;
  for (const r of buffers) {
    const need = align4(size[r]);
    const busy = placed.filter((q) => first[q.r] <= end[r] && first[r] <= end[q.r]).sort((a, b) => a.at - b.at);
    let offset = 0;
    for (const q of busy) {
      if (q.at - offset >= need) break;
      offset = Math.max(offset, q.at + align4(size[q.r]));
    }
    at[r] = offset;
    placed.push({ r, at: offset });
    floats = Math.max(floats, offset + need);
  }
  let peakLive = 0;
  for (let i = -1; i <= last; i++)
    peakLive = Math.max(
      peakLive,
      buffers.reduce((t, r) => t + (first[r] <= i && i <= end[r] ? size[r] : 0), 0),
    );
  return { offset: p.values.map((_, v) => at[root[v]]), floats, peakLive };
}
