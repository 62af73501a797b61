import { errors, jwtVerify, type CompactJWSHeaderParameters, type CryptoKey, type JWTPayload } from 'jose';
import { SetError } from './set-error.js';
import type { VerifierInternals } from './verifier-internals.js';
import { VerifierError } from './verifier-error.js';

/** The claims of a verified SET (RFC 8417). */
export interface SetClaims extends JWTPayload {
  jti: string;
  events: Record<string, Record<string, unknown>>;
  sub_id?: Record<string, unknown>;
  txn?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A verifier's refusal of the signing key, as the RFC 8935 code a transmitter understands. An
 * unknown kid the cooldown kept the cache from fetching is not refused but deferred: a key the
 * issuer made a moment ago (an emergency rollover) is in the JWKS fetched after the cooldown.
 */
function keyError(err: VerifierError, internals: VerifierInternals, fetchedBefore: number): SetError {
  if (err.code === 'issuer_unreachable') return new SetError('invalid_key', 'the issuer\'s keys could not be fetched', err.retryAfterSec ?? 5);
  if (err.code === 'malformed') return new SetError('invalid_request', err.message);
  const { cache, now } = internals;
  if (err.code === 'unknown_key' && cache.lastAttemptAt === fetchedBefore && cache.unknownKidFetchAt > now()) {
    return new SetError('invalid_key', 'the SET\'s key is not in the JWKS held; it is fetched again after the cooldown', Math.max(1, Math.ceil((cache.unknownKidFetchAt - now()) / 1000)));
  }
  return new SetError('invalid_key', err.message);
}

function mapError(err: unknown, internals: VerifierInternals, fetchedBefore: number): SetError {
  if (err instanceof SetError) return err;
  if (err instanceof VerifierError) return keyError(err, internals, fetchedBefore);
  if (err instanceof errors.JWTExpired) {
    return new SetError('invalid_request', err.claim === 'iat' ? 'the SET was issued longer ago than this receiver\'s maxAgeSec' : 'the SET has expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new SetError('invalid_request', `the SET has no "${err.claim}" claim`);
    if (err.claim === 'iss') return new SetError('invalid_issuer', 'the SET is not from this issuer');
    if (err.claim === 'aud') return new SetError('invalid_audience', 'the SET is not for this receiver');
    if (err.claim === 'typ') return new SetError('invalid_request', 'the token is not a SET (typ must be secevent+jwt)');
    return new SetError('invalid_request', `the "${err.claim}" claim is invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new SetError('authentication_failed', 'the SET\'s signature does not verify');
  return new SetError('invalid_request', 'the body is not a well-formed SET');
}

/**
 * Verifies a Security Event Token (RFC 8417) against the issuer's keys the verifier holds:
 * `typ: secevent+jwt`, `iss`, `aud`, the signature (an unknown `kid` refetches the JWKS within
 * the verifier's cooldown, a revoked one is refused), an `iat` at most `maxAgeSec` ago (an old
 * SET replayed is refused), a `jti` and an `events` object. Rejects with a {@link SetError}.
 */
export async function verifySet(set: string, audience: string | string[], internals: VerifierInternals, maxAgeSec: number): Promise<SetClaims> {
  const getKey = (header: CompactJWSHeaderParameters): CryptoKey | Promise<CryptoKey> => {
    const { kid, alg } = header;
    if (!internals.algorithms.has(alg)) throw new SetError('invalid_key', `the SET is signed with ${String(alg).slice(0, 20)}, which this receiver does not accept`);
    if (typeof kid !== 'string' || kid === '') throw new SetError('invalid_key', 'the SET header names no kid');
    return internals.cache.resolve(kid, alg);
  };
  let payload: JWTPayload;
  const fetchedBefore = internals.cache.lastAttemptAt;
  try {
    ({ payload } = await jwtVerify(set, getKey, {
      issuer: internals.issuer, audience, typ: 'secevent+jwt', clockTolerance: internals.clockToleranceSec, currentDate: new Date(internals.now()), maxTokenAge: maxAgeSec,
    }));
  } catch (err) {
    throw mapError(err, internals, fetchedBefore);
  }
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 200) throw new SetError('invalid_request', 'the SET has no usable jti');
  const { events } = payload as { events?: unknown };
  if (!isObject(events) || Object.keys(events).length === 0 || !Object.values(events).every(isObject)) throw new SetError('invalid_request', 'the SET carries no events object');
  if (payload.sub_id !== undefined && !isObject(payload.sub_id)) throw new SetError('invalid_request', 'sub_id must be an object');
  return payload as SetClaims;
}
