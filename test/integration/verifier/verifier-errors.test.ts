import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, SignJWT, UnsecuredJWT, base64url } from 'jose';
import { createVerifier, VerifierError, type Verifier, type VerifierErrorCode } from '../../../src/verifier/index.js';
import { mapJoseError } from '../../../src/verifier/map-jose-error.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

/** Resolves with the code the verifier refused `token` with (or fails the test if it accepted it). */
async function refusal(verifier: Verifier, token: string): Promise<VerifierErrorCode> {
  const error = await verifier.verify(token).then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(VerifierError);
  return (error as VerifierError).code;
}

const now = () => Math.floor(Date.now() / 1000);

describe('why a token is refused', () => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let verifier: Verifier;

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, clockToleranceSec: 5, logger: recordingLogger() });
  });

  afterAll(async () => {
    await verifier.close();
    await issuer.stop();
  });

  it('a valid access token verifies and yields its claims', async () => {
    const claims = await verifier.verify(await issuer.token(key, { scope: 'api:read api:write' }));
    expect(claims).toMatchObject({ iss: issuer.url, aud: `${issuer.url}/api`, client_id: 'svc', scope: 'api:read api:write' });
  });

  it('expired: exp more than the clock tolerance ago', async () => {
    expect(await refusal(verifier, await issuer.token(key, { exp: now() - 10 }))).toBe('expired');
    await expect(verifier.verify(await issuer.token(key, { exp: now() - 2 }))).resolves.toBeDefined();
  });

  it('wrong_audience and wrong_issuer', async () => {
    expect(await refusal(verifier, await issuer.token(key, {}, {}, 'https://other.example/api'))).toBe('wrong_audience');
    expect(await refusal(verifier, await issuer.token(key, { aud: undefined }))).toBe('wrong_audience');
    expect(await refusal(verifier, await issuer.token(key, { iss: 'https://evil.example' }))).toBe('wrong_issuer');
  });

  it('unknown_key: a kid the issuer does not publish, or a known kid used with another algorithm', async () => {
    const unpublished = await issuer.addKey('ES256', false);
    expect(await refusal(verifier, await issuer.token(unpublished))).toBe('unknown_key');
    const rsa = await issuer.addKey('RS256', false);
    const mixed = await new SignJWT({ iss: issuer.url, aud: `${issuer.url}/api`, exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid }).sign(rsa.privateKey);
    expect(await refusal(verifier, mixed)).toBe('unknown_key');
  });

  it('bad_signature: a published kid over a signature from another key, or a tampered payload', async () => {
    const impostor = await issuer.addKey('ES256', false);
    expect(await refusal(verifier, await issuer.token(impostor, {}, { kid: key.kid }))).toBe('bad_signature');
    const [header, , signature] = (await issuer.token(key)).split('.');
    const forged = base64url.encode(JSON.stringify({ iss: issuer.url, aud: `${issuer.url}/api`, exp: now() + 60, scope: 'admin' }));
    expect(await refusal(verifier, `${header}.${forged}.${signature}`)).toBe('bad_signature');
  });

  it('malformed: not a JWT, no kid, the wrong typ, alg none or an algorithm not accepted', async () => {
    for (const junk of ['', 'not-a-jwt', 'a.b.c', 'a.b', `${base64url.encode('{}')}.${base64url.encode('{}')}.`]) expect(await refusal(verifier, junk)).toBe('malformed');
    expect(await refusal(verifier, await issuer.token(key, {}, { kid: undefined }))).toBe('malformed');
    expect(await refusal(verifier, await issuer.token(key, {}, { typ: 'JWT' }))).toBe('malformed');
    expect(await refusal(verifier, await issuer.token(key, {}, { typ: undefined }))).toBe('malformed');
    expect(await refusal(verifier, new UnsecuredJWT({ iss: issuer.url }).encode())).toBe('malformed');
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }).sign(new Uint8Array(32));
    expect(await refusal(verifier, hs)).toBe('malformed');
    await expect(verifier.verify(await issuer.token(key, {}, { typ: 'application/AT+JWT' }))).resolves.toBeDefined();
  });

  it('invalid_claims: not yet valid, no exp, or an exp that is not a number', async () => {
    expect(await refusal(verifier, await issuer.token(key, { nbf: now() + 600 }))).toBe('invalid_claims');
    expect(await refusal(verifier, await issuer.token(key, { exp: undefined }))).toBe('invalid_claims');
    expect(await refusal(verifier, await issuer.token(key, { exp: 'tomorrow' as unknown as number }))).toBe('invalid_claims');
  });

  it('revoked_key: a key the event stream says was revoked', async () => {
    const events = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, events: true, logger: recordingLogger() });
    try {
      const token = await issuer.token(key);
      await events.verify(token);
      while (issuer.listeners === 0) await sleep(10);
      issuer.emit({ kids: [], revoked: [key.kid] });
      let code: VerifierErrorCode | undefined;
      for (let i = 0; i < 100 && code !== 'revoked_key'; i++) {
        code = await events.verify(token).then(() => undefined, (err: VerifierError) => err.code);
        await sleep(10);
      }
      expect(code).toBe('revoked_key');
    } finally {
      await events.close();
    }
  });

  it('issuer_unreachable: no keys could ever be fetched, with a Retry-After hint', async () => {
    const nowhere = createVerifier({ issuer: 'http://127.0.0.1:9', audience: 'x', logger: recordingLogger() });
    const error = await nowhere.verify(await issuer.token(key)).catch((err: unknown) => err);
    expect((error as VerifierError).code).toBe('issuer_unreachable');
    expect((error as VerifierError).retryAfterSec).toBeGreaterThanOrEqual(1);
    await nowhere.close();
  });

  it('errors jose may throw map to stable codes, and unknown ones to malformed', () => {
    expect(mapJoseError(new errors.JWTExpired('x', {})).code).toBe('expired');
    expect(mapJoseError(new errors.JWTClaimValidationFailed('x', {}, 'aud')).code).toBe('wrong_audience');
    expect(mapJoseError(new errors.JWTClaimValidationFailed('x', {}, 'iss')).code).toBe('wrong_issuer');
    expect(mapJoseError(new errors.JWTClaimValidationFailed('x', {}, 'iat')).code).toBe('invalid_claims');
    expect(mapJoseError(new errors.JWSSignatureVerificationFailed()).code).toBe('bad_signature');
    expect(mapJoseError(new errors.JWSInvalid()).code).toBe('malformed');
    expect(mapJoseError(new errors.JWTInvalid()).code).toBe('malformed');
    expect(mapJoseError(new errors.JOSEAlgNotAllowed()).code).toBe('malformed');
    expect(mapJoseError(new TypeError('boom')).code).toBe('malformed');
    const own = new VerifierError('revoked_key', 'gone');
    expect(mapJoseError(own)).toBe(own);
  });
});
