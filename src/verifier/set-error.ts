/** The error codes of RFC 8935 §2.4 (and RFC 8936), for a SET the receiver refuses. */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

/**
 * A Security Event Token the receiver refused (`err`, `description` as RFC 8935 answers them), or
 * one it cannot check yet (`retryAfterSec` set: the issuer's keys were unreachable, or a new kid
 * must wait for the JWKS cooldown; the transmitter should deliver it again after that).
 */
export class SetError extends Error {
  constructor(readonly err: SetErrorCode, readonly description: string, readonly retryAfterSec?: number) {
    super(description);
    this.name = 'SetError';
  }
}
