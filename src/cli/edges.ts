// `convkit edges`: the notes' vertical and horizontal edge detectors on a photograph, written as one
// picture: the photo, the vertical map, the horizontal map and the magnitude side by side, labelled.
import { Tensor } from '../tensor';
import { ValueError } from '../errors';
import { edges, type EdgesOptions } from '../vision/image';
import { montage } from '../vision/draw';
import { readImage, writeImage } from '../io/image';
import { shrinkToWidth, absQuantile, signedToGray, magnitudeToGray } from './picture';
import { type Command, UsageError, numberOption, onePositional } from './command';

/** Options of {@link edgePanel}. */
export interface EdgePanelOptions {
  filter?: EdgesOptions['filter'];
  /** Width of each of the four tiles in pixels (default 400); the photo is shrunk to it first. */
  tileWidth?: number;
}

/** What {@link edgePanel} computed, beside the picture. */
export interface EdgePanel {
  panel: Tensor;
  /** The edge maps of the shrunk photo, before display scaling. */
  maps: { vertical: Tensor; horizontal: Tensor; magnitude: Tensor };
  /** The response treated as full scale (the 99.5th percentile of |response|), per map. */
  fullScale: { vertical: number; horizontal: number; magnitude: number };
  tile: { width: number; height: number };
}

/**
 * The photo and its vertical, horizontal and magnitude edge maps in one row. Signed maps are drawn with
 * 0 as mid-gray (light where the left / top side is brighter, as the notes' filters respond), the
 * magnitude white on black; each is scaled to its 99.5th percentile so a few hot pixels do not wash it out.
 */
export function edgePanel(img: Tensor, opts: EdgePanelOptions = {}): EdgePanel {
  const filter = opts.filter ?? 'sobel';
  const photo = shrinkToWidth(img, opts.tileWidth ?? 400);
  const maps = edges(photo, { filter, padding: 'reflect' });
  const fullScale = {
    vertical: absQuantile(maps.vertical.data, 0.995),
    horizontal: absQuantile(maps.horizontal.data, 0.995),
    magnitude: absQuantile(maps.magnitude.data, 0.995),
  };
  const tiles = [
    photo.shape[2] === 4 ? dropAlpha(photo) : photo,
    signedToGray(maps.vertical, fullScale.vertical),
    signedToGray(maps.horizontal, fullScale.horizontal),
    magnitudeToGray(maps.magnitude, fullScale.magnitude),
  ];
  const labels = [
    `photo (${img.shape[1]}x${img.shape[0]})`,
    `vertical edges (${filter})`,
    `horizontal edges (${filter})`,
    'magnitude',
  ];
  const panel = montage(tiles, { cols: 4, pad: 8, labels, labelScale: 2 });
  return { panel, maps, fullScale, tile: { width: photo.shape[1], height: photo.shape[0] } };
}

function dropAlpha(t: Tensor): Tensor {
  const n = t.size / 4,
    out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) out.set(t.data.subarray(i * 4, i * 4 + 3), i * 3);
  return new Tensor(out, [t.shape[0], t.shape[1], 3]);
}

const FILTERS = ['sobel', 'scharr', 'simple'] as const;

/** The `edges` command. */
export const edgesCommand: Command = {
  name: 'edges',
  summary: 'edge detection on an image: vertical, horizontal and magnitude maps side by side',
  usage: '<image> -o <out.png> [options]',
  options: {
    out: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write the picture (.png or .jpg)' },
    filter: {
      type: 'string',
      arg: 'NAME',
      default: 'sobel',
      help: "sobel | scharr | simple (the notes' [1,0,-1] filters)",
    },
    width: { type: 'string', arg: 'PX', default: '400', help: 'width of each tile' },
  },
  examples: ['convkit edges photo.jpg -o edges.png', 'convkit edges photo.jpg -o edges.png --filter scharr --json'],
  async run(args, log) {
    const file = onePositional(args, 'input image');
    const out = args.values.out as string | undefined;
    if (!out) throw new UsageError('missing -o <out.png>');
    const filter = args.values.filter as string;
    if (!(FILTERS as readonly string[]).includes(filter))
      throw new UsageError(`--filter must be one of ${FILTERS.join(', ')}, got '${filter}'`);
    const width = numberOption(args, 'width', { min: 16 })!;
    if (width > 4096) throw new ValueError(`edges: --width ${width} is larger than 4096`);
    const img = await readImage(file);
    const r = edgePanel(img, { filter: filter as EdgePanelOptions['filter'], tileWidth: width });
    await writeImage(out, r.panel);
    log(`${file}: ${img.shape[1]}x${img.shape[0]}, ${filter} edges on a ${r.tile.width}x${r.tile.height} copy`);
    log(
      `full scale (99.5th percentile): vertical ${r.fullScale.vertical.toFixed(1)}, horizontal ${r.fullScale.horizontal.toFixed(1)}, magnitude ${r.fullScale.magnitude.toFixed(1)}`,
    );
    log(`wrote ${out} (${r.panel.shape[1]}x${r.panel.shape[0]})`);
    return {
      file,
      width: img.shape[1],
      height: img.shape[0],
      filter,
      out,
      outWidth: r.panel.shape[1],
      outHeight: r.panel.shape[0],
      tile: r.tile,
      fullScale: r.fullScale,
    };
  },
};
