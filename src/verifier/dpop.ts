import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, errors, jwtVerify, type JWTPayload } from 'jose';
import { checkProofHeader, DPOP_ALGORITHMS, embeddedKey, proofError, singleProof } from './dpop-header.js';
import type { DpopReplayStore } from './dpop-replay.js';
import { VerifierError } from './verifier-error.js';

/** Default of {@link DpopProofOptions.clockSkewSec}. */
export const DPOP_CLOCK_SKEW_SEC = 30;
/** Default of {@link DpopProofOptions.maxAgeSec}. */
export const DPOP_MAX_AGE_SEC = 60;

/** A DPoP proof and the request and token it came with. */
export interface DpopProofOptions {
  /** The `DPoP` header: exactly one compact JWS (an array, or values joined with commas, is refused). */
  proof: string | readonly string[] | undefined;
  /** The request's HTTP method, as received (`GET`); `htm` must equal it exactly. */
  method: string;
  /** The absolute URL the client addressed; `htu` must match it, query and fragment ignored. */
  url: string;
  /** The access token the proof came with; `ath` must be its base64url SHA-256 hash. */
  accessToken: string;
  /** The token's `cnf.jkt`; the proof's `jwk` must have this SHA-256 JWK thumbprint. */
  jkt: string;
  /** Where `jti`s are remembered; a proof seen before is refused. */
  replay: DpopReplayStore;
  /** Accepted proof algorithms (default {@link DPOP_ALGORITHMS}); `none` and HS* are refused whatever this says. */
  algorithms?: readonly string[];
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** How far ahead of ours the client's clock may run: `iat` up to this many seconds in the future is accepted (default 30). */
  clockSkewSec?: number;
  /**
   * How many seconds after its `iat` a proof is accepted (default 60); its `jti` is remembered
   * that long. A proof is sent as soon as it is made, so this also absorbs a client clock
   * running behind ours.
   */
  maxAgeSec?: number;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** Scheme and host lower-cased, default port dropped, dot segments resolved, query and fragment left out. */
function normalizeUrl(value: unknown): string | undefined {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  return url ? `${url.protocol}//${url.host}${url.pathname}` : undefined;
}

/** Turns what `jwtVerify` threw into a refusal naming the check; our own refusals pass through. */
function mapProofError(err: unknown): VerifierError {
  if (err instanceof VerifierError) return err;
  if (err instanceof errors.JWSSignatureVerificationFailed) return proofError('signature', 'the DPoP proof\'s signature does not verify with its jwk', err);
  if (err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired) {
    return proofError(err.claim === 'iat' ? 'iat' : 'claims', `the DPoP proof's ${err.claim} claim is invalid: ${err.message}`, err);
  }
  if (err instanceof errors.JWTInvalid) return proofError('claims', 'the DPoP proof\'s payload is not a JSON object', err);
  return proofError('proof', 'the DPoP proof is not a well-formed JWS', err);
}

/** The claim checks of RFC 9449 §4.3 (and `ath` of §7.1); each refusal names the claim. */
function checkClaims(payload: JWTPayload, options: DpopProofOptions, nowSec: number, clockSkewSec: number, maxAgeSec: number): void {
  const { htm, htu, iat, jti, ath } = payload;
  if (htm !== options.method) throw proofError('htm', `the DPoP proof is for ${String(htm).slice(0, 20)}, not ${options.method}`);
  const expected = normalizeUrl(options.url);
  if (expected === undefined || normalizeUrl(htu) !== expected) throw proofError('htu', `the DPoP proof is for another URL than ${expected ?? 'this request'}`);
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw proofError('iat', 'the DPoP proof has no iat');
  if (iat > nowSec + clockSkewSec) throw proofError('iat', 'the DPoP proof is issued in the future');
  if (iat < nowSec - maxAgeSec) throw proofError('iat', `the DPoP proof is more than ${maxAgeSec} s old`);
  if (typeof jti !== 'string' || jti === '') throw proofError('jti', 'the DPoP proof has no jti');
  if (ath !== sha256(options.accessToken)) throw proofError('ath', 'the DPoP proof\'s ath is not the hash of this access token');
}

/**
 * Checks a DPoP proof presented with a DPoP-bound access token (RFC 9449 §4.3, §7.1): one
 * compact JWS typed `dpop+jwt`, signed with an accepted asymmetric `alg` by the public `jwk` of
 * its header, whose `htm`, `htu`, `iat`, `jti` and `ath` fit this request and token, whose key
 * has the thumbprint `jkt`, and whose `jti` was not seen before. The `jti` is recorded only once
 * every other check has passed, so a refused proof uses nothing up.
 *
 * Resolves when the proof is valid; rejects with a {@link VerifierError}: `invalid_dpop_proof`
 * (its `dpopCheck` names the failed check) or `dpop_key_mismatch`.
 */
export async function verifyDpopProof(options: DpopProofOptions): Promise<void> {
  const { jkt, replay, algorithms = DPOP_ALGORITHMS, now = Date.now, clockSkewSec = DPOP_CLOCK_SKEW_SEC, maxAgeSec = DPOP_MAX_AGE_SEC } = options;
  const proof = singleProof(options.proof);
  const { alg, jwk } = checkProofHeader(proof, algorithms);
  const nowMs = now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, embeddedKey, { typ: 'dpop+jwt', algorithms: [alg], currentDate: new Date(nowMs), clockTolerance: clockSkewSec }));
  } catch (err) {
    throw mapProofError(err);
  }
  const nowSec = nowMs / 1000;
  checkClaims(payload, options, nowSec, clockSkewSec, maxAgeSec);
  const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
  if (thumbprint !== jkt) throw new VerifierError('dpop_key_mismatch', 'the DPoP proof is signed with another key than the one the token is bound to', { dpopCheck: 'jkt' });
  // Accepted until iat + maxAge: remembered as long, plus a second for rounding.
  const ttlSeconds = Math.max(1, Math.ceil((payload.iat as number) + maxAgeSec - nowSec) + 1);
  if (!(await replay.firstSeen(sha256(`${thumbprint}.${payload.jti as string}`), ttlSeconds))) {
    throw proofError('replay', 'the DPoP proof has been used before');
  }
}
