import type { Context } from 'koa';
import { jwtVerify, errors } from 'jose';
import type { ProviderHolder } from '../provider/provider-holder.js';
import { AdminError } from './admin-error.js';

export interface AdminPrincipal {
  clientId: string;
  scopes: Set<string>;
}

const REALM = 'rotor-admin';

/**
 * Checks the bearer token against the catalog this instance holds — no HTTP round trip, and a
 * token signed by a revoked key fails the moment the instance swaps. Tokens must be access
 * tokens (`at+jwt`) issued by this server for the audience `<ISSUER>/admin`.
 */
export async function authenticate(ctx: Context, holder: ProviderHolder, issuer: string, clockSkew: number): Promise<AdminPrincipal> {
  const header = ctx.get('Authorization');
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw new AdminError(401, 'invalid_token', header ? 'the Authorization header must be "Bearer <token>"' : 'a bearer access token is required', { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
  try {
    const { payload } = await jwtVerify(match[1]!, holder.state.localJwks, { issuer, audience: `${issuer}/admin`, typ: 'at+jwt', clockTolerance: clockSkew });
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    if (!clientId) throw new Error('no client_id');
    return { clientId, scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []) };
  } catch (err) {
    const description = err instanceof errors.JWTExpired ? 'the access token has expired'
      : err instanceof errors.JWKSNoMatchingKey ? 'the access token is signed by a key this server does not publish'
        : err instanceof errors.JWTClaimValidationFailed ? `the access token is not for the admin API (${err.claim})`
          : 'the access token is invalid';
    throw new AdminError(401, 'invalid_token', description, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` });
  }
}

/** 403 unless the principal holds `scope`. */
export function requireScope(principal: AdminPrincipal, scope: string): void {
  if (!principal.scopes.has(scope)) {
    throw new AdminError(403, 'insufficient_scope', `this call needs the scope ${scope}`, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` });
  }
}
