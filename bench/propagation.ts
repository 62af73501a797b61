import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import { startServer, freePort, type RunningServer } from '../test/helpers/server.js';
import { cliJson } from '../test/helpers/cli.js';
import { uniqueMongoUri, redisUrl } from '../test/helpers/engines.js';
import { dropDatabase } from '../test/helpers/database.js';
import { CatalogRepository } from '../src/store/catalog-repository.js';
import { generateKey } from '../src/keys/generate-key.js';
import { kekFromBytes, keyringOf } from '../src/keys/seal.js';
import { addSeconds } from '../src/keys/policy.js';
import { announceCatalog } from '../src/propagation/catalog-channel.js';
import { createLogger } from '../src/logging/create-logger.js';
import type { KeyRecord } from '../src/keys/catalog.js';
import { summary, round } from './stats.js';
import { SseListener } from '../test/helpers/sse.js';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 60);
const INSTANCES = 3;
const SECRET = 'bench-secret-0123456789-abcdefghij';

/**
 * Propagation: from a catalog change (a new key promoted to active) to every one of three
 * instances serving the new JWKS and signing with the new key.
 */
export async function benchPropagation(): Promise<Record<string, unknown>> {
  const mongodbUri = uniqueMongoUri('benchprop');
  const kekBytes = randomBytes(32);
  const kek = keyringOf([kekFromBytes(kekBytes)]);
  const prefix = `rotor-bench-${Date.now()}`;
  const config = { keys: { algorithms: ['ES256'] }, queue: { prefix }, catalog: { pollInterval: '30s' } };
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const servers: RunningServer[] = [];
  const connection = await mongoose.createConnection(mongodbUri).asPromise();
  const redis = new Redis(redisUrl());
  const logger = createLogger({ level: 'error', production: true });
  let listeners: SseListener[] = [];
  try {
    for (let i = 0; i < INSTANCES; i++) servers.push(await startServer({ mongodbUri, kek: kekBytes.toString('base64'), config, issuer, ...(i === 0 ? { port } : {}) }));
    await cliJson(['clients', 'add', '--client-id', 'bench', '--client-secret', SECRET, '--scope', 'api:read api:write'], { MONGODB_URI: mongodbUri, KEK: kekBytes.toString('base64') });
    const repo = new CatalogRepository(connection);
    const auth = `Basic ${Buffer.from(`bench:${SECRET}`).toString('base64')}`;
    const samples: number[] = [];
    listeners = await Promise.all(servers.map((server) => SseListener.open(`${server.url}/jwks/events`)));
    for (let change = 0; change < CHANGES; change++) {
      const current = (await repo.load())!;
      const now = new Date();
      const fresh = await generateKey('ES256', { state: 'active', createdAt: now, activatesAt: now, retiresAt: addSeconds(now, 86400), removesAt: addSeconds(now, 90000) }, kek);
      const keys: KeyRecord[] = current.keys.map((key) => {
        if (key.state === 'active') return { ...key, state: 'retiring' as const, retiresAt: now, removesAt: addSeconds(now, 3600) };
        if (key.state === 'retiring') return { ...key, state: 'retired' as const, sealedPrivateJwk: null };
        return key;
      }).filter((key) => key.state !== 'retired');
      const started = Date.now();
      const written = await repo.compareAndSet(current.version, [...keys, fresh]);
      if (!written) throw new Error('lost the compare-and-set: is something else writing the catalog?');
      await announceCatalog(redis, prefix, written.version, [], logger);
      // The swap is atomic: the event goes out the moment the new JWKS and signer are in place.
      const seen = await Promise.all(listeners.map(async (listener) => (await listener.waitFor((data) => data.version === written.version)).at));
      samples.push(Math.max(...seen) - started);
      await Promise.all(servers.map(async (server) => {
        const jwks = await (await fetch(`${server.url}/jwks`)).text();
        const res = await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
        const { access_token: token } = (await res.json()) as { access_token: string };
        if (!jwks.includes(fresh.kid) || decodeProtectedHeader(token).kid !== fresh.kid) throw new Error(`${server.url} announced version ${written.version} but does not serve or sign with ${fresh.kid}`);
      }));
    }
    const stats = summary(samples);
    return {
      benchmark: 'propagation', instances: INSTANCES, changes: CHANGES, cpus: cpus().length,
      p50_ms: round(stats.p50), p99_ms: round(stats.p99), max_ms: round(stats.max),
    };
  } finally {
    for (const listener of listeners) listener.close();
    redis.disconnect();
    await connection.close();
    await Promise.all(servers.map((server) => server.stop()));
    await dropDatabase(mongodbUri);
  }
}
