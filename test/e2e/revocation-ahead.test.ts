import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../helpers/server.js';
import { deploymentPrefix, newKek, uniqueMongoUri } from '../helpers/engines.js';
import { dropDatabase } from '../helpers/database.js';
import { SseListener } from '../helpers/sse.js';
import { catalogChannel } from '../../src/propagation/catalog-channel.js';

const jwksKids = async (url: string): Promise<string[]> => ((await (await fetch(`${url}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

describe('an announcement that names revoked kids', () => {
  const mongodbUri = uniqueMongoUri('revokeahead');
  let server: RunningServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startServer({ mongodbUri, kek: newKek(), config: { keys: { algorithms: ['ES256'] }, catalog: { pollInterval: '30s' } } });
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  }, 30_000);

  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  it('drops them from /jwks and /jwks/events before the version is read, and serves them again when the catalog does not revoke them', async () => {
    const listener = await SseListener.open(`${server.url}/jwks/events`);
    try {
      const initial = await listener.waitFor(() => true);
      const [kid] = initial.data.kids;
      expect(kid).toBeDefined();
      // A version the database does not hold: only the announcement says the key is revoked.
      await redis.publish(catalogChannel(deploymentPrefix(mongodbUri)), JSON.stringify({ version: initial.data.version + 1, revoked: [kid] }));

      const dropped = await listener.waitFor((data) => data.revoked.includes(kid!), 2000);
      expect(dropped.data.kids).not.toContain(kid);
      const restored = await listener.waitFor((data) => data !== initial.data && data.kids.includes(kid!), 2000);
      expect(restored.data.version).toBe(initial.data.version);
      expect(await jwksKids(server.url)).toContain(kid);
    } finally {
      listener.close();
    }
  });
});
