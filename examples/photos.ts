// Real photographs for the examples: the group photos that @vladmandic/face-api (a dev dependency)
// ships in its demo/ folder, found through the package resolver (no machine paths).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Path of face-api's demo/sample<i>.jpg (i = 1..6, about 1920x1300 each). */
export function samplePhoto(i = 1): string {
  const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return join(dirname(pkg), 'demo', `sample${i}.jpg`);
}
