import type { AccessTokenClaims, Verifier } from './create-verifier.js';
import { VerifierError } from './verifier-error.js';

/** Options of the Koa and Express middleware. */
export interface BearerOptions {
  /** Space-separated scopes the token must all carry in its `scope` claim; 403 otherwise. */
  scope?: string;
  /** The `realm` of the `WWW-Authenticate` challenge (default `"api"`). */
  realm?: string;
}

/** What to answer instead of calling the next handler. */
export interface Refusal {
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

/** RFC 6750 quoted-string values may hold only %x20-21 / %x23-5B / %x5D-7E. */
const quoted = (value: string): string => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ')}"`;

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Checks the `Authorization` header of a request: the claims of a valid token with every
 * required scope, or the RFC 6750 refusal to send — 401 (no `error` when there is no token at
 * all), 403 `insufficient_scope`, or 503 with `Retry-After` when the issuer cannot be reached.
 * Errors other than {@link VerifierError} are rethrown for the framework to handle.
 */
export async function checkBearer(verifier: Pick<Verifier, 'verify'>, authorization: string | undefined, options: BearerOptions = {}): Promise<{ claims: AccessTokenClaims } | { refusal: Refusal }> {
  const realm = `realm=${quoted(options.realm ?? 'api')}`;
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!authorization || !/^Bearer\b/i.test(authorization)) {
    const description = 'a bearer access token is required';
    return { refusal: { status: 401, headers: { 'WWW-Authenticate': `Bearer ${realm}` }, body: { error: 'invalid_token', error_description: description } } };
  }
  let claims: AccessTokenClaims;
  try {
    claims = await verifier.verify(token ?? '');
  } catch (err) {
    if (!(err instanceof VerifierError)) throw err;
    if (err.code === 'issuer_unreachable') {
      return { refusal: { status: 503, headers: { 'Retry-After': String(err.retryAfterSec ?? 5) }, body: { error: 'temporarily_unavailable', error_description: err.message } } };
    }
    const challenge = `Bearer ${realm}, error="invalid_token", error_description=${quoted(err.message)}`;
    return { refusal: { status: 401, headers: { 'WWW-Authenticate': challenge }, body: { error: 'invalid_token', error_description: err.message } } };
  }
  const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
  const required = (options.scope ?? '').split(' ').filter(Boolean);
  if (required.some((scope) => !granted.has(scope))) {
    const description = `this call needs the scope ${required.join(' ')}`;
    const challenge = `Bearer ${realm}, error="insufficient_scope", error_description=${quoted(description)}, scope=${quoted(required.join(' '))}`;
    return { refusal: { status: 403, headers: { 'WWW-Authenticate': challenge }, body: { error: 'insufficient_scope', error_description: description } } };
  }
  return { claims };
}
