// A 5x7 bitmap font (ASCII 32-126 plus a few symbols used in labels: → ← × ° ± µ ·), drawn for
// convkit. Each glyph is a 5-pixel-wide cell of 9 rows: rows 0-6 hold capitals and digits, rows 7-8
// hold descenders (g j p q y). A row is two hex digits, bit 4 is the leftmost pixel.

/** Width of a glyph's drawn cell in font pixels. */
export const GLYPH_WIDTH = 5;
/** Rows a glyph may use (cap height 7 plus 2 descender rows). */
export const GLYPH_HEIGHT = 9;
/** Horizontal advance per character in font pixels (glyph plus one column of spacing). */
export const ADVANCE = 6;
/** Vertical advance per line in font pixels. */
export const LINE_HEIGHT = 10;

const DATA: Record<string, string> = {
  ' ': '00000000000000',
  '!': '04040404040004',
  '"': '0a0a0a00000000',
  '#': '0a0a1f0a1f0a0a',
  $: '040f140e051e04',
  '%': '18190204081303',
  '&': '0c12140815120d',
  "'": '04040800000000',
  '(': '02040808080402',
  ')': '08040202020408',
  '*': '0004150e150400',
  '+': '0004041f040400',
  ',': '00000000000c0408',
  '-': '0000001f000000',
  '.': '00000000000c0c',
  '/': '00010204081000',
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  ':': '000c0c000c0c00',
  ';': '000c0c000c0408',
  '<': '02040810080402',
  '=': '00001f001f0000',
  '>': '08040201020408',
  '?': '0e110102040004',
  '@': '0e11010d15150e',
  A: '0e1111111f1111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '1111110a040404',
  Z: '1f01020408101f',
  '[': '0e08080808080e',
  '\\': '00100804020100',
  ']': '0e02020202020e',
  '^': '040a1100000000',
  _: '000000000000001f',
  '`': '08040200000000',
  a: '00000e010f110f',
  b: '1010161911111e',
  c: '00000e1010110e',
  d: '01010d1311110f',
  e: '00000e111f100e',
  f: '0609081c080808',
  g: '00000f11110f01110e',
  h: '10101619111111',
  i: '04000c0404040e',
  j: '02000602020202120c',
  k: '10101214181412',
  l: '0c04040404040e',
  m: '00001a15151111',
  n: '00001619111111',
  o: '00000e1111110e',
  p: '00001e11111e101010',
  q: '00000f11110f010101',
  r: '00001619101010',
  s: '00000f100e011e',
  t: '08081c08080906',
  u: '0000111111130d',
  v: '00001111110a04',
  w: '0000111115150a',
  x: '0000110a040a11',
  y: '00001111110f01110e',
  z: '00001f0204081f',
  '{': '02040408040402',
  '|': '04040404040404',
  '}': '08040402040408',
  '~': '00000815020000',
  '\u2192': '0004021f020400',
  '\u2190': '0004081f080400',
  '\u00d7': '00110a040a1100',
  '\u00b0': '0c12120c000000',
  '\u00b1': '04041f0404001f',
  '\u00b5': '0000111111131d1010',
  '\u00b7': '0000000c0c0000',
};
const UNKNOWN = '1f11111111111f';

const cache = new Map<string, Uint8Array>();

/** The 9 row bitmasks of a character's glyph (an outlined box for characters the font lacks). */
export function glyphRows(ch: string): Uint8Array {
  let rows = cache.get(ch);
  if (!rows) {
    const hex = DATA[ch] ?? UNKNOWN;
    rows = new Uint8Array(GLYPH_HEIGHT);
    for (let r = 0; r * 2 < hex.length && r < GLYPH_HEIGHT; r++) rows[r] = parseInt(hex.slice(2 * r, 2 * r + 2), 16);
    cache.set(ch, rows);
  }
  return rows;
}

/** Size in image pixels of `text` drawn at integer `scale` (lines split on '\n'). */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const lines = text.split('\n');
  const cols = Math.max(0, ...lines.map((l) => [...l].length));
  return { width: cols > 0 ? (cols * ADVANCE - 1) * scale : 0, height: (lines.length * LINE_HEIGHT - 1) * scale };
}
