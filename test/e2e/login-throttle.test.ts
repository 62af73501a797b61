import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startServer, writeConfig, type RunningServer } from '../helpers/server.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { authorize, Browser, hiddenField, pkcePair } from '../helpers/browser.js';
import { dropDatabase, dumpDatabase } from '../helpers/database.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { startPrivateRedis, type PrivateEngine } from '../helpers/private-engines.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORDS = { alice: 'alice-correct-horse', bob: 'bob-correct-horse' };
const SECRET_A = `svc-a-secret-${'a'.repeat(32)}`;
const SECRET_B = `svc-b-secret-${'b'.repeat(32)}`;
const WEB_CLIENT = ['--client-id', 'web', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid'];

/** Three failures lock an account from one IP for 30 s; the IP itself only after 20. */
const config = () => ({
  http: { trustProxy: 1 },
  login: { maxFailures: 3, maxFailuresPerIp: 20, window: '1m', lockout: '30s', maxLockout: '5m' },
  // A prefix of this run's own: locks left in the shared Redis by an earlier run do not matter.
  queue: { prefix: `rotor_t_throttle_${randomBytes(4).toString('hex')}` },
});

/** A browser behind the load balancer: every request says which client address it came from. */
class BrowserAt extends Browser {
  constructor(readonly ip: string) {
    super();
  }

  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.ip);
    return super.request(url, { ...init, headers });
  }
}

/** Starts a sign-in at `issuer` and returns where the login form posts, with its CSRF token. */
async function openLoginForm(issuer: string, browser: Browser): Promise<{ action: string; csrf: string }> {
  const params = new URLSearchParams({ client_id: 'web', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 's' });
  let url = `${issuer}/auth?${params}`;
  let res = await browser.request(url);
  for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400; hops++) {
    url = new URL(res.headers.get('location')!, url).toString();
    res = await browser.request(url);
  }
  const html = await res.text();
  expect(html).toContain('name="password"');
  return { action: `${url}/login`, csrf: hiddenField(html, 'csrf') };
}

const signIn = (issuer: string, username: keyof typeof PASSWORDS, ip: string) =>
  authorize({ issuer, clientId: 'web', redirectUri: REDIRECT, scope: 'openid', username, password: PASSWORDS[username], browser: new BrowserAt(ip) });

async function auditEvents(mongodbUri: string, action: string): Promise<Array<Record<string, unknown>>> {
  for (let i = 0; i < 30; i++) {
    const events = ((await dumpDatabase(mongodbUri)).audit_events ?? []) as Array<Record<string, unknown>>;
    const found = events.filter((event) => event.action === action);
    if (found.length > 0) return found;
    await sleep(100);
  }
  return [];
}

const LOCKED_PAGE = /Too many failed sign-ins\. Try again in (\d+) seconds? \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)\./;

describe('throttling failed sign-ins and client authentication', () => {
  let cluster: Cluster;
  let issuer: string;

  beforeAll(async () => {
    cluster = await startCluster('throttle', 1, config(), [
      WEB_CLIENT,
      ['--client-id', 'svc-a', '--client-secret', SECRET_A, '--scope', 'api:read'],
      ['--client-id', 'svc-b', '--client-secret', SECRET_B, '--scope', 'api:read'],
    ]);
    issuer = cluster.issuer;
    for (const [username, password] of Object.entries(PASSWORDS)) {
      await cliJson(['users', 'add', '--username', username, '--password-stdin'], cluster.cliEnv, `${password}\n`);
    }
  }, 90_000);

  afterAll(() => cluster?.close());

  it('30 wrong passwords for one account: 429 with Retry-After once maxFailures is reached, saying when to try again', async () => {
    const browser = new BrowserAt('203.0.113.10');
    const form = await openLoginForm(issuer, browser);
    const statuses: number[] = [];
    const locked: Array<{ retryAfter: string | null; html: string }> = [];
    for (let i = 0; i < 30; i++) {
      const res = await browser.postForm(form.action, { csrf: form.csrf, login: 'alice', password: `wrong-${i}` });
      statuses.push(res.status);
      if (res.status === 429) locked.push({ retryAfter: res.headers.get('retry-after'), html: await res.text() });
      else await res.text();
    }
    expect(statuses).toEqual([401, 401, ...Array<number>(28).fill(429)]);
    for (const { retryAfter, html } of [locked[0]!, locked.at(-1)!]) {
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(30);
      expect(html).toMatch(LOCKED_PAGE);
      expect(LOCKED_PAGE.exec(html)![1]).toBe(retryAfter);
      expect(html).toContain('name="password"');
    }
    // Locked means refused before the password is looked at: the right one fares no better.
    const right = await browser.postForm(form.action, { csrf: form.csrf, login: 'alice', password: PASSWORDS.alice });
    expect(right.status).toBe(429);
  }, 60_000);

  it('meanwhile another account signs in from the same IP, and the locked one from another IP', async () => {
    await expect(signIn(issuer, 'bob', '203.0.113.10')).resolves.toMatchObject({ code: expect.any(String) });
    await expect(signIn(issuer, 'alice', '203.0.113.11')).resolves.toMatchObject({ code: expect.any(String) });
    const stillLocked = new BrowserAt('203.0.113.10');
    const form = await openLoginForm(issuer, stillLocked);
    const res = await stillLocked.postForm(form.action, { csrf: form.csrf, login: 'alice', password: PASSWORDS.alice });
    expect(res.status).toBe(429);
  }, 30_000);

  it('the lock-out is in the audit log, without any password, and the log still verifies', async () => {
    const events = await auditEvents(cluster.mongodbUri, 'login.lockout');
    expect(events).toEqual([expect.objectContaining({
      actor: 'system:throttle', target: 'user:alice', outcome: 'refused',
      detail: { username: 'alice', ip: '203.0.113.10', scope: 'account', retryAfter: 30 },
    })]);
    expect(JSON.stringify(events)).not.toMatch(/wrong-|correct-horse/);
    const verify = await runCli(['audit', 'verify'], cluster.cliEnv);
    expect(verify.code).toBe(0);
  }, 30_000);

  const token = (clientId: string, secret: string, ip: string, how: 'basic' | 'post' = 'basic') => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip };
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (how === 'basic') headers.authorization = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
    else {
      body.set('client_id', clientId);
      body.set('client_secret', secret);
    }
    return fetch(`${issuer}/token`, { method: 'POST', headers, body });
  };

  it('wrong secrets for one client at /token: 429 after the limit, while another client still gets tokens', async () => {
    const ip = '198.51.100.40';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await token('svc-a', `wrong-secret-${i}`.padEnd(40, 'x'), ip)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const refused = await token('svc-a', SECRET_A, ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ error: 'too_many_requests', error_description: expect.stringMatching(/retry after \d+ seconds/) });
    const other = await token('svc-b', SECRET_B, ip);
    expect(other.status).toBe(200);
    expect(typeof ((await other.json()) as { access_token?: unknown }).access_token).toBe('string');
    expect((await token('svc-a', SECRET_A, '198.51.100.41')).status).toBe(200);
    const events = await auditEvents(cluster.mongodbUri, 'client.lockout');
    expect(events).toEqual([expect.objectContaining({ actor: 'system:throttle', target: 'client:svc-a', outcome: 'refused', detail: { clientId: 'svc-a', ip, scope: 'client', retryAfter: 30 } })]);
  }, 30_000);

  it('the right secret after wrong ones clears the client\'s count from that IP, by HTTP Basic and in the body', async () => {
    for (const [ip, method] of [['198.51.100.44', 'basic'], ['198.51.100.45', 'post']] as const) {
      for (let i = 0; i < 2; i++) expect((await token('svc-a', `wrong-secret-${i}`.padEnd(40, 'x'), ip, method)).status).toBe(401);
      expect((await token('svc-a', SECRET_A, ip, method)).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await token('svc-a', `wrong-again-${i}`.padEnd(40, 'x'), ip, method)).status).toBe(401);
      expect((await token('svc-a', SECRET_A, ip, method)).status).toBe(200);
    }
  }, 30_000);

  it('a secret posted in the body instead of HTTP Basic is throttled the same way', async () => {
    const ip = '198.51.100.42';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await token('svc-b', `wrong-secret-${i}`.padEnd(40, 'x'), ip, 'post')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const refused = await token('svc-b', SECRET_B, ip, 'post');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect((await token('svc-b', SECRET_B, ip)).status).toBe(429);
  }, 30_000);

  it('a locked client posting its right secret in the body is refused before anything is issued', async () => {
    const ip = '198.51.100.43';
    for (let i = 0; i < 3; i++) await token('svc-b', `wrong-secret-${i}`.padEnd(40, 'x'), ip, 'post');
    const issued = async (): Promise<number> => {
      let total = 0;
      for (const server of cluster.servers) {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        for (const match of text.matchAll(/^rotor_tokens_issued_total\{[^}]*type="client_credentials"[^}]*\} (\d+)$/gm)) total += Number(match[1]);
      }
      return total;
    };
    const before = await issued();
    expect((await token('svc-b', SECRET_B, ip, 'post')).status).toBe(429);
    expect(await issued()).toBe(before);
    expect((await token('svc-b', SECRET_B, '198.51.100.44', 'post')).status).toBe(200);
    expect(await issued()).toBe(before + 1);
  }, 30_000);
});

describe('throttling failed sign-ins while Redis is down', () => {
  let redis: PrivateEngine;
  let server: RunningServer;
  const mongodbUri = uniqueMongoUri('throttledown');

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const kek = newKek();
    const settings = config();
    server = await startServer({ mongodbUri, kek, config: settings, env: { REDIS_URL: redis.url } });
    const cliEnv = { MONGODB_URI: mongodbUri, KEK: kek, REDIS_URL: redis.url, ROTOR_CONFIG: writeConfig(settings) };
    await cliJson(['clients', 'add', ...WEB_CLIENT], cliEnv);
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cliEnv, `${PASSWORDS.alice}\n`);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await dropDatabase(mongodbUri);
  });

  it('each instance keeps counting in memory: the account is still locked after maxFailures', async () => {
    await redis.stop();
    const browser = new BrowserAt('203.0.113.20');
    const form = await openLoginForm(server.url, browser);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await browser.postForm(form.action, { csrf: form.csrf, login: 'alice', password: `wrong-${i}` });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.text()).toMatch(LOCKED_PAGE);
      }
    }
    expect(statuses).toEqual([401, 401, 429, 429, 429]);
    const right = await browser.postForm(form.action, { csrf: form.csrf, login: 'alice', password: PASSWORDS.alice });
    expect(right.status).toBe(429);
    await expect(signIn(server.url, 'alice', '203.0.113.21')).resolves.toMatchObject({ code: expect.any(String) });
    expect(server.output()).toContain('counts in memory');
  }, 60_000);
});
