import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** One file the console serves: its bytes, type and ETag, read once at start. */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' };

/** `public/console` of the project: beside `src/` in a checkout, beside `dist/` in a build. */
function assetDir(): string {
  let dir = import.meta.dirname;
  for (let up = 0; up < 5; up++) {
    const candidate = join(dir, 'public', 'console');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('public/console is missing: the console has no files to serve');
}

/**
 * The console's scripts and styles, loaded into memory at start: only these names are ever
 * served (no path from a request reaches the file system).
 */
export function loadAssets(): Map<string, Asset> {
  const dir = assetDir();
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
