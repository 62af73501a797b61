/** What to answer instead of calling the next handler. */
export interface Refusal {
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

/** The scheme of a challenge: `DPoP` ones list the accepted proof algorithms (RFC 9449 §7.1). */
export type ChallengeScheme = { name: 'Bearer' } | { name: 'DPoP'; algs: readonly string[] };

/** RFC 6750 quoted-string values may hold only %x20-21 / %x23-5B / %x5D-7E. */
const quoted = (value: string): string => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ')}"`;

/** A `WWW-Authenticate` challenge: `realm`, then `params` in order, then `algs` for DPoP. */
export function challenge(scheme: ChallengeScheme, realm: string, params: Record<string, string> = {}): string {
  const parts = [['realm', realm], ...Object.entries(params), ...(scheme.name === 'DPoP' ? [['algs', scheme.algs.join(' ')]] : [])];
  return `${scheme.name} ${parts.map(([name, value]) => `${name}=${quoted(value!)}`).join(', ')}`;
}

/** 401 with an `error` (`invalid_token` or `invalid_dpop_proof`) and its description. */
export function unauthorized(scheme: ChallengeScheme, realm: string, error: string, description: string): Refusal {
  const header = challenge(scheme, realm, { error, error_description: description });
  return { status: 401, headers: { 'WWW-Authenticate': header }, body: { error, error_description: description } };
}

/** 403 `insufficient_scope`, naming the scopes the call needs. */
export function insufficientScope(scheme: ChallengeScheme, realm: string, required: string[]): Refusal {
  const description = `this call needs the scope ${required.join(' ')}`;
  const header = challenge(scheme, realm, { error: 'insufficient_scope', error_description: description, scope: required.join(' ') });
  return { status: 403, headers: { 'WWW-Authenticate': header }, body: { error: 'insufficient_scope', error_description: description } };
}

/** 503 with `Retry-After`: the issuer cannot be reached, which is no reason for the client to give up. */
export function unavailable(message: string, retryAfterSec: number | undefined): Refusal {
  return { status: 503, headers: { 'Retry-After': String(retryAfterSec ?? 5) }, body: { error: 'temporarily_unavailable', error_description: message } };
}
