// The examples' figures in a file as well as on the console, so a README figure points at a log its
// command wrote rather than at a copied number.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A log function that prints each line and appends it to `file` (emptied first). */
export function fileLog(file: string): (s: string) => void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
  return (s: string) => {
    console.log(s);
    appendFileSync(file, s + '\n');
  };
}
