import type { Context } from 'koa';
import { jwtVerify, errors, type JWTPayload } from 'jose';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { ClientStore } from '../store/client-store.js';
import type { AccountStore } from '../store/account-store.js';
import { clientPrincipal, userPrincipal, type Principal } from '../audit/principal.js';
import { checkDpopBinding, type DpopSettings } from '../verifier/dpop-binding.js';
import { DPOP_ALGORITHMS } from '../verifier/dpop-header.js';
import { VerifierError } from '../verifier/verifier-error.js';
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
  /** How DPoP proofs are checked; its replay store is shared by every instance (Redis). */
  dpop: DpopSettings;
  /** The audience tokens must be for: `<ISSUER>/admin` unless given (`<ISSUER>/ssf` for the stream API). */
  audience?: string;
}

const REALM = 'rotor-admin';
const CHALLENGE = `Bearer realm="${REALM}", DPoP realm="${REALM}" algs="${DPOP_ALGORITHMS.join(' ')}"`;

const invalidToken = (description: string, scheme = 'Bearer'): AdminError => AdminError.refused(401, 'invalid_token', description, { 'WWW-Authenticate': `${scheme} realm="${REALM}", error="invalid_token", error_description="${description}"` });

/** The URLs a DPoP proof's `htu` may name for this request: under the issuer, or as the client addressed this instance. */
function requestUrls(ctx: Context, issuer: string): string[] {
  const path = ctx.path;
  return [...new Set([`${issuer}${path}`, `${ctx.origin}${path}`])];
}

/**
 * Holds a token to its DPoP binding (RFC 9449): a token bound to a key (`cnf.jkt`) must come
 * with the DPoP scheme and a valid proof for this request; a proof needs a bound token.
 */
async function checkBinding(ctx: Context, payload: JWTPayload, token: string, scheme: string, deps: AuthenticateDeps): Promise<void> {
  const urls = requestUrls(ctx, deps.issuer);
  for (const [index, url] of urls.entries()) {
    try {
      await checkDpopBinding(payload, token, scheme === 'DPoP' ? { proof: ctx.headers.dpop, method: ctx.method, url } : undefined, deps.dpop);
      return;
    } catch (err) {
      if (!(err instanceof VerifierError)) throw err;
      if (err.dpopCheck === 'htu' && index < urls.length - 1) continue;
      const error = err.code === 'invalid_dpop_proof' ? 'invalid_dpop_proof' : 'invalid_token';
      throw AdminError.refused(401, error, err.message, { 'WWW-Authenticate': `DPoP realm="${REALM}", error="${error}", error_description="${err.message}", algs="${DPOP_ALGORITHMS.join(' ')}"` });
    }
  }
}

async function verifyToken(token: string, { holder, issuer, clockSkew, audience = `${issuer}/admin` }: AuthenticateDeps): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, holder.state.localJwks, { issuer, audience, typ: 'at+jwt', clockTolerance: clockSkew });
    return payload;
  } catch (err) {
    throw invalidToken(err instanceof errors.JWTExpired ? 'the access token has expired'
      : err instanceof errors.JWKSNoMatchingKey ? 'the access token is signed by a key this server does not publish'
        : err instanceof errors.JWTClaimValidationFailed ? `the access token is not for this API (${err.claim})`
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
 * A DPoP-bound token is refused as a plain bearer token: it needs its proof.
 */
export async function authenticate(ctx: Context, deps: AuthenticateDeps): Promise<AdminPrincipal> {
  const header = ctx.get('Authorization');
  const match = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw AdminError.refused(401, 'invalid_token', header ? 'the Authorization header must be "Bearer <token>" or "DPoP <token>"' : 'an access token is required', { 'WWW-Authenticate': CHALLENGE });
  const scheme = match[1] === 'DPoP' ? 'DPoP' : 'Bearer';
  const token = match[2]!;
  const payload = await verifyToken(token, deps);
  await checkBinding(ctx, payload, token, scheme, deps);
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
    throw AdminError.refused(403, 'insufficient_scope', `this call needs the scope ${scope}`, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` });
  }
}
