import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { createVerifier, expressMiddleware, koaMiddleware, VerifierError, type Verifier } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

/** The same behaviour is expected from both middleware; `app` builds a server protecting `/` with `scope`. */
const frameworks: Array<[string, (verifier: Pick<Verifier, 'verify'>, scope?: string) => Server]> = [
  ['koa', (verifier, scope) => {
    const app = new Koa();
    app.silent = true;
    app.use(koaMiddleware(verifier, { scope, realm: 'things' }));
    app.use((ctx) => { ctx.body = { auth: ctx.state.auth }; });
    return createServer(app.callback());
  }],
  ['express', (verifier, scope) => {
    const guard = expressMiddleware(verifier, { scope, realm: 'things' });
    return createServer((req, res) => guard(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        res.end(String(err));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ auth: (req as { auth?: unknown }).auth }));
    }));
  }],
];

describe.each(frameworks)('the %s middleware', (_name, build) => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let verifier: Verifier;
  let open: string;
  let scoped: string;
  let down: string;
  let broken: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: recordingLogger() });
    const unreachable = { verify: () => Promise.reject(new VerifierError('issuer_unreachable', 'the issuer\'s keys could not be fetched', { retryAfterSec: 7 })) };
    const failing = { verify: () => Promise.reject(new Error('bug')) };
    servers.push(build(verifier), build(verifier, 'api:read'), build(unreachable), build(failing));
    [open, scoped, down, broken] = (await Promise.all(servers.map(listen))) as [string, string, string, string];
  });

  afterAll(async () => {
    await Promise.all(servers.map(close));
    await verifier.close();
    await issuer.stop();
  });

  const get = (url: string, authorization?: string) => fetch(url, { headers: authorization ? { authorization } : {} });

  it('lets a valid token through with its claims on the request', async () => {
    const res = await get(open, `Bearer ${await issuer.token(key)}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { auth: { client_id: string } }).auth.client_id).toBe('svc');
    expect((await get(open, `bearer  ${await issuer.token(key)}`)).status).toBe(200);
  });

  it('no token: 401 with a bare Bearer challenge, no error code', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
      const res = await get(open, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="things"');
    }
  });

  it('a bad token: 401 invalid_token with a description', async () => {
    const expired = await issuer.token(key, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const res = await get(open, `Bearer ${expired}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="things", error="invalid_token", error_description="the token has expired"');
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the token has expired' });
    for (const authorization of ['Bearer not-a-jwt', 'Bearer', 'Bearer a b']) {
      const junk = await get(open, authorization);
      expect(junk.status).toBe(401);
      expect(junk.headers.get('www-authenticate')).toMatch(/^Bearer realm="things", error="invalid_token", error_description="[^"\\]+"$/);
    }
  });

  it('a token without the required scope: 403 insufficient_scope naming it', async () => {
    const res = await get(scoped, `Bearer ${await issuer.token(key, { scope: 'api:write' })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="things", error="insufficient_scope", error_description="this call needs the scope api:read", scope="api:read"');
    expect((await get(scoped, `Bearer ${await issuer.token(key, { scope: undefined })}`)).status).toBe(403);
    expect((await get(scoped, `Bearer ${await issuer.token(key, { scope: 'openid api:read' })}`)).status).toBe(200);
  });

  it('the issuer unreachable: 503 with Retry-After, not a 401 the client would give up on', async () => {
    const res = await get(down, `Bearer ${await issuer.token(key)}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });

  it('an unexpected failure is not mistaken for a bad token', async () => {
    expect((await get(broken, `Bearer ${await issuer.token(key)}`)).status).toBe(500);
  });
});
