import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createResourceServer } from '../../examples/resource-server/app.js';
import { createVerifier, type Verifier } from '../../src/verifier/index.js';
import { tokenRequest } from '../helpers/browser.js';
import { cliJson } from '../helpers/cli.js';
import { dropDatabase } from '../helpers/database.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { FAST_POLICY } from '../helpers/fast-policy.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { freePort, startServer, writeConfig, type RunningServer } from '../helpers/server.js';

const SECRET = 'dpop-e2e-secret-0123456789abcdefghij';

/** A client's DPoP key pair and the proofs it signs (RFC 9449 §4.2). */
async function dpopKey(): Promise<{ jkt: string; proof(method: string, url: string, accessToken?: string): Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (method, url, accessToken) => new SignJWT({
      htm: method,
      htu: url,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).sign(privateKey),
  };
}

describe('DPoP: Rotor binds client_credentials tokens to the client\'s key, and rotor/verifier holds them to it', () => {
  const mongodbUri = uniqueMongoUri('dpop');
  const kek = newKek();
  const config = { ...FAST_POLICY, queue: { prefix: `rotor-test-${Date.now()}` } };
  let server: RunningServer;
  let verifier: Verifier;
  let app: Server;
  let api: string;

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    server = await startServer({ mongodbUri, kek, config, port, issuer });
    const env = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(config) };
    await cliJson(['clients', 'add', '--client-id', 'dpop-backend', '--client-secret', SECRET, '--scope', 'api:read'], env);
    await cliJson(['clients', 'add', '--client-id', 'dpop-ops', '--client-secret', SECRET, '--scope', 'admin:keys'], env);
    verifier = createVerifier({ issuer, audience: `${issuer}/api`, logger: recordingLogger() });
    app = createResourceServer(verifier).listen(0, '127.0.0.1');
    await new Promise((r) => app.once('listening', r));
    api = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => app?.close(r));
    await verifier?.close();
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  /** POST /token with client_secret_basic and, when given, a DPoP proof. */
  const requestToken = async (dpop?: string, clientId = 'dpop-backend', scope = 'api:read'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
        ...(dpop ? { dpop } : {}),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const hello = (authorization: string, dpop?: string) => fetch(`${api}/hello`, { headers: { authorization, ...(dpop ? { dpop } : {}) } });

  it('a token issued with a DPoP proof is refused as Bearer and without a proof, accepted once per fresh proof', async () => {
    const key = await dpopKey();
    const { status, body } = await requestToken(await key.proof('POST', `${server.url}/token`));
    expect(status).toBe(200);
    expect(body.token_type).toBe('DPoP');
    const token = body.access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ jkt: key.jkt });

    const asBearer = await hello(`Bearer ${token}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="api", error="invalid_token", error_description="the token is bound to a key[^"]*", algs="[^"]*ES256[^"]*"$/);

    const noProof = await hello(`DPoP ${token}`);
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');

    const proof = await key.proof('GET', `${api}/hello`, token);
    const accepted = await hello(`DPoP ${token}`, proof);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ hello: 'dpop-backend', scope: 'api:read' });

    const replayed = await hello(`DPoP ${token}`, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof", error_description="the DPoP proof has been used before"');

    expect((await hello(`DPoP ${token}`, await key.proof('GET', `${api}/hello`, token))).status).toBe(200);
  });

  it('a proof signed with another key than the token is bound to is refused as an invalid token', async () => {
    const key = await dpopKey();
    const { body } = await requestToken(await key.proof('POST', `${server.url}/token`));
    const token = body.access_token as string;
    const thief = await dpopKey();
    const stolen = await hello(`DPoP ${token}`, await thief.proof('GET', `${api}/hello`, token));
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP realm="api", error="invalid_token", error_description="the DPoP proof is signed with another key/);
  });

  it('a token issued without a proof is a plain bearer token, as before, and refused with the DPoP scheme', async () => {
    const { status, body } = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'api:read' }, ['dpop-backend', SECRET]);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    const token = body.access_token as string;
    expect(decodeJwt(token).cnf).toBeUndefined();
    expect((await hello(`Bearer ${token}`)).status).toBe(200);
    const key = await dpopKey();
    const asDpop = await hello(`DPoP ${token}`, await key.proof('GET', `${api}/hello`, token));
    expect(asDpop.status).toBe(401);
    expect(asDpop.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('the admin API refuses a DPoP-bound token as Bearer or without a proof, and accepts it with one, once', async () => {
    const key = await dpopKey();
    const { status, body } = await requestToken(await key.proof('POST', `${server.url}/token`), 'dpop-ops', 'admin:keys');
    expect(status).toBe(200);
    expect(body.token_type).toBe('DPoP');
    const token = body.access_token as string;
    const keys = `${server.url}/admin/keys`;
    const admin = (authorization: string, dpop?: string) => fetch(keys, { headers: { authorization, ...(dpop ? { dpop } : {}) } });

    const asBearer = await admin(`Bearer ${token}`);
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="rotor-admin", error="invalid_token"/);
    expect((await admin(`DPoP ${token}`)).status).toBe(401);
    const proof = await key.proof('GET', keys, token);
    expect((await admin(`DPoP ${token}`, proof)).status).toBe(200);
    const replayed = await admin(`DPoP ${token}`, proof);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    const wrongPath = await admin(`DPoP ${token}`, await key.proof('GET', `${server.url}/admin/audit`, token));
    expect(wrongPath.status).toBe(401);
    const thief = await dpopKey();
    expect((await admin(`DPoP ${token}`, await thief.proof('GET', keys, token))).status).toBe(401);
  });
});
