import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import type { RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, tokenRequest, Browser, hiddenField } from '../helpers/browser.js';
import mongoose from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { dumpDatabase } from '../helpers/database.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('OpenID Connect flows on two instances of one deployment', () => {
  let cluster: Cluster;
  let issuer: string;
  let mongodbUri: string;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('flows', 2, {}, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access profile api:read'],
      ['--client-id', 'svc', '--client-secret', 'svc-secret-0123456789-abcdefghijkl', '--scope', 'api:read api:write'],
      ['--client-id', 'web', '--client-secret', 'web-secret-0123456789-abcdefghijkl', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
    ]);
    ({ issuer, mongodbUri } = cluster);
    [a, b] = cluster.servers as [RunningServer, RunningServer];
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, 'correct horse battery\n');
  }, 60_000);

  afterAll(() => cluster?.close());

  const login = () => authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access profile api:read', username: 'alice', password: 'correct horse battery' });
  const redeem = async (code: string, verifier: string) => tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'spa' });
  const refresh = async (at: RunningServer, token: string) => tokenRequest(at.url, { grant_type: 'refresh_token', refresh_token: token, client_id: 'spa' });

  it('a public client signs in through the HTML form with PKCE and its access token verifies against /jwks', async () => {
    const { code, verifier } = await login();
    const { status, body } = await redeem(code, verifier);
    expect(status).toBe(200);
    expect(typeof body.refresh_token).toBe('string');
    expect(typeof body.id_token).toBe('string');
    const accessToken = body.access_token as string;
    expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt');
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: `${issuer}/api`, typ: 'at+jwt' });
    expect(payload.scope).toBe('api:read');
    expect(payload.client_id).toBe('spa');
    const { payload: idToken } = await jwtVerify(body.id_token as string, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: 'spa' });
    expect(idToken.sub).toBe(payload.sub);
  });

  it('three refreshes in a row each rotate the refresh token and issue a verifiable access token', async () => {
    const { code, verifier } = await login();
    let current = (await redeem(code, verifier)).body.refresh_token as string;
    const seen = new Set([current]);
    for (let i = 0; i < 3; i++) {
      const { status, body } = await refresh(a, current);
      expect(status).toBe(200);
      await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: `${issuer}/api` });
      current = body.refresh_token as string;
      expect(seen.has(current)).toBe(false);
      seen.add(current);
    }
  });

  it('a confidential client\'s refresh token rotates on every use too', async () => {
    const { code, verifier } = await authorize({ issuer, clientId: 'web', redirectUri: REDIRECT, scope: 'openid offline_access api:read', username: 'alice', password: 'correct horse battery' });
    const web: [string, string] = ['web', 'web-secret-0123456789-abcdefghijkl'];
    const first = (await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, web)).body.refresh_token as string;
    const second = await tokenRequest(a.url, { grant_type: 'refresh_token', refresh_token: first }, web);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first);
    const replay = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: first }, web);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('a refresh token issued by one instance is accepted by the other', async () => {
    const { code, verifier } = await login();
    const first = await redeem(code, verifier);
    const { status, body } = await refresh(b, first.body.refresh_token as string);
    expect(status).toBe(200);
    const again = await refresh(a, body.refresh_token as string);
    expect(again.status).toBe(200);
  });

  it('replaying a used refresh token is invalid_grant and revokes the whole grant, newest token too', async () => {
    const { code, verifier } = await login();
    const original = (await redeem(code, verifier)).body.refresh_token as string;
    const rotated = (await refresh(a, original)).body.refresh_token as string;
    const replay = await refresh(b, original);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const newest = await refresh(a, rotated);
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    const audit = (await dumpDatabase(mongodbUri)).audit_events as Array<{ action: string; actor: string; outcome: string }>;
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'refresh_token.reuse', actor: 'client:spa', outcome: 'ok' })]));
  });

  it('the same refresh token sent five times at once is honoured once, and the grant is revoked', async () => {
    // Three rounds: a request still in flight when the grant is revoked must lose too.
    for (let round = 0; round < 3; round++) {
      const { code, verifier } = await login();
      const token = (await redeem(code, verifier)).body.refresh_token as string;
      const answers = await Promise.all([a, b, a, b, a].map((server) => refresh(server, token)));
      const won = answers.filter((answer) => answer.status === 200);
      expect(won).toHaveLength(1);
      for (const lost of answers.filter((answer) => answer.status !== 200)) expect(lost.body.error).toBe('invalid_grant');
      const next = await refresh(a, won[0]!.body.refresh_token as string);
      expect(next.body.error).toBe('invalid_grant');
    }
  });

  it('a spent refresh token introspects inactive while its successor is active', async () => {
    const { code, verifier } = await login();
    const original = (await redeem(code, verifier)).body.refresh_token as string;
    const successor = (await refresh(a, original)).body.refresh_token as string;
    const introspect = async (token: string) => (await fetch(`${b.url}/token/introspection`, { method: 'POST', body: new URLSearchParams({ token, client_id: 'spa' }) })).json() as Promise<Record<string, unknown>>;
    expect(await introspect(original)).toEqual({ active: false });
    expect((await introspect(successor)).active).toBe(true);
  });

  it('a spent refresh token shown by another client is invalid_grant and revokes its grant', async () => {
    const { code, verifier } = await login();
    const original = (await redeem(code, verifier)).body.refresh_token as string;
    const successor = (await refresh(a, original)).body.refresh_token as string;
    const stolen = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: original }, ['web', 'web-secret-0123456789-abcdefghijkl']);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(a, successor)).body.error).toBe('invalid_grant');
  });

  it('a grant revoked on one instance is forgotten by the other at once: a refresh token that outlived the revocation is refused', async () => {
    const { code, verifier } = await login();
    const original = (await redeem(code, verifier)).body.refresh_token as string;
    // A refresh on b: b now holds the grant in its cache.
    const successor = (await refresh(b, original)).body.refresh_token as string;
    const connection = await mongoose.createConnection(mongodbUri).asPromise();
    try {
      const tokens = connection.db!.collection('oidc_refresh_token');
      const [stored] = await tokens.find({}).sort({ createdAt: -1 }).limit(1).toArray();
      const revoke = await fetch(`${a.url}/token/revocation`, { method: 'POST', body: new URLSearchParams({ token: successor, client_id: 'spa' }) });
      expect(revoke.status).toBe(200);
      // What a refresh racing the revocation may leave: a live successor, stored after the grant's tokens were revoked.
      await tokens.replaceOne({ _id: stored!._id }, stored!);
      await sleep(300);
      expect((await refresh(b, successor)).body.error).toBe('invalid_grant');
    } finally {
      await connection.close();
    }
  });

  it('client credentials gets a JWT for the default resource', async () => {
    const { status, body } = await tokenRequest(b.url, { grant_type: 'client_credentials', scope: 'api:write' }, ['svc', 'svc-secret-0123456789-abcdefghijkl']);
    expect(status).toBe(200);
    const { payload } = await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(`${a.url}/jwks`)), { issuer, audience: `${issuer}/api` });
    expect(payload.scope).toBe('api:write');
    expect(payload.sub).toBe('svc');
  });

  it('introspection reports a live refresh token active and a revoked one inactive', async () => {
    const { code, verifier } = await login();
    const token = (await redeem(code, verifier)).body.refresh_token as string;
    const introspect = async () => (await fetch(`${issuer}/token/introspection`, { method: 'POST', body: new URLSearchParams({ token, client_id: 'spa' }) })).json() as Promise<Record<string, unknown>>;
    const live = await introspect();
    expect(live.active).toBe(true);
    expect(live.client_id).toBe('spa');
    expect(typeof live.sub).toBe('string');
    const revoke = await fetch(`${b.url}/token/revocation`, { method: 'POST', body: new URLSearchParams({ token, client_id: 'spa' }) });
    expect(revoke.status).toBe(200);
    expect((await introspect()).active).toBe(false);
    expect((await refresh(a, token)).body.error).toBe('invalid_grant');
    const audit = (await dumpDatabase(mongodbUri)).audit_events as Array<{ action: string; actor: string }>;
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'grant.revoke', actor: 'client:spa' })]));
  });

  it('userinfo answers for a token of OpenID scopes only', async () => {
    const { code, verifier } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid profile', username: 'alice', password: 'correct horse battery' });
    const { body } = await redeem(code, verifier);
    const res = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    expect(res.status).toBe(200);
    const claims = (await res.json()) as Record<string, unknown>;
    expect(claims.preferred_username).toBe('alice');
  });

  it('a wrong password shows the form again with a clear message and no code', async () => {
    const browser = new Browser();
    const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const start = await browser.request(`${issuer}/auth?${params}`);
    const page = new URL(start.headers.get('location')!, issuer).toString();
    const html = await (await browser.request(page)).text();
    const res = await browser.postForm(`${page}/login`, { login: 'alice', password: 'wrong password', csrf: hiddenField(html, 'csrf') });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('Wrong username or password.');
    expect(body).toContain('role="alert"');
  });

  it('a login post without the CSRF token of its interaction is refused', async () => {
    const browser = new Browser();
    const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const start = await browser.request(`${issuer}/auth?${params}`);
    const page = new URL(start.headers.get('location')!, issuer).toString();
    await browser.request(page);
    const res = await browser.postForm(`${page}/login`, { login: 'alice', password: 'correct horse battery', csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('end session is served at the path discovery gives', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery.jwks_uri).toBe(`${issuer}/jwks`);
    const res = await fetch(discovery.end_session_endpoint!, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
  });
});
