import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Koa from 'koa';
import { createVerifier, expressMiddleware, koaMiddleware, VerifierError, type MiddlewareOptions, type Verifier, type VerifierLike } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

/** A DPoP client: its key, the key's thumbprint, and proofs signed with it. */
interface DpopClient {
  jkt: string;
  proof(method: string, url: string, token: string): Promise<string>;
}

async function dpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (method, url, token) => new SignJWT({ htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(privateKey),
  };
}

/** The same behaviour is expected from both middleware; `app` builds a server protecting every path with `options`. */
const frameworks: Array<[string, (verifier: VerifierLike, options?: MiddlewareOptions) => Server]> = [
  ['koa', (verifier, options) => {
    const app = new Koa();
    app.silent = true;
    app.use(koaMiddleware(verifier, { ...options, realm: 'things' }));
    app.use((ctx) => { ctx.body = { auth: ctx.state.auth }; });
    return createServer(app.callback());
  }],
  ['express', (verifier, options) => {
    const guard = expressMiddleware(verifier, { ...options, realm: 'things' });
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
  let proxied: string;
  let client: DpopClient;
  let algs: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: recordingLogger() });
    const unreachable = { verify: () => Promise.reject(new VerifierError('issuer_unreachable', 'the issuer\'s keys could not be fetched', { retryAfterSec: 7 })) };
    const failing = { verify: () => Promise.reject(new Error('bug')) };
    servers.push(build(verifier), build(verifier, { scope: 'api:read' }), build(unreachable), build(failing), build(verifier, { publicUrl: 'https://api.example.com/base/' }));
    [open, scoped, down, broken, proxied] = (await Promise.all(servers.map(listen))) as [string, string, string, string, string];
    client = await dpopClient();
    algs = verifier.dpopAlgorithms.join(' ');
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

  /** A request with the DPoP scheme and, when given, `DPoP` headers. */
  const withDpop = (url: string, token: string, ...proofs: string[]) =>
    fetch(url, { headers: [['authorization', `DPoP ${token}`], ...proofs.map((proof): [string, string] => ['dpop', proof])] });
  const bound = () => issuer.token(key, { cnf: { jkt: client.jkt } });

  it('a DPoP-bound token with the DPoP scheme and a fresh proof: through with its claims; the same proof again: invalid_dpop_proof', async () => {
    const token = await bound();
    const proof = await client.proof('GET', `${open}/things`, token);
    const res = await withDpop(`${open}/things?page=2`, token, proof);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { auth: { client_id: string } }).auth.client_id).toBe('svc');
    const again = await withDpop(`${open}/things`, token, proof);
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toBe(`DPoP realm="things", error="invalid_dpop_proof", error_description="the DPoP proof has been used before", algs="${algs}"`);
    expect(await again.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'the DPoP proof has been used before' });
    const lower = await fetch(`${open}/`, { headers: { authorization: `dpop  ${token}`, dpop: await client.proof('GET', `${open}/`, token) } });
    expect(lower.status).toBe(200);
  });

  it('a DPoP-bound token sent as Bearer: 401 invalid_token with a DPoP challenge, proof or not', async () => {
    const token = await bound();
    for (const headers of [{ authorization: `Bearer ${token}` }, { authorization: `Bearer ${token}`, dpop: await client.proof('GET', `${open}/`, token) }]) {
      const res = await fetch(`${open}/`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`DPoP realm="things", error="invalid_token", error_description="the token is bound to a key: send it with the DPoP scheme and a DPoP proof", algs="${algs}"`);
    }
  });

  it('the DPoP scheme without a proof, with two, or with one for another URL, method or token: 401 invalid_dpop_proof', async () => {
    const token = await bound();
    const proofs = [
      [],
      [await client.proof('GET', `${open}/`, token), await client.proof('GET', `${open}/`, token)],
      [await client.proof('GET', `${open}/elsewhere`, token)],
      [await client.proof('POST', `${open}/`, token)],
      [await client.proof('GET', `${open}/`, await bound())],
    ];
    for (const proof of proofs) {
      const res = await withDpop(`${open}/`, token, ...proof);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP realm="things", error="invalid_dpop_proof", error_description="[^"\\\\]+", algs="${algs}"$`));
    }
  });

  it('a proof from another key than the token is bound to, or a token that is not bound: 401 invalid_token', async () => {
    const stranger = await dpopClient();
    const token = await bound();
    const res = await withDpop(`${open}/`, token, await stranger.proof('GET', `${open}/`, token));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP realm="things", error="invalid_token", error_description="the DPoP proof is signed with another key than the one the token is bound to", algs="/);
    const unbound = await issuer.token(key);
    const plain = await withDpop(`${open}/`, unbound, await client.proof('GET', `${open}/`, unbound));
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).toMatch(/^DPoP realm="things", error="invalid_token", error_description="a DPoP proof came with a token that is not bound to a key"/);
    const expired = await issuer.token(key, { cnf: { jkt: client.jkt }, exp: Math.floor(Date.now() / 1000) - 3600 });
    const late = await withDpop(`${open}/`, expired, await client.proof('GET', `${open}/`, expired));
    expect(late.headers.get('www-authenticate')).toBe(`DPoP realm="things", error="invalid_token", error_description="the token has expired", algs="${algs}"`);
  });

  it('a DPoP request short of a scope: 403 insufficient_scope with a DPoP challenge', async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt }, scope: 'api:write' });
    const res = await withDpop(`${scoped}/`, token, await client.proof('GET', `${scoped}/`, token));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(`DPoP realm="things", error="insufficient_scope", error_description="this call needs the scope api:read", scope="api:read", algs="${algs}"`);
  });

  it('behind a proxy, a proof is for publicUrl and the path, not for the address the server listens on', async () => {
    const token = await bound();
    expect((await withDpop(`${proxied}/things?x=1`, token, await client.proof('GET', 'https://api.example.com/base/things', token))).status).toBe(200);
    const local = await withDpop(`${proxied}/things`, token, await client.proof('GET', `${proxied}/things`, token));
    expect(local.status).toBe(401);
    expect(local.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
  });
});
