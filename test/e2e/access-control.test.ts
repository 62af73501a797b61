import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import mongoose from 'mongoose';
import type { RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, Browser, hiddenField, pkcePair, tokenRequest } from '../helpers/browser.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SECRET = 'access-control-secret-0123456789abcdef';
const ADMIN = 'admin:keys admin:emergency admin:audit';
const PASSWORD = 'correct horse battery';

describe('only the security team reaches the control plane', () => {
  let cluster: Cluster;
  let issuer: string;
  let server: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('access', 1, { keys: { algorithms: ['ES256'] }, admin: { emergencyApprovals: 2, rotationMinInterval: '1s' }, session: { maxAge: '4s' } }, [
      ['--client-id', 'probe', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'legacy', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'ops', '--client-secret', SECRET, '--scope', ADMIN],
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'console', '--public', '--redirect-uri', REDIRECT, '--scope', `openid ${ADMIN}`],
      ['--client-id', 'console2', '--public', '--redirect-uri', REDIRECT, '--scope', `openid ${ADMIN}`],
      ['--client-id', 'web', '--client-secret', SECRET, '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'other', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'auditor', '--client-secret', SECRET, '--scope', 'api:read', '--introspection'],
    ]);
    ({ issuer } = cluster);
    [server] = cluster.servers as [RunningServer];
    await Promise.all([
      cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
      cliJson(['users', 'add', '--username', 'sam', '--role', 'security', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
      cliJson(['users', 'add', '--username', 'sue', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
    ]);
    await cliJson(['users', 'grant', 'sue', 'security'], cluster.cliEnv);
    // A registration from before `--scope` was required: its metadata lists no scope at all.
    const connection = await mongoose.createConnection(cluster.mongodbUri).asPromise();
    const doc = await connection.db!.collection<{ _id: string; metadata: string }>('clients').findOne({ _id: 'legacy' });
    const { scope: _dropped, ...unscoped } = JSON.parse(doc!.metadata) as Record<string, unknown>;
    await connection.db!.collection<{ _id: string }>('clients').updateOne({ _id: 'legacy' }, { $set: { metadata: JSON.stringify(unscoped) } });
    await connection.close();
  }, 90_000);

  afterAll(() => cluster?.close());

  const clientToken = (clientId: string, scope: string) => tokenRequest(server.url, { grant_type: 'client_credentials', scope }, [clientId, SECRET]);
  const admin = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${server.url}/admin${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A person's whole sign-in through a public client; the token response, or the error the flow ended in. */
  const signIn = async (clientId: string, username: string, scope: string): Promise<Record<string, unknown>> => {
    let code: string;
    let verifier: string;
    try {
      ({ code, verifier } = await authorize({ issuer, clientId, redirectUri: REDIRECT, scope, username, password: PASSWORD }));
    } catch (err) {
      return { error: (err as Error).message };
    }
    return (await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId })).body;
  };
  const scopesOf = (token: string): string[] => String(decodeJwt(token).scope ?? '').split(' ').filter(Boolean);

  it('a client registered for other scopes gets no admin scope, and no admin token', async () => {
    const { status, body } = await clientToken('probe', 'admin:emergency admin:audit');
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
  });

  it('a client whose registration lists no scope at all gets no admin scope (never "every scope of the resource")', async () => {
    const { status, body } = await clientToken('legacy', 'admin:emergency admin:audit');
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    const plain = await clientToken('legacy', 'api:read');
    expect(plain.status).toBe(400);
  });

  it('a client registered for admin scopes acts for itself, and the audit log names it client:<id>', async () => {
    const { status, body } = await clientToken('ops', ADMIN);
    expect(status).toBe(200);
    const token = body.access_token as string;
    expect(decodeJwt(token).sub).toBe('ops');
    expect((await admin('GET', '/keys', token)).status).toBe(200);
    const { body: audit } = await admin('GET', '/audit?limit=1', token);
    expect((audit.events as Array<Record<string, unknown>>)[0]).toMatchObject({ action: 'admin.keys.list', actor: 'client:ops' });
  });

  it('an ordinary user through a client without admin scopes gets no admin access', async () => {
    const tokens = await signIn('spa', 'alice', 'openid admin:keys admin:emergency');
    const accessToken = tokens.access_token;
    if (typeof accessToken === 'string' && accessToken.split('.').length === 3) {
      expect(scopesOf(accessToken).filter((scope) => scope.startsWith('admin:'))).toEqual([]);
      expect((await admin('GET', '/keys', accessToken)).status).not.toBe(200);
    } else {
      expect(tokens.error ?? tokens.access_token).toBeDefined();
    }
    expect(JSON.stringify(tokens)).not.toMatch(/admin:emergency/);
  });

  it('an ordinary user through an admin-scoped client gets no admin scope: 403 from the admin API', async () => {
    const tokens = await signIn('console', 'alice', `openid ${ADMIN}`);
    const accessToken = tokens.access_token as string;
    expect(decodeJwt(accessToken).aud).toBe(`${issuer}/admin`);
    expect(scopesOf(accessToken)).toEqual([]);
    const refused = await admin('GET', '/keys', accessToken);
    expect(refused).toMatchObject({ status: 403, body: { error: 'insufficient_scope', code: 'ROTOR_INSUFFICIENT_SCOPE' } });
    expect((await admin('POST', '/keys/rollover', accessToken, { reason: 'probe', dryRun: true })).status).toBe(403);
  });

  it('a security user through an admin-scoped client rotates, and the audit names that user and the client', async () => {
    const tokens = await signIn('console', 'sam', 'openid admin:keys admin:audit');
    const accessToken = tokens.access_token as string;
    expect(scopesOf(accessToken).sort()).toEqual(['admin:audit', 'admin:keys']);
    const rotated = await admin('POST', '/keys/rotate', accessToken, { reason: 'quarterly rotation' });
    expect(rotated.status).toBe(202);
    const { body } = await admin('GET', '/audit?limit=5', accessToken);
    const event = (body.events as Array<Record<string, unknown>>).find((e) => e.action === 'keys.rotate');
    expect(event).toMatchObject({ actor: 'user:sam', client: 'console', outcome: 'ok' });
  });

  it('a security role taken away stops the person at once, whatever their token says', async () => {
    await cliJson(['users', 'grant', 'alice', 'security'], cluster.cliEnv);
    const tokens = await signIn('console', 'alice', 'openid admin:keys');
    const accessToken = tokens.access_token as string;
    expect(scopesOf(accessToken)).toEqual(['admin:keys']);
    expect((await admin('GET', '/keys', accessToken)).status).toBe(200);
    await cliJson(['users', 'revoke-role', 'alice', 'security'], cluster.cliEnv);
    await sleep(300);
    expect((await admin('GET', '/keys', accessToken)).status).toBe(403);
  });

  it('under the two-person rule the same person through another client cannot approve; another person can', async () => {
    const samTokens = await signIn('console', 'sam', 'openid admin:emergency');
    const samOther = await signIn('console2', 'sam', 'openid admin:emergency');
    const sueTokens = await signIn('console', 'sue', 'openid admin:emergency');
    const requested = await admin('POST', '/keys/rollover', samTokens.access_token as string, { reason: 'key seen in a log' });
    expect(requested.status).toBe(202);
    const id = requested.body.requestId as string;
    const same = await admin('POST', `/emergency/${id}/approve`, samOther.access_token as string, { reason: 'looks right' });
    expect(same.status).toBe(403);
    expect(same.body.error_description).toMatch(/different person/);
    expect(same.body.code).toBe('ROTOR_SAME_APPROVER');
    const approved = await admin('POST', `/emergency/${id}/approve`, sueTokens.access_token as string, { reason: 'confirmed with sam' });
    expect(approved.status).toBe(200);
    // The key that signed, and the pending one an earlier test published (revoked with it by default).
    expect(approved.body.revokedKids).toHaveLength(2);
  });
});

describe('OAuth hardening', () => {
  let cluster: Cluster;
  let issuer: string;

  beforeAll(async () => {
    cluster = await startCluster('hardening', 1, { session: { maxAge: '3s' } }, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--post-logout-redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'web', '--client-secret', SECRET, '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'other', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'auditor', '--client-secret', SECRET, '--scope', 'api:read', '--introspection'],
    ]);
    ({ issuer } = cluster);
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`);
  }, 90_000);

  afterAll(() => cluster?.close());

  const redeem = (clientId: string, code: string, verifier: string, basic?: [string, string]) => tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, ...(basic ? {} : { client_id: clientId }) }, basic);
  const introspect = async (token: string, as: string) => {
    const res = await fetch(`${issuer}/token/introspection`, { method: 'POST', body: new URLSearchParams({ token }), headers: { authorization: `Basic ${Buffer.from(`${as}:${SECRET}`).toString('base64')}` } });
    return (await res.json()) as Record<string, unknown>;
  };

  it('a confidential client without PKCE gets invalid_request', async () => {
    const params = new URLSearchParams({ client_id: 'web', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'xyz' });
    const res = await fetch(`${issuer}/auth?${params}`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!, issuer);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/i);
  });

  it('an OpenID sign-in without offline_access gets no refresh token; with it, one', async () => {
    const without = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid api:read', username: 'alice', password: PASSWORD });
    const plain = await redeem('spa', without.code, without.verifier);
    expect(plain.status).toBe(200);
    expect(plain.body.refresh_token).toBeUndefined();
    const withOffline = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access', username: 'alice', password: PASSWORD });
    expect(typeof (await redeem('spa', withOffline.code, withOffline.verifier)).body.refresh_token).toBe('string');
  });

  it('signing out revokes the grants issued without offline_access, and keeps the offline ones', async () => {
    const browser = new Browser();
    const online = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid', username: 'alice', password: PASSWORD, browser });
    const onlineTokens = (await redeem('spa', online.code, online.verifier)).body;
    const userinfo = (token: string) => fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await userinfo(onlineTokens.access_token as string)).status).toBe(200);
    const offline = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access', username: 'alice', password: PASSWORD, browser });
    const offlineTokens = (await redeem('spa', offline.code, offline.verifier)).body;

    const page = await browser.request(`${issuer}/session/end?${new URLSearchParams({ id_token_hint: onlineTokens.id_token as string, post_logout_redirect_uri: REDIRECT })}`);
    const xsrf = hiddenField(await page.text(), 'xsrf');
    const done = await browser.postForm(`${issuer}/session/end/confirm`, { xsrf, logout: 'yes' });
    expect(done.status).toBe(303);
    expect((await userinfo(onlineTokens.access_token as string)).status).toBe(401);
    const refreshed = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: offlineTokens.refresh_token as string, client_id: 'spa' });
    expect(refreshed.status).toBe(200);
  });

  it('a session ends session.maxAge after the login, however busy', async () => {
    const browser = new Browser();
    await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid', username: 'alice', password: PASSWORD, browser });
    const silent = async (): Promise<URL> => {
      const { challenge } = pkcePair();
      const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' });
      let res = await browser.request(`${issuer}/auth?${params}`);
      for (let hops = 0; hops < 5 && !res.headers.get('location')?.startsWith(REDIRECT); hops++) res = await browser.request(new URL(res.headers.get('location')!, issuer).toString());
      return new URL(res.headers.get('location')!);
    };
    expect((await silent()).searchParams.get('code')).toBeTruthy();
    await sleep(3500);
    expect((await silent()).searchParams.get('error')).toBe('login_required');
  });

  it("introspection of another client's token answers active: false, unless the caller was registered with --introspection", async () => {
    const { code, verifier } = await authorize({ issuer, clientId: 'web', redirectUri: REDIRECT, scope: 'openid offline_access', username: 'alice', password: PASSWORD });
    const tokens = (await redeem('web', code, verifier, ['web', SECRET])).body;
    const refreshToken = tokens.refresh_token as string;
    expect((await introspect(refreshToken, 'web')).active).toBe(true);
    expect(await introspect(refreshToken, 'other')).toEqual({ active: false });
    expect((await introspect(refreshToken, 'auditor')).active).toBe(true);
  });
});
