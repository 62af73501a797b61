import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT, type JWTPayload } from 'jose';
import Koa from 'koa';
import { createVerifier, CREDENTIAL_COMPROMISE, jwksChangedType, SESSION_REVOKED, ssfPushReceiver, type PushReceiverOptions, type SecurityEvent, type Verifier } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const AUDIENCE = 'resource-server-client';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/ssf`;
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

/** A SET as Rotor's transmitter signs it; `claims` and `header` override. */
function signSet(issuer: JwksIssuer, key: StubKey, events: Record<string, unknown>, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: issuer.url, aud: AUDIENCE, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), sub_id: { format: 'opaque', id: 'x' }, events, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt', ...header })
    .sign(key.privateKey);
}

const push = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json', ...headers } });

/** Both middleware flavours of one receiver, each behind a real HTTP server. */
const frameworks: Array<[string, (receiver: ReturnType<typeof ssfPushReceiver>) => Server]> = [
  ['koa', (receiver) => {
    const app = new Koa();
    app.silent = true;
    app.use(receiver);
    return createServer(app.callback());
  }],
  ['express', (receiver) => createServer((req, res) => receiver(req, res, () => res.end()))],
];

describe.each(frameworks)('the SSF push receiver as %s middleware', (_name, build) => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let verifier: Verifier;
  let events: SecurityEvent[];
  let server: Server;
  let url: string;
  let clock: number;

  const start = async (options: Partial<PushReceiverOptions> = {}): Promise<void> => {
    const receiver = ssfPushReceiver({ issuer: issuer.url, audience: AUDIENCE, verifier, onEvent: (event) => void events.push(event), ...options });
    server = build(receiver);
    url = await listen(server);
  };

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
  });
  afterAll(() => issuer.stop());

  beforeEach(async () => {
    events = [];
    clock = Date.now();
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: recordingLogger(), now: () => clock });
    await start();
  });
  afterEach(async () => {
    await close(server);
    await verifier.close();
  });

  it('accepts a verified session revocation with 202 and hands it to onEvent once, however often it is delivered', async () => {
    const set = await signSet(issuer, key, { [SESSION_REVOKED]: { event_timestamp: 1, initiating_entity: 'admin', reason_admin: { en: 'x' } } }, { sub_id: { format: 'iss_sub', iss: issuer.url, sub: 'alice' } });
    expect((await push(url, set)).status).toBe(202);
    expect((await push(url, set)).status).toBe(202);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: SESSION_REVOKED, subject: { format: 'iss_sub', sub: 'alice' }, payload: { initiating_entity: 'admin' } });
  });

  it('refuses a tampered SET with 400 and applies nothing', async () => {
    const token = await issuer.token(key);
    const set = await signSet(issuer, key, { [jwksChangedType(issuer.url)]: { version: 9, kids: [], revoked: [key.kid] } });
    const [head, body, sig] = set.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as JWTPayload;
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, jti: 'forged' })).toString('base64url')}.${sig}`;
    const res = await push(url, tampered);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ err: 'authentication_failed', description: expect.any(String) });
    expect(events).toEqual([]);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'svc' });
  });

  it.each([
    ['another audience', { aud: 'another-client' }, {}, 'invalid_audience'],
    ['another issuer', { iss: 'https://evil.example' }, {}, 'invalid_issuer'],
    ['a typ other than secevent+jwt', {}, { typ: 'JWT' }, 'invalid_request'],
    ['no events', { events: {} }, {}, 'invalid_request'],
  ])('refuses a SET with %s (400 %s)', async (_what, claims, header, err) => {
    const set = await signSet(issuer, key, { [SESSION_REVOKED]: {} }, claims, header);
    const res = await push(url, set);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ err });
    expect(events).toEqual([]);
  });

  it('refuses a SET signed with a key the issuer does not publish (invalid_key)', async () => {
    const stranger = await issuer.addKey('ES256', false);
    const res = await push(url, await signSet(issuer, stranger, { [SESSION_REVOKED]: {} }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ err: 'invalid_key' });
  });

  it('refuses a body that is not a SET, or not sent as one', async () => {
    expect((await push(url, 'not-a-jwt')).status).toBe(400);
    const set = await signSet(issuer, key, { [SESSION_REVOKED]: {} });
    const res = await push(url, set, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ err: 'invalid_request' });
    expect((await fetch(url)).status).toBe(405);
  });

  it('drops a revoked kid from the verifier at once', async () => {
    const token = await issuer.token(key);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    const other = await issuer.addKey('ES256');
    const set = await signSet(issuer, other, { [jwksChangedType(issuer.url)]: { version: 2, kids: [other.kid], revoked: [key.kid] } });
    // Signed by a key newer than the JWKS held, within the cooldown: deferred, not refused.
    const deferred = await push(url, set);
    expect(deferred.status).toBe(503);
    expect(Number(deferred.headers.get('retry-after'))).toBeGreaterThan(0);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock += 31_000;
    expect((await push(url, set)).status).toBe(202);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'revoked_key' });
  });

  it('refuses a leaked access token by jti until it expires, and no other token', async () => {
    const exp = Math.floor(clock / 1000) + 60;
    const leaked = await issuer.token(key, { exp });
    const other = await issuer.token(key, { exp });
    const jti = (JSON.parse(Buffer.from(leaked.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    const set = await signSet(issuer, key, { [CREDENTIAL_COMPROMISE]: { event_timestamp: 1, credential_type: 'access_token', reason_admin: { en: 'leaked' }, jti, exp } });
    expect((await push(url, set)).status).toBe(202);
    await expect(verifier.verify(leaked)).rejects.toMatchObject({ code: 'revoked_token' });
    await expect(verifier.verify(other)).resolves.toBeDefined();
    clock = exp * 1000 + 10_000; // past exp, within the verifier's 30 s clock tolerance: still refused
    await expect(verifier.verify(leaked)).rejects.toMatchObject({ code: 'revoked_token' });
    clock = exp * 1000 + 31_000;
    await expect(verifier.verify(leaked)).rejects.toMatchObject({ code: 'expired' });
  });

  it('ignores the key list of a replayed key-set event older than the JWKS held (a receiver restarted), but applies its revocations', async () => {
    const [current, doomed] = [await issuer.addKey('ES256'), await issuer.addKey('ES256')];
    issuer.version = 5;
    const [token, doomedToken] = [await issuer.token(current), await issuer.token(doomed)];
    await expect(verifier.verify(token)).resolves.toBeDefined();
    // Delivered long ago, when only `key` was published; replayed now to a receiver that restarted.
    const replayed = await signSet(issuer, key, { [jwksChangedType(issuer.url)]: { version: 3, kids: [key.kid], revoked: [doomed.kid] } });
    expect((await push(url, replayed)).status).toBe(202);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await expect(verifier.verify(doomedToken)).rejects.toMatchObject({ code: 'revoked_key' });
    issuer.published.delete(current.kid);
    issuer.published.delete(doomed.kid);
  });

  it('ignores the key list of a key-set event older than one already applied', async () => {
    const current = await issuer.addKey('ES256');
    const token = await issuer.token(current);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    const newer = await signSet(issuer, key, { [jwksChangedType(issuer.url)]: { version: issuer.version + 2, kids: [key.kid, current.kid], revoked: [] } });
    const older = await signSet(issuer, key, { [jwksChangedType(issuer.url)]: { version: issuer.version + 1, kids: [key.kid], revoked: [] } });
    expect((await push(url, newer)).status).toBe(202);
    expect((await push(url, older)).status).toBe(202);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    issuer.published.delete(current.kid);
  });

  it('refuses a SET without iat, or issued longer ago than maxAgeSec (7 days by default), with 400 invalid_request', async () => {
    const nowSec = Math.floor(clock / 1000);
    const at = (iat: number | undefined) => signSet(issuer, key, { [SESSION_REVOKED]: {} }, { iat });
    for (const set of [await at(undefined), await at(nowSec - 8 * 86_400)]) {
      const res = await push(url, set);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ err: 'invalid_request' });
    }
    expect((await push(url, await at(nowSec - 6 * 86_400))).status).toBe(202);
    await close(server);
    await start({ maxAgeSec: 60 });
    expect((await push(url, await at(nowSec - 120))).status).toBe(400);
    expect((await push(url, await at(nowSec - 30))).status).toBe(202);
    expect(events).toHaveLength(2);
    expect(() => ssfPushReceiver({ issuer: issuer.url, audience: AUDIENCE, verifier, maxAgeSec: 0 })).toThrow(TypeError);
  });

  it('answers 401 without the Authorization header the stream was given', async () => {
    await close(server);
    await start({ authorization: 'Bearer stream-secret' });
    const set = await signSet(issuer, key, { [SESSION_REVOKED]: {} });
    const refused = await push(url, set, { authorization: 'Bearer wrong' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ err: 'authentication_failed' });
    expect((await push(url, set, { authorization: 'Bearer stream-secret' })).status).toBe(202);
  });
});
