import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { memoryReplayStore, verifyDpopProof, VerifierError, type DpopCheck, type DpopProofOptions, type VerifierErrorCode } from '../../../src/verifier/index.js';

const START = Date.UTC(2030, 0, 1);
const URL_ = 'https://api.example.com/things';
const TOKEN = 'an.access.token';
const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

interface Holder {
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
  jkt: string;
}

async function holder(alg = 'ES256'): Promise<Holder> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, privateJwk: await exportJWK(privateKey), jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

/** A client's DPoP proof at a given time; `header` and `claims` override (undefined removes). */
async function makeProof(key: Holder, nowMs: number, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, signWith = key.privateKey): Promise<string> {
  const payload = { htm: 'GET', htu: URL_, iat: Math.floor(nowMs / 1000), jti: randomUUID(), ath: ath(TOKEN), ...claims } as JWTPayload;
  const protectedHeader = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header } as { alg: string };
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(signWith);
}

/** An unsigned JWS (`alg: none` and the like) with the given header and payload. */
const unsigned = (header: object, payload: object, signature = ''): string =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;

describe('a DPoP proof presented with a DPoP-bound access token', () => {
  let client: Holder;
  let other: Holder;
  let clock: number;
  let check: (proof: DpopProofOptions['proof'], overrides?: Partial<DpopProofOptions>) => Promise<void>;
  let proof: (claims?: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;

  /** The code and failed check a proof is refused with (fails the test if it is accepted). */
  const refusal = async (promise: Promise<void>): Promise<{ code: VerifierErrorCode; check: DpopCheck | undefined }> => {
    const error = await promise.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(VerifierError);
    return { code: (error as VerifierError).code, check: (error as VerifierError).dpopCheck };
  };
  const invalid = (check: DpopCheck) => ({ code: 'invalid_dpop_proof', check });

  beforeAll(async () => {
    client = await holder();
    other = await holder();
    clock = START;
    const replay = memoryReplayStore({ now: () => clock });
    check = (value, overrides = {}) => verifyDpopProof({ proof: value, method: 'GET', url: URL_, accessToken: TOKEN, jkt: client.jkt, replay, now: () => clock, ...overrides });
    proof = (claims, header) => makeProof(client, clock, claims, header);
  });

  it('a fresh proof from the bound key for this request and token is accepted', async () => {
    await expect(check(await proof())).resolves.toBeUndefined();
    await expect(check([await proof()])).resolves.toBeUndefined();
  });

  it('exactly one proof: none, an empty one, several, or something that is not a compact JWS are refused', async () => {
    const [a, b] = [await proof(), await proof()];
    for (const value of [undefined, '', [], [a, b], `${a}, ${b}`, 'not-a-jws', `${a}.x`, `${a} `]) {
      expect(await refusal(check(value))).toEqual(invalid('proof'));
    }
  });

  it('wrong typ: the header must say dpop+jwt', async () => {
    expect(await refusal(check(await proof({}, { typ: 'JWT' })))).toEqual(invalid('typ'));
    expect(await refusal(check(await proof({}, { typ: 'at+jwt' })))).toEqual(invalid('typ'));
    expect(await refusal(check(await proof({}, { typ: undefined })))).toEqual(invalid('typ'));
    await expect(check(await proof({}, { typ: 'application/DPoP+JWT' }))).resolves.toBeUndefined();
  });

  it('alg none, HS256 or an algorithm not accepted is refused before any key is used', async () => {
    const claims = { htm: 'GET', htu: URL_, iat: clock / 1000, jti: randomUUID(), ath: ath(TOKEN) };
    expect(await refusal(check(unsigned({ typ: 'dpop+jwt', alg: 'none', jwk: client.publicJwk }, claims)))).toEqual(invalid('alg'));
    const hs = await new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: client.publicJwk } as { alg: string }).sign(new Uint8Array(32));
    expect(await refusal(check(hs))).toEqual(invalid('alg'));
    expect(await refusal(check(hs, { algorithms: ['HS256', 'ES256'] }))).toEqual(invalid('alg'));
    expect(await refusal(check(await proof(), { algorithms: ['EdDSA'] }))).toEqual(invalid('alg'));
  });

  it('the jwk must be a public key that fits the alg', async () => {
    expect(await refusal(check(await proof({}, { jwk: client.privateJwk })))).toEqual(invalid('jwk'));
    expect(await refusal(check(await proof({}, { jwk: undefined })))).toEqual(invalid('jwk'));
    expect(await refusal(check(await proof({}, { jwk: { kty: 'oct', k: base64url.encode(new Uint8Array(32)) } })))).toEqual(invalid('jwk'));
    const p384 = await holder('ES384');
    expect(await refusal(check(await proof({}, { jwk: p384.publicJwk })))).toEqual(invalid('jwk'));
  });

  it('bad signature: signed by another key than its jwk, or a payload swapped in', async () => {
    expect(await refusal(check(await makeProof(client, clock, {}, {}, other.privateKey)))).toEqual(invalid('signature'));
    const [header, , signature] = (await proof()).split('.');
    const forged = base64url.encode(JSON.stringify({ htm: 'DELETE', htu: URL_, iat: clock / 1000, jti: randomUUID(), ath: ath(TOKEN) }));
    expect(await refusal(check(`${header}.${forged}.${signature}`))).toEqual(invalid('signature'));
  });

  it('htm must be the request method, exactly', async () => {
    expect(await refusal(check(await proof({ htm: 'POST' })))).toEqual(invalid('htm'));
    expect(await refusal(check(await proof({ htm: 'get' })))).toEqual(invalid('htm'));
    expect(await refusal(check(await proof({ htm: undefined })))).toEqual(invalid('htm'));
    await expect(check(await proof({ htm: 'POST' }), { method: 'POST' })).resolves.toBeUndefined();
  });

  it('htu must be the request URL: another path, host, scheme or port is refused', async () => {
    for (const htu of ['https://api.example.com/other', 'https://evil.example.com/things', 'http://api.example.com/things', 'https://api.example.com:8443/things', 'https://api.example.com/things/', '/things', undefined]) {
      expect(await refusal(check(await proof({ htu })))).toEqual(invalid('htu'));
    }
  });

  it('htu is compared normalised: query and fragment ignored, scheme and host case-insensitive, default port dropped', async () => {
    await expect(check(await proof(), { url: `${URL_}?page=2#top` })).resolves.toBeUndefined();
    await expect(check(await proof({ htu: `${URL_}?page=1` }), { url: `${URL_}?page=2` })).resolves.toBeUndefined();
    await expect(check(await proof({ htu: 'HTTPS://API.Example.COM:443/things' }))).resolves.toBeUndefined();
    await expect(check(await proof({ htu: 'https://api.example.com/a/../things' }))).resolves.toBeUndefined();
  });

  it('iat: up to 30 s in the future and 60 s in the past by default, and required', async () => {
    const at = (offsetSec: number) => proof({ iat: Math.floor(clock / 1000) + offsetSec });
    await expect(check(await at(30))).resolves.toBeUndefined();
    await expect(check(await at(-60))).resolves.toBeUndefined();
    expect(await refusal(check(await at(31)))).toEqual(invalid('iat'));
    expect(await refusal(check(await at(-61)))).toEqual(invalid('iat'));
    expect(await refusal(check(await proof({ iat: undefined })))).toEqual(invalid('iat'));
    expect(await refusal(check(await proof({ iat: 'now' })))).toEqual(invalid('iat'));
    expect(await refusal(check(await at(5), { clockSkewSec: 2 }))).toEqual(invalid('iat'));
    expect(await refusal(check(await at(-10), { maxAgeSec: 5 }))).toEqual(invalid('iat'));
  });

  it('the clock is the one injected: a proof goes stale as it moves on', async () => {
    const made = await proof();
    clock += 61_000;
    try {
      expect(await refusal(check(made))).toEqual(invalid('iat'));
    } finally {
      clock = START;
    }
  });

  it('jti: required, and a proof is accepted once', async () => {
    expect(await refusal(check(await proof({ jti: undefined })))).toEqual(invalid('jti'));
    expect(await refusal(check(await proof({ jti: '' })))).toEqual(invalid('jti'));
    const once = await proof();
    await expect(check(once)).resolves.toBeUndefined();
    expect(await refusal(check(once))).toEqual(invalid('replay'));
    const jti = randomUUID();
    await expect(check(await proof({ jti }))).resolves.toBeUndefined();
    expect(await refusal(check(await proof({ jti })))).toEqual(invalid('replay'));
  });

  it('a refused proof does not use up its jti, and another key\'s jti does not collide', async () => {
    const jti = randomUUID();
    expect(await refusal(check(await proof({ jti, htm: 'POST' })))).toEqual(invalid('htm'));
    await expect(check(await proof({ jti }))).resolves.toBeUndefined();
    await expect(check(await makeProof(other, clock, { jti }), { jkt: other.jkt })).resolves.toBeUndefined();
  });

  it('ath must be the hash of the access token the proof came with', async () => {
    expect(await refusal(check(await proof({ ath: ath('another.access.token') })))).toEqual(invalid('ath'));
    expect(await refusal(check(await proof({ ath: undefined })))).toEqual(invalid('ath'));
    expect(await refusal(check(await proof(), { accessToken: 'another.access.token' }))).toEqual(invalid('ath'));
  });

  it('the proof\'s key must be the one the token is bound to (cnf.jkt)', async () => {
    expect(await refusal(check(await makeProof(other, clock)))).toEqual({ code: 'dpop_key_mismatch', check: 'jkt' });
    expect(await refusal(check(await proof(), { jkt: other.jkt }))).toEqual({ code: 'dpop_key_mismatch', check: 'jkt' });
  });

  it('a proof that carries an exp in the past is refused', async () => {
    expect(await refusal(check(await proof({ exp: Math.floor(clock / 1000) - 120 })))).toEqual(invalid('claims'));
  });

  it('other asymmetric algorithms are accepted: EdDSA, PS256, RS256', async () => {
    for (const alg of ['EdDSA', 'PS256', 'RS256']) {
      const key = await holder(alg);
      await expect(check(await makeProof(key, clock, {}, { alg }), { jkt: key.jkt })).resolves.toBeUndefined();
    }
  });
});
