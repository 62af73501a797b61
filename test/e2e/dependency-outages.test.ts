import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type RunningServer } from '../helpers/server.js';
import { cliJson } from '../helpers/cli.js';
import { newKek } from '../helpers/engines.js';
import { tokenRequest } from '../helpers/browser.js';
import { startPrivateFerretDb, startPrivateRedis, type PrivateEngine } from '../helpers/private-engines.js';

const SECRET = 'svc-secret-0123456789-abcdefghijkl';

describe('when a dependency goes down', () => {
  let mongo: PrivateEngine;
  let redis: PrivateEngine;
  let server: RunningServer;

  beforeAll(async () => {
    [mongo, redis] = await Promise.all([startPrivateFerretDb(), startPrivateRedis()]);
    const kek = newKek();
    server = await startServer({ mongodbUri: mongo.url, kek, env: { REDIS_URL: redis.url } });
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read api:write'], { MONGODB_URI: mongo.url, KEK: kek });
    await cliJson(['clients', 'add', '--client-id', 'never-seen', '--client-secret', SECRET, '--scope', 'api:read api:write'], { MONGODB_URI: mongo.url, KEK: kek });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await Promise.all([mongo?.stop(), redis?.stop()]);
  });

  const issue = () => tokenRequest(server.url, { grant_type: 'client_credentials' }, ['svc', SECRET]);

  it('losing Redis never stops token issuance, and readiness says which dependency is down', async () => {
    await redis.stop();
    const { status, body } = await issue();
    expect(status).toBe(200);
    expect(typeof body.access_token).toBe('string');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ redis: 'down', mongodb: 'ok' });
    // The console's sessions live in Redis: a page says so in words, the API in JSON; never a 500.
    const cookie = { cookie: 'rotor_console=some-session-id' };
    const page = await fetch(`${server.url}/console/keys`, { headers: { ...cookie, accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toContain('Redis cannot be reached just now');
    const api = await fetch(`${server.url}/console/api/catalog`, { headers: cookie });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('5');
    expect(await api.json()).toMatchObject({ error: 'temporarily_unavailable' });
    await redis.start();
    let readyAgain = 0;
    for (let i = 0; i < 50 && readyAgain !== 200; i++) {
      readyAgain = (await fetch(`${server.url}/readyz`)).status;
      if (readyAgain !== 200) await sleep(200);
    }
    expect(readyAgain).toBe(200);
  }, 30_000);

  it('losing MongoDB gives 503 with Retry-After where the database is needed, never a 500, and service resumes by itself', async () => {
    expect((await issue()).status).toBe(200);
    await mongo.stop();
    const res = await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`never-seen:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable');
    // A client already known to this instance still gets JWT access tokens: they need no database.
    expect((await issue()).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).not.toBeNull();
    const jwks = await fetch(`${server.url}/jwks`);
    expect(jwks.status).toBe(200);
    await mongo.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await issue()).status;
      if (status !== 200) await sleep(300);
    }
    expect(status).toBe(200);
  }, 60_000);
});
