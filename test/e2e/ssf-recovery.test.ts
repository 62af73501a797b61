import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startServer, writeConfig, type RunningServer } from '../helpers/server.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { startPrivateRedis, type PrivateEngine } from '../helpers/private-engines.js';
import { dropDatabase } from '../helpers/database.js';
import { cliJson } from '../helpers/cli.js';
import { tokenRequest } from '../helpers/browser.js';
import { startReceiver, ssfCall, ssfToken, type TestReceiver } from '../helpers/ssf-receiver.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CONFIG = { ssf: { allowedReceiverHosts: ['127.0.0.1'], maxAttempts: 16, retryBase: '0.1s', sweepInterval: '1s' } };

describe('SSF delivery loses nothing: a receiver away, Redis restarted empty', () => {
  let redis: PrivateEngine;
  let server: RunningServer;
  let issuer: string;
  let mongodbUri: string;
  let cliEnv: Record<string, string>;
  let rx: TestReceiver;
  let kek: string;
  let port: number;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    mongodbUri = uniqueMongoUri('ssfrecovery');
    kek = newKek();
    port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startServer({ mongodbUri, kek, config: CONFIG, issuer, port, env: { REDIS_URL: redis.url } });
    cliEnv = { MONGODB_URI: mongodbUri, KEK: kek, REDIS_URL: redis.url, ROTOR_CONFIG: writeConfig(CONFIG) };
    await Promise.all([
      cliJson(['clients', 'add', '--client-id', 'rs', '--client-secret', SECRET, '--scope', 'ssf:manage', '--introspection'], cliEnv),
      cliJson(['clients', 'add', '--client-id', 'security', '--client-secret', SECRET, '--scope', 'admin:emergency'], cliEnv),
      cliJson(['users', 'add', '--username', 'bob', '--password-stdin'], cliEnv, 'correct horse battery\n'),
    ]);
    rx = await startReceiver(issuer, 'rs');
    const token = await ssfToken(issuer, 'rs', SECRET);
    const stream = await ssfCall(issuer, token, 'POST', '/ssf/streams', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: rx.url }, events_requested: [`${issuer}/secevent/jwks-changed`, SESSION_REVOKED] });
    expect(stream.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await rx?.close();
    await server?.stop();
    await redis?.stop();
    if (mongodbUri) await dropDatabase(mongodbUri);
  });

  /** A rollover through the admin API: its key-set event names the new catalog version. */
  const rollover = async (): Promise<number> => {
    const admin = (await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:emergency' }, ['security', SECRET])).body.access_token as string;
    const res = await fetch(`${issuer}/admin/keys/rollover`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'recovery test' }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { version: number }).version;
  };
  const versionsReceived = () => new Set(rx.sets.filter((set) => set.type.endsWith('/jwks-changed')).map((set) => set.event.version));

  it('a receiver down for 20 s, then up, gets every event it missed', async () => {
    await rx.down();
    const versions = [await rollover(), await rollover()];
    // The CLI has no queue: its event reaches the receiver through the sweeper.
    await cliJson(['users', 'disable', 'bob'], cliEnv);
    await sleep(20_000);
    await rx.up();
    await rx.waitFor((set) => set.type === SESSION_REVOKED, 1, 30_000);
    await rx.waitFor((set) => versions.includes(set.event.version as number), 2, 30_000);
    for (const version of versions) expect(versionsReceived()).toContain(version);
    expect(rx.sets.filter((set) => set.type === SESSION_REVOKED)).toHaveLength(1);
  }, 70_000);

  it('Redis restarted empty mid-delivery: every event still arrives', async () => {
    await rx.down();
    const versions = [await rollover(), await rollover(), await rollover()];
    // Their pushes have failed once and wait in Redis for their retries, which Redis then loses.
    await sleep(1500);
    await redis.stop();
    await redis.start();
    await rx.up();
    await rx.waitFor((set) => versions.includes(set.event.version as number), 3, 30_000);
    for (const version of versions) expect(versionsReceived()).toContain(version);
  }, 60_000);

  it('the only instance killed mid-delivery: the next one delivers every event', async () => {
    await rx.down();
    const versions = [await rollover(), await rollover()];
    await sleep(500);
    await server.kill();
    server = await startServer({ mongodbUri, kek, config: CONFIG, issuer, port, env: { REDIS_URL: redis.url } });
    await rx.up();
    await rx.waitFor((set) => versions.includes(set.event.version as number), 2, 30_000);
    for (const version of versions) expect(versionsReceived()).toContain(version);
  }, 60_000);
});
