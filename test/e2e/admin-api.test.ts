import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import mongoose from 'mongoose';
import { startServer, writeConfig, type RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { tokenRequest } from '../helpers/browser.js';
import { dropDatabase, dumpDatabase } from '../helpers/database.js';
import { SseListener } from '../helpers/sse.js';

const SECRET = 'client-secret-0123456789-abcdefghij';
const ALL_ADMIN = 'admin:keys admin:emergency admin:audit';

interface KeyView { kid: string; alg: string; state: string; reason?: string; revokedAt?: string }

describe('the admin API', () => {
  const config = { keys: { algorithms: ['ES256'] }, admin: { rotationMinInterval: '1h' }, catalog: { pollInterval: '30s' } };
  let cluster: Cluster;
  let mongodbUri: string;
  let cliEnv: Record<string, string>;
  let issuer: string;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('admin', 2, config, [
      ['--client-id', 'security', '--client-secret', SECRET, '--scope', ALL_ADMIN],
      ['--client-id', 'reader', '--client-secret', SECRET, '--scope', 'admin:keys'],
      ['--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read'],
    ]);
    ({ issuer, mongodbUri, cliEnv } = cluster);
    [a, b] = cluster.servers as [RunningServer, RunningServer];
  }, 60_000);

  afterAll(() => cluster?.close());

  const token = async (clientId: string, scope?: string): Promise<string> => {
    const { status, body } = await tokenRequest(a.url, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, [clientId, SECRET]);
    if (status !== 200) throw new Error(`token for ${clientId}: ${JSON.stringify(body)}`);
    return body.access_token as string;
  };
  const call = async (server: RunningServer, method: string, path: string, bearer?: string, body?: unknown, raw?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await fetch(`${server.url}/admin${path}`, { method, headers, ...(body !== undefined || raw !== undefined ? { body: raw ?? JSON.stringify(body) } : {}) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const jwks = async (server: RunningServer): Promise<JSONWebKeySet> => (await fetch(`${server.url}/jwks`)).json() as Promise<JSONWebKeySet>;

  it('a client_credentials request for admin scopes without resource gets a token for <ISSUER>/admin', async () => {
    const { payload } = await jwtVerify(await token('security', ALL_ADMIN), createLocalJWKSet(await jwks(a)), { issuer, audience: `${issuer}/admin` });
    expect(String(payload.scope).split(' ').sort()).toEqual(ALL_ADMIN.split(' ').sort());
  });

  it('a client not registered for admin scopes cannot get them', async () => {
    const { status, body } = await tokenRequest(a.url, { grant_type: 'client_credentials', scope: 'admin:emergency' }, ['reader', SECRET]);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
  });

  it('no token, a malformed one, or one for another audience is 401 with WWW-Authenticate', async () => {
    const missing = await call(a, 'GET', '/keys');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="rotor-admin"/);
    expect(missing.body.error).toBe('invalid_token');
    expect((await call(a, 'GET', '/keys', 'not.a.jwt')).status).toBe(401);
    const apiToken = await token('svc', 'api:read');
    const wrongAudience = await call(a, 'GET', '/keys', apiToken);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a token without the scope is 403 naming the scope', async () => {
    const readerToken = await token('reader', 'admin:keys');
    expect((await call(a, 'GET', '/keys', readerToken)).status).toBe(200);
    const refused = await call(a, 'POST', '/keys/rollover', readerToken, { reason: 'leak' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    expect(refused.headers.get('www-authenticate')).toContain('scope="admin:emergency"');
    expect((await call(a, 'GET', '/audit', readerToken)).status).toBe(403);
  });

  it('every change needs a reason; broken JSON and unknown fields are 400', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const noReason = await call(a, 'POST', '/keys/rotate', bearer, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error_description).toMatch(/reason/);
    expect((await call(a, 'POST', '/keys/rollover', bearer, { reason: '' })).status).toBe(400);
    const broken = await call(a, 'POST', '/keys/rollover', bearer, undefined, '{"reason": "leak"');
    expect(broken.status).toBe(400);
    expect(broken.body.error_description).toBe('the body is not valid JSON');
    expect((await call(a, 'POST', '/keys/rotate', bearer, { reason: 'scheduled', colour: 'blue' })).status).toBe(400);
    expect((await call(a, 'POST', '/keys/rotate', bearer, { reason: 'scheduled', alg: 'HS256' })).status).toBe(400);
  });

  it('lists the catalog with ISO 8601 times and no private part', async () => {
    const { status, body } = await call(b, 'GET', '/keys', await token('reader', 'admin:keys'));
    expect(status).toBe(200);
    expect(body.version).toBeGreaterThanOrEqual(1);
    const keys = body.keys as KeyView[];
    expect(keys.filter((key) => key.state === 'active')).toHaveLength(1);
    expect(JSON.stringify(body)).not.toMatch(/sealed|"d"/);
  });

  it('a planned rotation returns 202 with the pending key; a second one too soon is 429 with Retry-After', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const rotated = await call(a, 'POST', '/keys/rotate', bearer, { reason: 'quarterly rotation' });
    expect(rotated.status).toBe(202);
    expect(rotated.body.state).toBe('pending');
    expect(rotated.body.reason).toBe('quarterly rotation');
    const again = await call(a, 'POST', '/keys/rotate', bearer, { reason: 'runaway script' });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(3000);
  });

  it('a dry run reports which kids would change state and how many live grants, and changes nothing', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const before = await call(a, 'GET', '/keys', bearer);
    // The catalog holds a pending key here: promotePending makes it the successor (the default would revoke it too).
    const dry = await call(a, 'POST', '/keys/rollover', bearer, { reason: 'drill', dryRun: true, promotePending: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    const changes = dry.body.changes as Array<{ kid: string; from: string; to: string }>;
    expect(changes.map((change) => `${change.from}->${change.to}`).sort()).toEqual(['active->revoked', 'pending->active']);
    expect(typeof dry.body.liveGrants).toBe('number');
    expect((await call(a, 'GET', '/keys', bearer)).body).toEqual(before.body);
  });

  it('revoking the active key through /revoke is refused: that is what rollover is for', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const active = ((await call(a, 'GET', '/keys', bearer)).body.keys as KeyView[]).find((key) => key.state === 'active')!;
    const refused = await call(a, 'POST', `/keys/${active.kid}/revoke`, bearer, { reason: 'oops' });
    expect(refused.status).toBe(409);
    expect(refused.body.error_description).toMatch(/rollover/);
    expect((await call(a, 'POST', '/keys/no-such-kid/revoke', bearer, { reason: 'typo' })).status).toBe(404);
  });

  it('an emergency rollover takes the compromised key out of every instance within a second and its tokens stop verifying', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const apiTokenBefore = await token('svc', 'api:read');
    const compromised = String(decodeProtectedHeader(apiTokenBefore).kid);
    const listener = await SseListener.open(`${b.url}/jwks/events`);
    try {
      const started = Date.now();
      const done = await call(a, 'POST', '/keys/rollover', bearer, { reason: 'key leaked in a log', promotePending: true });
      expect(done.status).toBe(200);
      expect(done.body.revokedKids).toEqual([compromised]);
      const activeKid = String(done.body.activeKid);
      expect(activeKid).not.toBe(compromised);
      let gone = false;
      while (!gone && Date.now() - started < 1000) {
        const sets = await Promise.all([a, b].map(jwks));
        gone = sets.every((set) => !set.keys.some((key) => key.kid === compromised) && set.keys.some((key) => key.kid === activeKid));
      }
      expect(gone).toBe(true);
      const event = await listener.waitFor((data) => data.revoked.includes(compromised), 1000);
      expect(event.data.version).toBe(done.body.version);
      expect(event.data.kids).not.toContain(compromised);

      const fresh = createLocalJWKSet(await jwks(b));
      await expect(jwtVerify(apiTokenBefore, fresh)).rejects.toThrow();
      const apiTokenAfter = await token('svc', 'api:read');
      expect(decodeProtectedHeader(apiTokenAfter).kid).toBe(activeKid);
      await jwtVerify(apiTokenAfter, fresh, { issuer, audience: `${issuer}/api` });
      expect((await call(b, 'GET', '/keys', bearer)).status).toBe(401);
    } finally {
      listener.close();
    }
    const dump = await dumpDatabase(mongodbUri);
    const stored = JSON.stringify(dump.key_catalog);
    const [latest] = (dump.key_catalog as Array<{ version: number; keys: Array<{ kid: string; state: string; sealedPrivateJwk: string | null }> }>).sort((x, y) => y.version - x.version);
    const revoked = latest!.keys.find((key) => key.kid === compromised)!;
    expect(revoked.state).toBe('revoked');
    expect(revoked.sealedPrivateJwk).toBeNull();
    expect(stored.match(new RegExp(compromised, 'g'))!.length).toBeGreaterThan(0);
    for (const doc of dump.key_catalog as Array<{ version: number; keys: unknown[] }>) if (doc.version !== latest!.version) expect(doc.keys).toEqual([]);
  });

  it('revoking a pending key takes it out of the JWKS at once', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const cli = await cliJson<{ key: KeyView }>(['keys', 'rotate', '--reason', 'another'], { ...cliEnv, ROTOR_CONFIG: writeConfig({ ...config, admin: { rotationMinInterval: 0 } }) });
    const revoked = await call(a, 'POST', `/keys/${cli.key.kid}/revoke`, bearer, { reason: 'generated on a suspect host' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedKids).toEqual([cli.key.kid]);
    const sets = await Promise.all([a, b].map(jwks));
    expect(sets.some((set) => set.keys.some((key) => key.kid === cli.key.kid))).toBe(false);
  });

  it('the audit log lists every change and refusal, newest first, and verifies', async () => {
    const bearer = await token('security', ALL_ADMIN);
    const { status, body } = await call(a, 'GET', '/audit?limit=200', bearer);
    expect(status).toBe(200);
    const events = body.events as Array<{ seq: number; action: string; actor: string; outcome: string; reason?: string; hash: string; prevHash: string }>;
    expect(events[0]!.seq).toBeGreaterThan(events.at(-1)!.seq);
    const actions = events.map((event) => `${event.action}:${event.outcome}`);
    expect(actions).toContain('keys.rollover:ok');
    expect(actions).toContain('keys.rotate:ok');
    expect(actions).toContain('keys.rotate:refused');
    expect(actions).toContain('keys.revoke:ok');
    expect(actions).toContain('keys.revoke:refused');
    expect(actions.some((action) => action.startsWith('admin POST /admin/keys/rollover:refused'))).toBe(true);
    expect(events.find((event) => event.action === 'keys.rollover' && event.outcome === 'ok')!.actor).toBe('client:security');
    expect(events.find((event) => event.action === 'keys.revoke' && event.outcome === 'ok')!.reason).toBe('generated on a suspect host');
    const verified = await call(a, 'GET', '/audit/verify', bearer);
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.checked).toBeGreaterThanOrEqual(events.length);
    expect((await call(a, 'GET', '/audit?limit=0', bearer)).status).toBe(400);
  });

  it('an audit event edited directly in MongoDB fails verification, in the API and the CLI', async () => {
    const connection = await mongoose.createConnection(mongodbUri).asPromise();
    try {
      const collection = connection.db!.collection<{ _id: number; reason?: string }>('audit_events');
      const target = await collection.findOne({ reason: 'key leaked in a log' });
      await collection.updateOne({ _id: target!._id }, { $set: { reason: 'routine maintenance' } });
      const bearer = await token('security', ALL_ADMIN);
      const api = await call(b, 'GET', '/audit/verify', bearer);
      expect(api.body.ok).toBe(false);
      expect((api.body.firstBad as { seq: number }).seq).toBe(target!._id);
      const cli = await runCli(['audit', 'verify'], cliEnv);
      expect(cli.code).toBe(1);
      expect(cli.stderr.trim()).toMatch(new RegExp(`^rotor: audit log broken at event ${target!._id}: hash does not match`));
    } finally {
      await connection.close();
    }
  });

  it('publishes an OpenAPI document', async () => {
    const res = await fetch(`${a.url}/admin/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/keys', '/keys/rotate', '/keys/rollover', '/keys/{kid}/revoke', '/audit', '/audit/verify']));
  });
});

describe('the two-person rule', () => {
  const mongodbUri = uniqueMongoUri('twoperson');
  const kek = newKek();
  const config = { keys: { algorithms: ['ES256'] }, admin: { emergencyApprovals: 2 } };
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ mongodbUri, kek, config });
    const env = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(config) };
    await cliJson(['clients', 'add', '--client-id', 'alice-sec', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency'], env);
    await cliJson(['clients', 'add', '--client-id', 'bob-sec', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency'], env);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  const bearer = async (clientId: string) => (await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'admin:keys admin:emergency' }, [clientId, SECRET])).body.access_token as string;
  const post = async (path: string, who: string, body: unknown) => {
    const res = await fetch(`${server.url}/admin${path}`, { method: 'POST', headers: { authorization: `Bearer ${await bearer(who)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('the first call opens a request, the same client cannot approve it, a second client carries it out', async () => {
    const activeBefore = (await (await fetch(`${server.url}/jwks`)).json() as JSONWebKeySet).keys[0]!.kid;
    const opened = await post('/keys/rollover', 'alice-sec', { reason: 'suspected leak' });
    expect(opened.status).toBe(202);
    expect(opened.body.status).toBe('pending');
    const requestId = String(opened.body.requestId);
    expect((await (await fetch(`${server.url}/jwks`)).json() as JSONWebKeySet).keys[0]!.kid).toBe(activeBefore);

    const self = await post(`/emergency/${requestId}/approve`, 'alice-sec', { reason: 'me again' });
    expect(self.status).toBe(403);
    const approved = await post(`/emergency/${requestId}/approve`, 'bob-sec', { reason: 'confirmed with alice' });
    expect(approved.status).toBe(200);
    expect(approved.body.revokedKids).toEqual([activeBefore]);
    const twice = await post(`/emergency/${requestId}/approve`, 'bob-sec', { reason: 'again' });
    expect(twice.status).toBe(409);
    expect((await post('/emergency/unknown/approve', 'bob-sec', { reason: 'x-x-x' })).status).toBe(404);
    // An id Rotor could not have made never reaches the store or the audit log.
    expect((await post(`/emergency/${encodeURIComponent('ünknown\u202e')}/approve`, 'bob-sec', { reason: 'x-x-x' })).status).toBe(400);
    expect((await post(`/emergency/${'a'.repeat(65)}/reject`, 'bob-sec', { reason: 'x-x-x' })).status).toBe(400);
  });

  it('a dry run under the two-person rule answers at once and changes nothing', async () => {
    const dry = await post('/keys/rollover', 'alice-sec', { reason: 'drill', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
  });
});
