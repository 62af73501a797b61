import type { AccessTokenClaims, Verifier, VerifyOptions } from './create-verifier.js';
import { DPOP_ALGORITHMS } from './dpop-header.js';
import { challenge, insufficientScope, unauthorized, unavailable, type ChallengeScheme, type Refusal } from './refusal.js';
import { VerifierError } from './verifier-error.js';

export type { Refusal } from './refusal.js';

/** Options of {@link checkAuthorization} and {@link checkBearer}. */
export interface BearerOptions {
  /** Space-separated scopes the token must all carry in its `scope` claim; 403 otherwise. */
  scope?: string;
  /** The `realm` of the `WWW-Authenticate` challenge (default `"api"`). */
  realm?: string;
}

/** What {@link checkAuthorization} reads from a request. */
export interface AuthorizationRequest {
  /** The `Authorization` header. */
  authorization: string | undefined;
  /** The `DPoP` header(s), for the `DPoP` scheme. */
  dpop?: string | readonly string[] | undefined;
  /** The HTTP method, as received. */
  method: string;
  /** The absolute URL the client addressed (a proxy's public one, not the internal one). */
  url: string;
}

/** A verifier, or anything with its `verify`; `dpopAlgorithms` (default all) is listed in DPoP challenges. */
export type VerifierLike = Pick<Verifier, 'verify'> & Partial<Pick<Verifier, 'dpopAlgorithms'>>;

/** The outcome of a check: the claims, or what to answer. */
export type CheckOutcome = { claims: AccessTokenClaims } | { refusal: Refusal };

const CREDENTIALS = /^(?:Bearer|DPoP) +(\S+) *$/i;
const SCHEME = /^(Bearer|DPoP)\b/i;

/**
 * Checks a request's `Authorization` (and `DPoP`) headers: the claims of a valid token with every
 * required scope, or the refusal to send. `Bearer` tokens as in RFC 6750; `DPoP` tokens with their
 * proof as in RFC 9449 §7. 401 without an `error` when there is no token at all (a `Bearer`
 * challenge); 401 `invalid_token` for a bad token, a DPoP-bound token sent as `Bearer` or a proof
 * from another key; 401 `invalid_dpop_proof` for a missing, invalid or replayed proof; 403
 * `insufficient_scope`; 503 with `Retry-After` when the issuer cannot be reached. Refusals of the
 * `DPoP` scheme, and of bound tokens, challenge with `DPoP` and list the accepted `algs`.
 * Errors other than {@link VerifierError} are rethrown for the framework to handle.
 */
export function checkAuthorization(verifier: VerifierLike, request: AuthorizationRequest, options: BearerOptions = {}): Promise<CheckOutcome> {
  return check(verifier, request, options, true);
}

/**
 * {@link checkAuthorization} for the `Bearer` scheme only: a request using another scheme is
 * answered as one without a token. DPoP-bound tokens are refused, as they must be as bearer tokens.
 */
export function checkBearer(verifier: VerifierLike, authorization: string | undefined, options: BearerOptions = {}): Promise<CheckOutcome> {
  return check(verifier, { authorization, method: '', url: '' }, options, false);
}

async function check(verifier: VerifierLike, request: AuthorizationRequest, options: BearerOptions, acceptDpop: boolean): Promise<CheckOutcome> {
  const realm = options.realm ?? 'api';
  const { authorization } = request;
  const scheme = SCHEME.exec(authorization ?? '')?.[1]?.toLowerCase();
  if (scheme === undefined || (scheme === 'dpop' && !acceptDpop)) {
    return { refusal: { status: 401, headers: { 'WWW-Authenticate': challenge({ name: 'Bearer' }, realm) }, body: { error: 'invalid_token', error_description: 'a bearer access token is required' } } };
  }
  const dpop: ChallengeScheme = { name: 'DPoP', algs: verifier.dpopAlgorithms ?? DPOP_ALGORITHMS };
  const asDpop = scheme === 'dpop';
  const token = CREDENTIALS.exec(authorization!)?.[1] ?? '';
  const verifyOptions: VerifyOptions | undefined = asDpop ? { dpop: { proof: request.dpop, method: request.method, url: request.url } } : undefined;
  let claims: AccessTokenClaims;
  try {
    claims = await verifier.verify(token, verifyOptions);
  } catch (err) {
    if (!(err instanceof VerifierError)) throw err;
    if (err.code === 'issuer_unreachable') return { refusal: unavailable(err.message, err.retryAfterSec) };
    const error = err.code === 'invalid_dpop_proof' ? 'invalid_dpop_proof' : 'invalid_token';
    return { refusal: unauthorized(asDpop || err.code === 'dpop_required' ? dpop : { name: 'Bearer' }, realm, error, err.message) };
  }
  const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
  const required = (options.scope ?? '').split(' ').filter(Boolean);
  if (required.some((scope) => !granted.has(scope))) return { refusal: insufficientScope(asDpop ? dpop : { name: 'Bearer' }, realm, required) };
  return { claims };
}
