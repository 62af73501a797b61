/** Why a token was refused: stable values callers can switch on. */
export type VerifierErrorCode =
  | 'expired'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'unknown_key'
  | 'revoked_key'
  /** An access token the issuer announced as revoked (reported as leaked), until it expires. */
  | 'revoked_token'
  | 'malformed'
  | 'bad_signature'
  | 'invalid_claims'
  | 'issuer_unreachable'
  /** A DPoP proof is missing, malformed, fails a check of RFC 9449 §4.3, or was used before. */
  | 'invalid_dpop_proof'
  /** A valid DPoP proof, signed with another key than the one the token is bound to (`cnf.jkt`). */
  | 'dpop_key_mismatch'
  /** A DPoP-bound token (`cnf.jkt`) presented without a proof, as a plain bearer token. */
  | 'dpop_required'
  /** A DPoP proof presented with a token that is not bound to a key. */
  | 'not_dpop_bound';

/**
 * Which check a DPoP proof failed, for `invalid_dpop_proof` (and `jkt` for `dpop_key_mismatch`):
 * `proof` none, several, or not a compact JWS; `typ`, `alg`, `jwk` its header; `signature`;
 * `claims` a payload that is not a JSON object or an `exp`/`nbf` that fails; `htm`, `htu`, `iat`,
 * `jti`, `ath` its claims; `replay` a `jti` seen before.
 */
export type DpopCheck = 'proof' | 'typ' | 'alg' | 'jwk' | 'signature' | 'claims' | 'htm' | 'htu' | 'iat' | 'jti' | 'ath' | 'jkt' | 'replay';

/**
 * A token the verifier refused, or could not check. `code` is stable; `message` is for people
 * and may change. `retryAfterSec` is set for `issuer_unreachable`: when a retry may succeed.
 * `dpopCheck` is set for `invalid_dpop_proof` and `dpop_key_mismatch`: which check failed.
 */
export class VerifierError extends Error {
  readonly retryAfterSec: number | undefined;
  readonly dpopCheck: DpopCheck | undefined;

  constructor(readonly code: VerifierErrorCode, message: string, options: { cause?: unknown; retryAfterSec?: number; dpopCheck?: DpopCheck } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifierError';
    this.retryAfterSec = options.retryAfterSec;
    this.dpopCheck = options.dpopCheck;
  }
}
