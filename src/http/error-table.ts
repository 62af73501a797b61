import type { CatalogErrorCode } from '../catalog/operation-error.js';
import type { LifecycleErrorCode } from '../lifecycle/lifecycle-error.js';
import type { SsfErrorCode } from '../ssf/ssf-error.js';

/** Every refusal code the domain can answer with over HTTP. */
export type DomainErrorCode = CatalogErrorCode | LifecycleErrorCode | SsfErrorCode;

export interface HttpError {
  status: number;
  /** The OAuth-style `error` of the body; the stable `code` travels beside it. */
  error: string;
}

const badRequest: HttpError = { status: 400, error: 'invalid_request' };
const notFound: HttpError = { status: 404, error: 'not_found' };
const conflict: HttpError = { status: 409, error: 'conflict' };

/**
 * The one table from a domain code to its HTTP status and OAuth error. Typed over the closed
 * unions of codes, so a code added to a module without a row here does not compile.
 */
const TABLE: Record<DomainErrorCode, HttpError> = {
  ROTOR_UNKNOWN_ALG: badRequest,
  ROTOR_WEAK_SECRET: badRequest,
  ROTOR_SAME_APPROVER: { status: 403, error: 'access_denied' },
  ROTOR_UNKNOWN_KID: notFound,
  ROTOR_UNKNOWN_REQUEST: notFound,
  ROTOR_UNKNOWN_CLIENT: notFound,
  ROTOR_UNKNOWN_ACCOUNT: notFound,
  ROTOR_KEY_GONE: conflict,
  ROTOR_KEY_ACTIVE: conflict,
  ROTOR_NOTHING_TO_ROLL_OVER: conflict,
  ROTOR_NO_CATALOG: conflict,
  ROTOR_CAS_CONTENDED: conflict,
  ROTOR_ALREADY_APPROVED: conflict,
  ROTOR_CLIENT_EXISTS: conflict,
  ROTOR_ACCOUNT_EXISTS: conflict,
  ROTOR_PUBLIC_CLIENT: conflict,
  ROTOR_RESERVED_CLIENT: conflict,
  ROTOR_REQUEST_EXPIRED: { status: 410, error: 'expired' },
  ROTOR_ROTATION_TOO_SOON: { status: 429, error: 'too_many_requests' },
  ROTOR_SSF_UNKNOWN_STREAM: notFound,
  ROTOR_SSF_BAD_ENDPOINT: badRequest,
  ROTOR_SSF_HOST_NOT_ALLOWED: badRequest,
  ROTOR_SSF_UNKNOWN_EVENT_TYPE: badRequest,
  ROTOR_SSF_WRONG_METHOD: badRequest,
  ROTOR_SSF_BODY_TOO_LARGE: { status: 413, error: 'invalid_request' },
};

/** The HTTP answer to a domain refusal. */
export const httpErrorFor = (code: DomainErrorCode): HttpError => TABLE[code];

/** The OAuth error for a bare HTTP status (errors raised by Koa and the routers themselves). */
export function oauthErrorForStatus(status: number): string {
  if (status === 401) return 'invalid_token';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
  if (status === 429) return 'too_many_requests';
  if (status === 503) return 'temporarily_unavailable';
  return status >= 500 ? 'server_error' : 'invalid_request';
}
