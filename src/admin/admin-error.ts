import { httpErrorFor, type DomainErrorCode } from '../http/error-table.js';

/** The admin API's own refusals (authentication, scopes, input), by their OAuth error. */
export type AdminOAuthError = 'invalid_token' | 'invalid_dpop_proof' | 'insufficient_scope' | 'invalid_request' | 'too_many_requests';

/** The stable `code` of an admin API error body: a domain code, or the admin API's own. */
export type AdminErrorCode = DomainErrorCode | `ROTOR_${Uppercase<AdminOAuthError>}`;

const OWN_CODES: Record<AdminOAuthError, AdminErrorCode> = {
  invalid_token: 'ROTOR_INVALID_TOKEN',
  invalid_dpop_proof: 'ROTOR_INVALID_DPOP_PROOF',
  insufficient_scope: 'ROTOR_INSUFFICIENT_SCOPE',
  invalid_request: 'ROTOR_INVALID_REQUEST',
  too_many_requests: 'ROTOR_TOO_MANY_REQUESTS',
};

/** An admin API answer other than success: the OAuth error shape plus a stable `code`. */
export class AdminError extends Error {
  private constructor(readonly status: number, readonly error: string, message: string, readonly headers: Record<string, string>, readonly code: AdminErrorCode) {
    super(message);
  }

  /** A refusal of the admin API's own: a bad or missing token, a missing scope, bad input, too many of those. */
  static refused(status: number, error: AdminOAuthError, message: string, headers: Record<string, string> = {}): AdminError {
    return new AdminError(status, error, message, headers, OWN_CODES[error]);
  }

  /** A refusal of the domain (catalog, lifecycle), answered as `http/error-table.ts` says. */
  static fromDomain(code: DomainErrorCode, message: string, headers: Record<string, string> = {}): AdminError {
    const { status, error } = httpErrorFor(code);
    return new AdminError(status, error, message, headers, code);
  }
}
