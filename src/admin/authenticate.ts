import type { Context } from 'koa';
import { jwtVerify, errors, type JWTPayload } from 'jose';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { ClientStore } from '../store/client-store.js';
import type { AccountStore } from '../store/account-store.js';
import { clientPrincipal, userPrincipal, type Principal } from '../audit/principal.js';
import { AdminError } from './admin-error.js';

export interface AdminPrincipal {
  clientId: string;
  /** Who the audit log names: the client itself, or the person and the client they acted through. */
  principal: Principal;
  scopes: Set<string>;
}

export interface AuthenticateDeps {
  holder: ProviderHolder;
  clients: ClientStore;
  accounts: AccountStore;
  issuer: string;
  clockSkew: number;
}

const REALM = 'rotor-admin';

const invalidToken = (description: string): AdminError => new AdminError(401, 'invalid_token', description, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` });

async function verifyToken(token: string, { holder, issuer, clockSkew }: AuthenticateDeps): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, holder.state.localJwks, { issuer, audience: `${issuer}/admin`, typ: 'at+jwt', clockTolerance: clockSkew });
    return payload;
  } catch (err) {
    throw invalidToken(err instanceof errors.JWTExpired ? 'the access token has expired'
      : err instanceof errors.JWKSNoMatchingKey ? 'the access token is signed by a key this server does not publish'
        : err instanceof errors.JWTClaimValidationFailed ? `the access token is not for the admin API (${err.claim})`
          : 'the access token is invalid');
  }
}

/**
 * Checks the bearer token against the catalog this instance holds — no HTTP round trip, and a
 * token signed by a revoked key fails the moment the instance swaps. Tokens must be access
 * tokens (`at+jwt`) issued by this server for the audience `<ISSUER>/admin`.
 *
 * A token whose `sub` is its `client_id` is a client acting for itself (`client_credentials`);
 * any other is a person acting through that client, who must still exist, be enabled and hold
 * the `security` role now, whatever the token says. The client must still be registered. Both
 * lookups go through caches that every instance drops when the CLI or the admin API changes them.
 */
export async function authenticate(ctx: Context, deps: AuthenticateDeps): Promise<AdminPrincipal> {
  const header = ctx.get('Authorization');
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw new AdminError(401, 'invalid_token', header ? 'the Authorization header must be "Bearer <token>"' : 'a bearer access token is required', { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
  const payload = await verifyToken(match[1]!, deps);
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  if (!clientId || typeof payload.sub !== 'string') throw invalidToken('the access token is invalid');
  const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []);
  if (!(await deps.clients.find(clientId))) throw invalidToken(`the client ${clientId} is no longer registered`);
  if (payload.sub === clientId) return { clientId, principal: clientPrincipal(clientId), scopes };
  const account = await deps.accounts.findBySub(payload.sub);
  if (!account || account.disabled) throw invalidToken('the person this token was issued to is disabled or removed');
  const principal = userPrincipal(account.username, clientId);
  if (!account.roles.includes('security')) return { clientId, principal, scopes: new Set() };
  return { clientId, principal, scopes };
}

/** 403 unless the principal holds `scope`. */
export function requireScope(principal: AdminPrincipal, scope: string): void {
  if (!principal.scopes.has(scope)) {
    throw new AdminError(403, 'insufficient_scope', `this call needs the scope ${scope}`, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` });
  }
}
