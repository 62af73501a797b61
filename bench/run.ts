import { resolve } from 'node:path';
import { ROOT } from '../test/helpers/server.js';
import { benchHeapProfile } from './heap-profile.js';
import { benchPropagation } from './propagation.js';
import { benchRefreshAtScale } from './refresh-at-scale.js';
import { benchRefreshCommands } from './refresh-commands.js';
import { benchRefreshCpu } from './refresh-cpu.js';
import { benchTimeToRevoke } from './time-to-revoke.js';
import { benchThroughput } from './throughput.js';
import { benchVerifier } from './verifier.js';

/**
 * `npm run bench [name...]`: starts the engines where needed, runs each benchmark in turn
 * (each starts its own servers on loopback, bounded in count and time) and prints one JSON
 * line per result.
 */
const BENCHES: Record<string, () => Promise<Record<string, unknown> | Record<string, unknown>[]>> = {
  verifier: benchVerifier,
  throughput: () => benchThroughput(),
  'throughput-es256': () => benchThroughput(['ES256']),
  'refresh-at-scale': () => benchRefreshAtScale('ES256'),
  'refresh-commands': benchRefreshCommands,
  'refresh-cpu': () => benchRefreshCpu(),
  propagation: benchPropagation,
  'time-to-revoke-es256': () => benchTimeToRevoke('ES256', false),
  'time-to-revoke-rs256': () => benchTimeToRevoke('RS256', false),
  'time-to-revoke-rs256-spaced': () => benchTimeToRevoke('RS256', false, 1500),
  'time-to-revoke-rs256-pending': () => benchTimeToRevoke('RS256', true),
  heap: () => benchHeapProfile(),
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !BENCHES[name]);
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  const { ensureEngines } = (await import(resolve(ROOT, 'scripts/engines.mjs'))) as { ensureEngines(options: { root: string; log?: () => void }): Promise<{ mongodbUri: string; redisUrl: string }> };
  const engines = await ensureEngines({ root: ROOT, log: () => undefined });
  process.env.MONGODB_URI ??= engines.mongodbUri;
  process.env.REDIS_URL ??= engines.redisUrl;
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    const results = await BENCHES[name]!();
    for (const result of Array.isArray(results) ? results : [results]) console.log(JSON.stringify({ ...result, date: new Date().toISOString() }));
  }
}

main().then(() => process.exit(0), (err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
