// `npm start`: build when the sources are newer than the build, make sure the engines listen
// (the embedded default), then run one server instance in this process.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEngines } from './engines.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = join(root, 'dist/src/main.js');
if (!existsSync(built) || newest(join(root, 'src')) > statSync(built).mtimeMs) {
  process.stderr.write('rotor: building (tsc)...\n');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

try {
  const { mongodbUri, redisUrl } = await ensureEngines({ root });
  process.env.MONGODB_URI ??= mongodbUri;
  process.env.REDIS_URL ??= redisUrl;
} catch (err) {
  process.stderr.write(`rotor: ${err.message}\n`);
  process.exit(1);
}
await import(built);
