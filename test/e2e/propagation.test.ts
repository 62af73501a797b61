import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import { startServer, freePort, writeConfig, type RunningServer } from '../helpers/server.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { tokenRequest } from '../helpers/browser.js';
import { dropDatabase } from '../helpers/database.js';
import { SseListener } from '../helpers/sse.js';
import { startPrivateRedis, type PrivateEngine } from '../helpers/private-engines.js';
import { CatalogRepository } from '../../src/store/catalog-repository.js';
import { plan } from '../../src/keys/plan.js';
import { FAST_POLICY } from '../helpers/fast-policy.js';

const SECRET = 'svc-secret-0123456789-abcdefghijkl';
const jwksKids = async (url: string): Promise<string[]> => ((await (await fetch(`${url}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

describe('a planned rotation on demand reaches every instance', () => {
  const mongodbUri = uniqueMongoUri('rotate');
  const kek = newKek();
  const config = { keys: { algorithms: ['ES256', 'EdDSA'] }, catalog: { pollInterval: '30s' }, admin: { rotationMinInterval: 0 } };
  const env = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(config) };
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    servers = [await startServer({ mongodbUri, kek, config, port, issuer }), await startServer({ mongodbUri, kek, config, issuer })];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await dropDatabase(mongodbUri);
  });

  it('rotor keys rotate publishes a pending key on every instance within a second, announced on /jwks/events', async () => {
    const listeners = await Promise.all(servers.map((server) => SseListener.open(`${server.url}/jwks/events`)));
    try {
      const initial = await listeners[0]!.waitFor(() => true);
      const started = Date.now();
      const { version, key } = await cliJson<{ version: number; key: { kid: string; alg: string; state: string; activatesAt: string } }>(['keys', 'rotate', '--alg', 'EdDSA', '--reason', 'quarterly'], env);
      expect(key.state).toBe('pending');
      expect(key.alg).toBe('EdDSA');
      expect(new Date(key.activatesAt).getTime() - Date.now()).toBeGreaterThan(86400_000);
      expect(version).toBe(initial.data.version + 1);
      for (const listener of listeners) {
        const event = await listener.waitFor((data) => data.version === version, 1000);
        expect(event.data.kids).toContain(key.kid);
        expect(event.data.revoked).toEqual([]);
        expect(event.at - started).toBeLessThan(5000);
      }
      for (const server of servers) expect(await jwksKids(server.url)).toContain(key.kid);
      const list = await cliJson<{ keys: Array<{ kid: string; reason?: string }> }>(['keys', 'list'], env);
      expect(list.keys.find((k) => k.kid === key.kid)?.reason).toBe('quarterly');
    } finally {
      for (const listener of listeners) listener.close();
    }
  });

  it('rotating again while a key is pending reuses it instead of piling up keys', async () => {
    const first = await cliJson<{ key: { kid: string } }>(['keys', 'rotate', '--alg', 'ES256'], env);
    const second = await cliJson<{ key: { kid: string } }>(['keys', 'rotate', '--alg', 'ES256'], env);
    expect(second.key.kid).toBe(first.key.kid);
  });

  it('rotating an algorithm that is not configured is a clear error', async () => {
    const result = await runCli(['keys', 'rotate', '--alg', 'PS256'], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('rotor: algorithm PS256 is not configured (keys.algorithms: ES256, EdDSA)');
  });
});

describe('when Redis is down for longer than a tick', () => {
  const mongodbUri = uniqueMongoUri('redisdown');
  const kek = newKek();
  const policy = FAST_POLICY;
  let redis: PrivateEngine;
  let server: RunningServer;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    server = await startServer({ mongodbUri, kek, config: policy, env: { REDIS_URL: redis.url } });
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read api:write'], { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(policy) });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await dropDatabase(mongodbUri);
  });

  it('tokens are still issued, and rotation catches up from the clock when Redis returns', async () => {
    const connection = await mongoose.createConnection(mongodbUri).asPromise();
    const repo = new CatalogRepository(connection);
    try {
      await redis.stop();
      const stoppedAt = await repo.version();
      for (let i = 0; i < 8; i++) {
        const { status } = await tokenRequest(server.url, { grant_type: 'client_credentials' }, ['svc', SECRET]);
        expect(status).toBe(200);
        await sleep(1000);
      }
      expect(await repo.version()).toBe(stoppedAt);
      const overdue = plan((await repo.load())!, { ...policy.keys, algorithms: ['ES256'], rotationInterval: 6, prePublish: 4, overlap: 5 }, new Date());
      expect(overdue.length).toBeGreaterThan(0);

      await redis.start();
      let caughtUp = false;
      for (let i = 0; i < 40 && !caughtUp; i++) {
        await sleep(250);
        const version = (await repo.version())!;
        caughtUp = version > stoppedAt!;
      }
      expect(caughtUp).toBe(true);
    } finally {
      await connection.close();
    }
  }, 60_000);
});
