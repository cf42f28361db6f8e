import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding views/ and public/, whether running from src/ (tests) or dist/src/ (built). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'views')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('views/ folder not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}
