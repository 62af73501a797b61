import type { JWTPayload } from 'jose';
import { verifyDpopProof, type DpopProofOptions } from './dpop.js';
import { DPOP_ALGORITHMS, isAsymmetric } from './dpop-header.js';
import { memoryReplayStore } from './dpop-replay.js';
import { VerifierError } from './verifier-error.js';

/** The DPoP proof a request carried and what it must match (the `dpop` option of `verify()`). */
export interface DpopRequest {
  /** The request's `DPoP` header(s); `undefined` when it had none. */
  proof: string | readonly string[] | undefined;
  /** The request's HTTP method, as received. */
  method: string;
  /** The absolute URL the client addressed (its query is ignored). */
  url: string;
}

/** How a verifier checks DPoP proofs: what {@link verifyDpopProof} takes besides the request. */
export type DpopSettings = Pick<DpopProofOptions, 'replay' | 'algorithms' | 'clockSkewSec' | 'maxAgeSec' | 'now'>;

/**
 * A verifier's DPoP settings with the defaults filled in: {@link DPOP_ALGORITHMS} and a
 * {@link memoryReplayStore} of its own. Throws when `algorithms` lists anything but asymmetric ones.
 */
export function dpopSettings(options: Partial<DpopSettings> = {}): DpopSettings & { algorithms: readonly string[] } {
  const algorithms = Object.freeze([...(options.algorithms ?? DPOP_ALGORITHMS)]);
  if (algorithms.length === 0 || !algorithms.every(isAsymmetric)) throw new TypeError('createVerifier: dpop.algorithms must list asymmetric signature algorithms only');
  const { clockSkewSec, maxAgeSec, now } = options;
  return { algorithms, clockSkewSec, maxAgeSec, now, replay: options.replay ?? memoryReplayStore(now ? { now } : {}) };
}

/** The token's `cnf.jkt`, `undefined` when it is not DPoP-bound; a `cnf.jkt` that is not a thumbprint is refused. */
function boundKey(claims: JWTPayload): string | undefined {
  const { cnf } = claims;
  if (typeof cnf !== 'object' || cnf === null || !('jkt' in cnf)) return undefined;
  const { jkt } = cnf as { jkt: unknown };
  if (typeof jkt !== 'string' || jkt === '') throw new VerifierError('invalid_claims', 'the token\'s cnf.jkt is not a key thumbprint');
  return jkt;
}

/**
 * Holds a verified token to its binding (RFC 9449 §7): a token bound to a key (`cnf.jkt`) needs a
 * valid proof from that key, and a proof needs a bound token. A plain bearer token without a
 * proof is not touched, and costs no promise.
 */
export function checkDpopBinding(claims: JWTPayload, token: string, request: DpopRequest | undefined, settings: DpopSettings): Promise<void> | undefined {
  const jkt = boundKey(claims);
  if (jkt === undefined && request === undefined) return undefined;
  if (request === undefined) throw new VerifierError('dpop_required', 'the token is bound to a key: send it with the DPoP scheme and a DPoP proof');
  if (jkt === undefined) throw new VerifierError('not_dpop_bound', 'a DPoP proof came with a token that is not bound to a key');
  const { proof, method, url } = request;
  return verifyDpopProof({ ...settings, proof, method, url, accessToken: token, jkt });
}
