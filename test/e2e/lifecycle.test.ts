import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { authorize, tokenRequest } from '../helpers/browser.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SECRET = 'lifecycle-secret-0123456789-abcdefgh';
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'battery staple horse';
const GENERATED = /^rotor_cs_[A-Za-z0-9_-]{48}$/;

type Body = Record<string, unknown>;

/**
 * Polls `refused` until it says yes; fails unless that happens within a second of `since`, the
 * moment the CLI or the admin API answered (the change was committed and announced by then).
 */
async function refusedWithinASecond(since: number, refused: () => Promise<boolean>): Promise<void> {
  while (!(await refused())) {
    if (Date.now() - since > 1000) throw new Error(`still accepted ${Date.now() - since} ms after the change`);
    await sleep(25);
  }
}

describe('client and user lifecycle on a two-instance cluster', () => {
  let cluster: Cluster;
  let cliEnv: Record<string, string>;
  let issuer: string;
  let a: RunningServer;
  let b: RunningServer;
  /** Every secret this test saw; none may ever appear in a listing or the audit log. */
  const secrets = new Set([SECRET]);

  beforeAll(async () => {
    cluster = await startCluster('lifecycle', 2, { keys: { algorithms: ['ES256'] }, catalog: { pollInterval: '30s' } }, [
      ['--client-id', 'ops', '--client-secret', SECRET, '--scope', 'admin:clients admin:audit'],
      ['--client-id', 'keeper', '--client-secret', SECRET, '--scope', 'admin:keys'],
      ['--client-id', 'doomed', '--client-secret', SECRET, '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--grant-type', 'client_credentials', '--scope', 'openid offline_access api:read admin:clients'],
      ['--client-id', 'web', '--client-secret', SECRET, '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'svc2', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'victim', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid'],
    ]);
    ({ issuer, cliEnv } = cluster);
    [a, b] = cluster.servers as [RunningServer, RunningServer];
    for (const username of ['alice', 'bob', 'carol']) await cliJson(['users', 'add', '--username', username, '--password-stdin'], cliEnv, `${PASSWORD}\n`);
  }, 120_000);

  afterAll(() => cluster?.close());

  const clientCredentials = (server: RunningServer, clientId: string, secret: string, scope = 'api:read') =>
    tokenRequest(server.url, { grant_type: 'client_credentials', scope }, [clientId, secret]);
  const bearer = async (clientId: string, scope: string): Promise<string> => {
    const { status, body } = await clientCredentials(a, clientId, SECRET, scope);
    if (status !== 200) throw new Error(`token for ${clientId}: ${JSON.stringify(body)}`);
    return body.access_token as string;
  };
  const admin = async (server: RunningServer, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Body }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${server.url}/admin${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Body };
  };
  /** A person's sign-in (PKCE, consent) and the code exchange at instance A. */
  const signIn = async (clientId: string, username: string, password: string): Promise<Body> => {
    const { code, verifier } = await authorize({ issuer, clientId, redirectUri: REDIRECT, scope: 'openid offline_access', username, password });
    const { status, body } = await tokenRequest(a.url, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, [clientId, SECRET]);
    if (status !== 200) throw new Error(`code exchange: ${JSON.stringify(body)}`);
    return body;
  };
  const refresh = (server: RunningServer, clientId: string, secret: string, refreshToken: string) =>
    tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: refreshToken }, [clientId, secret]);

  it('a removed client is refused on both instances within a second: its refresh token, its secret, its admin token', async () => {
    const first = await signIn('doomed', 'alice', PASSWORD);
    // Instance B caches the client while it rotates the refresh token once.
    const rotated = await refresh(b, 'doomed', SECRET, first.refresh_token as string);
    expect(rotated.status).toBe(200);
    const refreshToken = rotated.body.refresh_token as string;
    const adminToken = await bearer('doomed', 'admin:clients');
    for (const server of [a, b]) {
      expect((await clientCredentials(server, 'doomed', SECRET)).status).toBe(200);
      expect((await admin(server, 'GET', '/clients', adminToken)).status).toBe(200);
    }

    const removed = await cliJson(['clients', 'remove', 'doomed', '--reason', 'app decommissioned'], cliEnv);
    const since = Date.now();
    expect(removed).toMatchObject({ client_id: 'doomed', removed: true });
    expect(removed.artifactsDeleted).toBeGreaterThanOrEqual(2);
    await Promise.all([a, b].map(async (server) => {
      await refusedWithinASecond(since, async () => (await refresh(server, 'doomed', SECRET, refreshToken)).body.error === 'invalid_client');
      await refusedWithinASecond(since, async () => (await clientCredentials(server, 'doomed', SECRET)).body.error === 'invalid_client');
      await refusedWithinASecond(since, async () => (await admin(server, 'GET', '/clients', adminToken)).status === 401);
    }));

    // Registered again under the same id, the client does not get its old grants back: they were deleted.
    const again = await cliJson<{ client_secret: string }>(['clients', 'add', '--client-id', 'doomed', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'], cliEnv);
    secrets.add(again.client_secret);
    for (const server of [a, b]) {
      const stale = await refresh(server, 'doomed', again.client_secret, refreshToken);
      expect(stale.status).toBe(400);
      expect(stale.body.error).toBe('invalid_grant');
    }
  });

  it('a disabled user loses their refresh tokens on both instances within a second and cannot sign in; enabled again, they can', async () => {
    const first = await signIn('web', 'bob', PASSWORD);
    const rotated = await refresh(b, 'web', SECRET, first.refresh_token as string);
    expect(rotated.status).toBe(200);
    const refreshToken = rotated.body.refresh_token as string;

    const disabled = await cliJson(['users', 'disable', 'bob', '--reason', 'left the company'], cliEnv);
    const since = Date.now();
    expect(disabled).toMatchObject({ username: 'bob', disabled: true });
    expect(disabled.artifactsDeleted).toBeGreaterThanOrEqual(2);
    await Promise.all([a, b].map((server) => refusedWithinASecond(since, async () => (await refresh(server, 'web', SECRET, refreshToken)).body.error === 'invalid_grant')));
    await expect(signIn('web', 'bob', PASSWORD)).rejects.toThrow('login refused');

    await cliJson(['users', 'set-password', 'bob', '--password-stdin'], cliEnv, `${NEW_PASSWORD}\n`);
    expect(await cliJson(['users', 'enable', 'bob'], cliEnv)).toMatchObject({ username: 'bob', disabled: false });
    const back = await signIn('web', 'bob', NEW_PASSWORD);
    expect((await refresh(b, 'web', SECRET, back.refresh_token as string)).status).toBe(200);
    // Enabling restores the login, not the grants deleted when the account was disabled.
    expect((await refresh(a, 'web', SECRET, refreshToken)).body.error).toBe('invalid_grant');
  });

  it('a new password ends the person\'s sessions and refresh tokens on both instances within a second', async () => {
    const first = await signIn('web', 'bob', NEW_PASSWORD);
    const refreshToken = first.refresh_token as string;
    expect((await refresh(a, 'web', SECRET, refreshToken)).status).toBe(200);
    const again = await signIn('web', 'bob', NEW_PASSWORD);
    const reset = await cliJson<{ username: string; artifactsDeleted: number }>(['users', 'set-password', 'bob', '--password-stdin', '--reason', 'password seen in a phishing kit'], cliEnv, `${PASSWORD}\n`);
    const since = Date.now();
    expect(reset.username).toBe('bob');
    expect(reset.artifactsDeleted).toBeGreaterThanOrEqual(2);
    await Promise.all([a, b].map((server) => refusedWithinASecond(since, async () => (await refresh(server, 'web', SECRET, again.refresh_token as string)).body.error === 'invalid_grant')));
    await expect(signIn('web', 'bob', NEW_PASSWORD)).rejects.toThrow('login refused');
    const back = await signIn('web', 'bob', PASSWORD);
    expect((await refresh(b, 'web', SECRET, back.refresh_token as string)).status).toBe(200);
  });

  it('after rotate-secret the old secret is refused on both instances within a second and the new one works', async () => {
    for (const server of [a, b]) expect((await clientCredentials(server, 'svc', SECRET)).status).toBe(200);
    const rotated = await cliJson<{ client_id: string; client_secret: string }>(['clients', 'rotate-secret', 'svc', '--reason', 'rotation drill'], cliEnv);
    const since = Date.now();
    expect(rotated.client_secret).toMatch(GENERATED);
    secrets.add(rotated.client_secret);
    await Promise.all([a, b].map((server) => refusedWithinASecond(since, async () => (await clientCredentials(server, 'svc', SECRET)).body.error === 'invalid_client')));
    for (const server of [a, b]) expect((await clientCredentials(server, 'svc', rotated.client_secret)).status).toBe(200);
  });

  it('clients add requires --scope and a secret of 32 characters; a generated secret carries the rotor_cs_ prefix', async () => {
    const noScope = await runCli(['clients', 'add', '--client-id', 'noscope'], cliEnv);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr.trim()).toMatch(/^rotor: --scope is required/);
    const weak = await runCli(['clients', 'add', '--client-id', 'weak', '--scope', 'api:read', '--client-secret', 'x'.repeat(31)], cliEnv);
    expect(weak.code).toBe(2);
    expect(weak.stderr.trim()).toBe('rotor: --client-secret: client secrets must be at least 32 characters (this one has 31); leave the secret out to have one generated');
    expect((await runCli(['clients', 'show', 'weak'], cliEnv)).code).toBe(1);

    const generated = await cliJson<{ client_secret: string }>(['clients', 'add', '--client-id', 'gen', '--scope', 'api:read', '--introspection'], cliEnv);
    expect(generated.client_secret).toMatch(GENERATED);
    secrets.add(generated.client_secret);
    expect((await clientCredentials(b, 'gen', generated.client_secret)).status).toBe(200);
    expect(await cliJson(['clients', 'show', 'gen'], cliEnv)).toMatchObject({ client_id: 'gen', scope: 'api:read', introspection_any_client: true, public: false });
  });

  it('clients list and show, human or JSON, never print a secret', async () => {
    const outputs = await Promise.all([['clients', 'list'], ['clients', 'list', '--json'], ['clients', 'show', 'svc'], ['clients', 'show', 'gen', '--json']].map((args) => runCli(args, cliEnv)));
    for (const { code, stdout } of outputs) {
      expect(code).toBe(0);
      expect(stdout).not.toMatch(/"client_secret"|^client_secret:|rotor_cs_|sealed/m);
      for (const secret of secrets) expect(stdout).not.toContain(secret);
    }
    expect(outputs[0]!.stdout).toMatch(/^svc {2}confidential/m);
    expect(outputs[0]!.stdout).toMatch(/^spa {2}public/m);
  });

  it.each([
    [['clients', 'add', '--client-id', '', '--scope', 'api:read'], 2, 'rotor: --client-id must not be empty'],
    [['clients', 'add', '--client-id', 'x', '--scope', ''], 2, 'rotor: --scope must not be empty'],
    [['users', 'add', '--username', 'dan', '--password', 'dans-password', '--role', ''], 2, 'rotor: --role must not be empty'],
    [['users', 'add', '--username', 'dan', '--password', 'dans-password', '--role', 'wizard'], 2, 'rotor: unknown role "wizard"; roles: security'],
    [['users', 'grant', 'carol', 'wizard'], 2, 'rotor: unknown role "wizard"; roles: security'],
    [['users', 'grant', 'nobody', 'security'], 1, 'rotor: no user nobody'],
    [['users', 'disable', 'nobody'], 1, 'rotor: no user nobody'],
    [['users', 'list', '--password', 'x'], 2, 'rotor: --password does not apply to rotor users list'],
    [['clients', 'show', 'nobody'], 1, 'rotor: no client nobody'],
    [['clients', 'remove', 'nobody', '--reason', 'typo test'], 1, 'rotor: no client nobody'],
    [['clients', 'rotate-secret', 'spa'], 1, 'rotor: client spa is public: it has no secret to rotate'],
    [['clients', 'rotate-secret', 'rotor-console'], 1, 'rotor: client rotor-console is Rotor\'s own (the console\'s): it is managed by Rotor and cannot be removed or have its secret rotated'],
    [['clients', 'remove', 'rotor-console', '--reason', 'cleanup'], 1, 'rotor: client rotor-console is Rotor\'s own (the console\'s): it is managed by Rotor and cannot be removed or have its secret rotated'],
  ])('rotor %j exits %i with one line on stderr', async (args, code, message) => {
    const result = await runCli(args, cliEnv);
    expect(result.code).toBe(code);
    expect(result.stderr.trim()).toBe(message);
  });

  it('roles are granted and revoked by the CLI, and users list shows roles and state', async () => {
    expect(await cliJson(['users', 'grant', 'carol', 'security'], cliEnv)).toMatchObject({ username: 'carol', roles: ['security'] });
    expect(await cliJson(['users', 'revoke-role', 'carol', 'security', '--reason', 'drill over'], cliEnv)).toMatchObject({ username: 'carol', roles: [] });
    const { users } = await cliJson<{ users: Body[] }>(['users', 'list'], cliEnv);
    expect(users.map((user) => user.username)).toEqual(['alice', 'bob', 'carol']);
    expect(users.find((user) => user.username === 'bob')).toMatchObject({ roles: [], disabled: false });
    expect(JSON.stringify(users)).not.toMatch(/scrypt|password/i);
  });

  it('the admin API needs a token with admin:clients: 401 without one, 403 with another scope', async () => {
    expect((await admin(a, 'GET', '/clients')).status).toBe(401);
    const keysOnly = await bearer('keeper', 'admin:keys');
    const calls: Array<[string, string, Body?]> = [
      ['GET', '/clients'], ['GET', '/clients/svc'], ['DELETE', '/clients/victim', { reason: 'not mine to do' }],
      ['POST', '/clients/svc2/rotate-secret', { reason: 'not mine' }], ['GET', '/users'], ['POST', '/users/carol/disable', { reason: 'not mine' }],
    ];
    for (const [method, path, body] of calls) {
      const refused = await admin(a, method, path, keysOnly, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('insufficient_scope');
    }
    expect((await clientCredentials(a, 'victim', SECRET)).status).toBe(200);
  });

  it('the admin API lists and shows clients without secrets; an unknown id is 404', async () => {
    const token = await bearer('ops', 'admin:clients');
    const list = await admin(b, 'GET', '/clients', token);
    expect(list.status).toBe(200);
    const clients = list.body.clients as Body[];
    expect(clients.map((client) => client.client_id)).toEqual(expect.arrayContaining(['ops', 'svc', 'spa', 'gen']));
    expect(clients.find((client) => client.client_id === 'spa')).toMatchObject({ public: true });
    const shown = await admin(b, 'GET', '/clients/svc', token);
    expect(shown).toMatchObject({ status: 200, body: { client_id: 'svc', scope: 'api:read', public: false } });
    for (const text of [JSON.stringify(list.body), JSON.stringify(shown.body)]) {
      expect(text).not.toMatch(/"client_secret"|rotor_cs_/);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect((await admin(b, 'GET', '/clients/nobody', token)).status).toBe(404);
  });

  it('the admin API removes a client and rotates a secret only with a reason, at once on both instances', async () => {
    const token = await bearer('ops', 'admin:clients');
    for (const server of [a, b]) expect((await clientCredentials(server, 'victim', SECRET)).status).toBe(200);
    const noBody = await admin(a, 'DELETE', '/clients/victim', token);
    expect(noBody.status).toBe(400);
    expect(noBody.body.error_description).toMatch(/reason/);
    expect((await admin(a, 'DELETE', '/clients/victim', token, {})).status).toBe(400);
    expect((await admin(a, 'DELETE', '/clients/nobody', token, { reason: 'typo test' })).status).toBe(404);
    const removed = await admin(a, 'DELETE', '/clients/victim', token, { reason: 'credentials leaked' });
    let since = Date.now();
    expect(removed).toMatchObject({ status: 200, body: { client_id: 'victim', removed: true } });
    await Promise.all([a, b].map((server) => refusedWithinASecond(since, async () => (await clientCredentials(server, 'victim', SECRET)).body.error === 'invalid_client')));
    expect((await admin(b, 'GET', '/clients/victim', token)).status).toBe(404);

    expect((await admin(a, 'POST', '/clients/svc2/rotate-secret', token, {})).status).toBe(400);
    expect((await admin(a, 'POST', '/clients/nobody/rotate-secret', token, { reason: 'typo test' })).status).toBe(404);
    expect((await admin(a, 'POST', '/clients/spa/rotate-secret', token, { reason: 'public client' })).status).toBe(409);
    for (const [method, path] of [['POST', '/clients/rotor-console/rotate-secret'], ['DELETE', '/clients/rotor-console']] as const) {
      expect(await admin(a, method, path, token, { reason: 'the console is in the way' })).toMatchObject({ status: 409, body: { error: 'conflict', code: 'ROTOR_RESERVED_CLIENT' } });
    }
    expect((await admin(a, 'GET', '/clients/rotor-console', token)).status).toBe(200);
    const rotated = await admin(a, 'POST', '/clients/svc2/rotate-secret', token, { reason: 'scheduled rotation' });
    since = Date.now();
    expect(rotated.status).toBe(200);
    const secret = rotated.body.client_secret as string;
    expect(secret).toMatch(GENERATED);
    secrets.add(secret);
    await Promise.all([a, b].map((server) => refusedWithinASecond(since, async () => (await clientCredentials(server, 'svc2', SECRET)).body.error === 'invalid_client')));
    for (const server of [a, b]) expect((await clientCredentials(server, 'svc2', secret)).status).toBe(200);
  });

  it('the admin API lists users and disables and enables one with a reason; an unknown user is 404', async () => {
    const token = await bearer('ops', 'admin:clients');
    const listed = await admin(a, 'GET', '/users', token);
    expect(listed.status).toBe(200);
    expect((listed.body.users as Body[]).map((user) => user.username)).toEqual(['alice', 'bob', 'carol']);
    expect(JSON.stringify(listed.body)).not.toMatch(/scrypt|password/i);
    expect((await admin(a, 'POST', '/users/carol/disable', token, {})).status).toBe(400);
    expect((await admin(a, 'POST', '/users/nobody/disable', token, { reason: 'typo test' })).status).toBe(404);
    expect(await admin(a, 'POST', '/users/carol/disable', token, { reason: 'account compromised' })).toMatchObject({ status: 200, body: { username: 'carol', disabled: true } });
    expect((await admin(b, 'GET', '/users', token)).body.users).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'carol', disabled: true })]));
    expect(await admin(b, 'POST', '/users/carol/enable', token, { reason: 'password reset done' })).toMatchObject({ status: 200, body: { username: 'carol', disabled: false } });
  });

  it('every change is in the audit log as its principal, with its reason, and no secret or password', async () => {
    const token = await bearer('ops', 'admin:audit');
    const { status, body } = await admin(a, 'GET', '/audit?limit=500', token);
    expect(status).toBe(200);
    const events = body.events as Body[];
    /** The newest event of an action on a target by an actor (`cli:` for any CLI user). */
    const find = (action: string, target: string, actor: string, outcome = 'ok') => events.find((event) =>
      event.action === action && event.target === target && event.outcome === outcome && (actor === 'cli:' ? String(event.actor).startsWith('cli:') : event.actor === actor));
    expect(find('clients.add', 'ops', 'cli:')).toMatchObject({ detail: { scope: 'admin:clients admin:audit', public: false } });
    expect(find('clients.add', 'gen', 'cli:')).toMatchObject({ detail: { introspection: true } });
    expect(find('clients.remove', 'doomed', 'cli:')).toMatchObject({ reason: 'app decommissioned' });
    expect(find('clients.remove', 'nobody', 'cli:', 'refused')).toMatchObject({ detail: { code: 'ROTOR_UNKNOWN_CLIENT' } });
    expect(find('clients.rotate_secret', 'svc', 'cli:')).toMatchObject({ reason: 'rotation drill' });
    expect(find('users.add', 'bob', 'cli:')).toBeDefined();
    expect(find('users.disable', 'bob', 'cli:')).toMatchObject({ reason: 'left the company' });
    expect(find('users.set_password', 'bob', 'cli:')).toBeDefined();
    expect(find('users.enable', 'bob', 'cli:')).toBeDefined();
    expect(find('users.grant_role', 'carol', 'cli:')).toMatchObject({ detail: { role: 'security' } });
    expect(find('users.revoke_role', 'carol', 'cli:')).toMatchObject({ reason: 'drill over', detail: { role: 'security' } });
    expect(find('clients.remove', 'victim', 'client:ops')).toMatchObject({ reason: 'credentials leaked' });
    expect(find('clients.remove', 'nobody', 'client:ops', 'refused')).toMatchObject({ reason: 'typo test', detail: { code: 'ROTOR_UNKNOWN_CLIENT' } });
    expect(find('clients.rotate_secret', 'svc2', 'client:ops')).toMatchObject({ reason: 'scheduled rotation' });
    expect(find('clients.rotate_secret', 'spa', 'client:ops', 'refused')).toMatchObject({ detail: { code: 'ROTOR_PUBLIC_CLIENT' } });
    expect(find('users.disable', 'carol', 'client:ops')).toMatchObject({ reason: 'account compromised' });
    expect(find('users.enable', 'carol', 'client:ops')).toMatchObject({ reason: 'password reset done' });
    const text = JSON.stringify(events);
    for (const secret of [...secrets, PASSWORD, NEW_PASSWORD]) expect(text).not.toContain(secret);
    expect((await admin(a, 'GET', '/audit/verify', token)).body).toMatchObject({ ok: true });
  });
});
