/** Why a token was refused: stable values callers can switch on. */
export type VerifierErrorCode =
  | 'expired'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'unknown_key'
  | 'revoked_key'
  | 'malformed'
  | 'bad_signature'
  | 'invalid_claims'
  | 'issuer_unreachable';

/**
 * A token the verifier refused, or could not check. `code` is stable; `message` is for people
 * and may change. `retryAfterSec` is set for `issuer_unreachable`: when a retry may succeed.
 */
export class VerifierError extends Error {
  readonly retryAfterSec: number | undefined;

  constructor(readonly code: VerifierErrorCode, message: string, options: { cause?: unknown; retryAfterSec?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifierError';
    this.retryAfterSec = options.retryAfterSec;
  }
}
