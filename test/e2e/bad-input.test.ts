import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../helpers/server.js';
import { cliJson } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { authorize, tokenRequest } from '../helpers/browser.js';
import { dropDatabase } from '../helpers/database.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('bad input gets a 4xx with an OAuth error, never a 5xx', () => {
  const mongodbUri = uniqueMongoUri('badinput');
  const kek = newKek();
  let server: RunningServer;
  let issuer: string;

  beforeAll(async () => {
    server = await startServer({ mongodbUri, kek });
    issuer = server.url.replace('127.0.0.1', 'localhost');
    const env = { MONGODB_URI: mongodbUri, KEK: kek };
    await cliJson(['users', 'add', '--username', 'bob', '--password', 'bobs-password'], env);
    await cliJson(['clients', 'add', '--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid api:read'], env);
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', 'svc-secret-0123456789-abcdefghijkl', '--scope', 'api:read api:write'], env);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  const post = (path: string, body: string, contentType: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': contentType } });

  async function expectOAuthError(res: Response, status: number, error?: string): Promise<void> {
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.error).toBe('string');
    expect(typeof body.error_description).toBe('string');
    if (error) expect(body.error).toBe(error);
  }

  it.each([
    ['a JSON body', '{"grant_type":', 'application/json'],
    ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x13]).toString('latin1'), 'application/x-www-form-urlencoded'],
    ['an empty form', '', 'application/x-www-form-urlencoded'],
    ['a repeated parameter', 'grant_type=client_credentials&grant_type=client_credentials', 'application/x-www-form-urlencoded'],
  ])('the token endpoint refuses %s', async (_name, body, type) => {
    const res = await post('/token', body, type);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as Record<string, unknown>;
    expect(typeof json.error).toBe('string');
  });

  it('an unknown grant type is unsupported_grant_type', async () => {
    const { status, body } = await tokenRequest(server.url, { grant_type: 'password', username: 'bob', password: 'bobs-password' }, ['svc', 'svc-secret-0123456789-abcdefghijkl']);
    expect(status).toBe(400);
    expect(body.error).toBe('unsupported_grant_type');
  });

  it('an unknown client is invalid_client', async () => {
    await expectOAuthError(await post('/token', 'grant_type=client_credentials&client_id=nobody&client_secret=x', 'application/x-www-form-urlencoded'), 401, 'invalid_client');
  });

  it('a wrong client secret is invalid_client', async () => {
    const { status, body } = await tokenRequest(server.url, { grant_type: 'client_credentials' }, ['svc', 'wrong']);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('a wrong PKCE verifier is invalid_grant, and the code is then spent', async () => {
    const { code, verifier } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid api:read', username: 'bob', password: 'bobs-password' });
    const wrong = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: `${verifier}x`, redirect_uri: REDIRECT, client_id: 'spa' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('a public client without PKCE is refused at the authorization endpoint', async () => {
    const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid' });
    const res = await fetch(`${issuer}/auth?${params}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('an unknown client at the authorization endpoint gets the error page', async () => {
    const res = await fetch(`${issuer}/auth?client_id=ghost&response_type=code&scope=openid`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_client');
  });

  it('an unknown interaction is a 4xx page, not a crash', async () => {
    const res = await fetch(`${server.url}/interaction/does-not-exist`, { headers: { accept: 'text/html' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const post = await fetch(`${server.url}/interaction/does-not-exist/login`, { method: 'POST', body: 'login=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
  });

  it('an unknown resource indicator is invalid_target', async () => {
    const { status, body } = await tokenRequest(server.url, { grant_type: 'client_credentials', resource: 'https://elsewhere.example/api' }, ['svc', 'svc-secret-0123456789-abcdefghijkl']);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it('introspection and revocation without client authentication are refused', async () => {
    await expectOAuthError(await post('/token/introspection', 'token=abc', 'application/x-www-form-urlencoded'), 400);
    await expectOAuthError(await post('/token/revocation', 'token=abc', 'application/x-www-form-urlencoded'), 400);
  });

  it('an invalid bearer token at userinfo is a 401', async () => {
    const res = await fetch(`${server.url}/me`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
  });

  it('the server log holds no secret that was sent to it', () => {
    expect(server.output()).not.toContain('bobs-password');
    expect(server.output()).not.toContain('svc-secret-0123456789-abcdefghijkl');
  });
});
