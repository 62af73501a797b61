// Jest global set-up (plain ESM: jest loads it outside its transform). Makes sure the engines
// listen, reusing what runs and starting FerretDB and Redis otherwise, that a FerretDB binary
// exists, and that the server was built: e2e tests run `dist/` in real processes.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEngines, ferretDbBinary } from '../../scripts/engines.mjs';

export default async function globalSetup() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  if (!existsSync(resolve(root, 'dist/src/main.js'))) throw new Error('dist/ is missing: run `npm test` (it builds first)');
  const { mongodbUri, redisUrl } = await ensureEngines({ root, log: () => undefined });
  process.env.MONGODB_URI = mongodbUri;
  process.env.REDIS_URL = redisUrl;
  // The outage tests stop and restart a FerretDB of their own, even when the shared engine
  // was already running (and so not started, nor built, here).
  process.env.FERRETDB_BIN ??= await ferretDbBinary({ root, log: (line) => process.stderr.write(`engines: ${line}\n`) });
}
