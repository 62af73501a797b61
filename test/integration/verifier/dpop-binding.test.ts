import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createVerifier, VerifierError, type DpopReplayStore, type Verifier, type VerifierErrorCode } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const URL_ = 'https://api.example.com/things';

const codeOf = (promise: Promise<unknown>): Promise<VerifierErrorCode | 'ok'> =>
  promise.then(() => 'ok' as const, (err: unknown) => {
    expect(err).toBeInstanceOf(VerifierError);
    return (err as VerifierError).code;
  });

describe('verify() holds DPoP-bound tokens to their key', () => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let verifier: Verifier;
  let client: { privateKey: CryptoKey; jwk: JWK; jkt: string };
  const stored: Array<[string, number]> = [];

  const proof = (token: string, claims: Record<string, unknown> = {}) => new SignJWT({
    htm: 'GET', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath: createHash('sha256').update(token).digest('base64url'), ...claims,
  }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: client.jwk }).sign(client.privateKey);

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    client = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    const seen = new Set<string>();
    const replay: DpopReplayStore = {
      async firstSeen(jti, ttlSeconds) {
        stored.push([jti, ttlSeconds]);
        if (seen.has(jti)) return false;
        seen.add(jti);
        return true;
      },
    };
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: recordingLogger(), dpop: { replay, algorithms: ['ES256'] } });
  });

  afterAll(async () => {
    await verifier.close();
    await issuer.stop();
  });

  it('a bound token with a valid proof verifies and yields its claims', async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt } });
    const claims = await verifier.verify(token, { dpop: { proof: await proof(token), method: 'GET', url: URL_ } });
    expect(claims.cnf).toEqual({ jkt: client.jkt });
  });

  it('a bound token without a proof is refused as a plain bearer token: dpop_required', async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt } });
    expect(await codeOf(verifier.verify(token))).toBe('dpop_required');
    expect(await codeOf(verifier.verify(token, {}))).toBe('dpop_required');
  });

  it('a DPoP request whose proof is missing or wrong: invalid_dpop_proof; from another key: dpop_key_mismatch', async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt } });
    expect(await codeOf(verifier.verify(token, { dpop: { proof: undefined, method: 'GET', url: URL_ } }))).toBe('invalid_dpop_proof');
    expect(await codeOf(verifier.verify(token, { dpop: { proof: await proof(token), method: 'POST', url: URL_ } }))).toBe('invalid_dpop_proof');
    const other = await issuer.token(key, { cnf: { jkt: 'x'.repeat(43) } });
    expect(await codeOf(verifier.verify(other, { dpop: { proof: await proof(other), method: 'GET', url: URL_ } }))).toBe('dpop_key_mismatch');
  });

  it('a proof with a token that is not bound is refused: not_dpop_bound; without one it verifies as before', async () => {
    const token = await issuer.token(key);
    expect(await codeOf(verifier.verify(token, { dpop: { proof: await proof(token), method: 'GET', url: URL_ } }))).toBe('not_dpop_bound');
    expect(await codeOf(verifier.verify(token))).toBe('ok');
    expect(await codeOf(verifier.verify(await issuer.token(key, { cnf: { 'x5t#S256': 'abc' } })))).toBe('ok');
  });

  it('a cnf.jkt that is not a thumbprint is invalid_claims, with or without a proof', async () => {
    for (const jkt of [42, '', null]) {
      const token = await issuer.token(key, { cnf: { jkt } });
      expect(await codeOf(verifier.verify(token))).toBe('invalid_claims');
      expect(await codeOf(verifier.verify(token, { dpop: { proof: await proof(token), method: 'GET', url: URL_ } }))).toBe('invalid_claims');
    }
  });

  it('an invalid token is refused for itself before its proof is looked at, so the proof is not used up', async () => {
    const expired = await issuer.token(key, { cnf: { jkt: client.jkt }, exp: Math.floor(Date.now() / 1000) - 3600 });
    const before = stored.length;
    expect(await codeOf(verifier.verify(expired, { dpop: { proof: await proof(expired), method: 'GET', url: URL_ } }))).toBe('expired');
    expect(stored.length).toBe(before);
  });

  it('the replay store is the one configured, and keeps a jti about as long as its proof is accepted', async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt } });
    const once = await proof(token);
    await verifier.verify(token, { dpop: { proof: once, method: 'GET', url: URL_ } });
    expect(await codeOf(verifier.verify(token, { dpop: { proof: once, method: 'GET', url: URL_ } }))).toBe('invalid_dpop_proof');
    const [jti, ttl] = stored.at(-1)!;
    expect(jti).toMatch(/^[\w-]{43}$/);
    expect(ttl).toBeGreaterThanOrEqual(60);
    expect(ttl).toBeLessThanOrEqual(62);
    expect(verifier.dpopAlgorithms).toEqual(['ES256']);
  });

  it('refuses DPoP algorithms that are not asymmetric', () => {
    for (const algorithms of [['HS256'], ['ES256', 'none'], []]) {
      expect(() => createVerifier({ issuer: issuer.url, audience: 'x', dpop: { algorithms } })).toThrow(TypeError);
    }
  });
});
