import type { KoaContextWithOIDC, ResourceServer, Client } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Settings } from '../settings/load-settings.js';
import type { Account } from '../store/account-store.js';

export const ADMIN_SCOPES = ['admin:keys', 'admin:emergency', 'admin:audit', 'admin:clients'] as const;
/** The stream API's scope (audience `<ISSUER>/ssf`): a receiver client managing its own SSF streams. */
export const SSF_SCOPES = ['ssf:manage'] as const;

/** The scopes each role opens to a person; a scope no role lists is never a person's. */
const ROLE_SCOPES: Record<Account['roles'][number], readonly string[]> = {
  security: ADMIN_SCOPES,
};

/** Signing choice for JWT access tokens: the family's algorithm and its active kid. */
export interface AccessTokenSigner {
  alg: string;
  kid: string;
}

/** Every scope a client may register: OpenID ones, then those of each resource server. */
export function supportedScopes(settings: Settings): string[] {
  const scopes = ['openid', 'offline_access', 'profile', ...settings.defaultResource.scope.split(' '), ...ADMIN_SCOPES, ...SSF_SCOPES];
  for (const server of Object.values(settings.resourceServers)) scopes.push(...server.scope.split(' '));
  return [...new Set(scopes)];
}

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/** Scopes a client may get at a resource: the resource's, narrowed to the client's registration (none without one). */
function registeredScopes(resourceScope: readonly string[], client: Client): string[] {
  const registered = new Set((client.scope ?? '').split(' ').filter(Boolean));
  return resourceScope.filter((scope) => registered.has(scope));
}

/** The person a request acts for, if any: from the code or refresh token being spent, or the login session. */
function personOf(ctx: KoaContextWithOIDC): string | undefined {
  const { entities } = ctx.oidc;
  const holders = [ctx.oidc.account, entities.AuthorizationCode, entities.RefreshToken, entities.DeviceCode, ctx.oidc.session] as Array<{ accountId?: unknown } | undefined>;
  for (const holder of holders) if (typeof holder?.accountId === 'string') return holder.accountId;
  return undefined;
}

const actsForItself = (ctx: KoaContextWithOIDC): boolean => ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';

/**
 * A client asking for itself gets `invalid_scope` for a scope of this resource it is not
 * registered for, rather than a token without it: it can fix its request or its registration.
 * (A person's request keeps oidc-provider's rule: scopes the grant does not allow are dropped.)
 */
function refuseUnregistered(ctx: KoaContextWithOIDC, resourceScopes: readonly string[], allowed: string[]): string[] {
  if (!actsForItself(ctx)) return allowed;
  const ofResource = new Set(resourceScopes);
  const refused = requestedScopes(ctx).filter((scope) => ofResource.has(scope) && !allowed.includes(scope));
  if (refused.length > 0) throw new errors.InvalidScope('this client is not registered for the scope requested', refused.join(' '));
  return allowed;
}

/**
 * Resource indicators (RFC 8707): which audience a token is for and how it is signed.
 * `<ISSUER>/api` is the default resource, `<ISSUER>/admin` is Rotor's own admin API,
 * `<ISSUER>/ssf` its security-event stream API (`ssf:manage`, clients only), the rest
 * come from the `resourceServers` setting. A request for OpenID scopes only gets an opaque
 * token for the userinfo endpoint.
 *
 * Deny by default: a client gets a resource's scopes only where its registration lists them.
 * Admin scopes go to a person only through such a client and only where the person's roles open
 * them (requested ∩ client's ∩ role's), checked again whenever a token is issued, so a role
 * taken away stops the next refresh from carrying it. Before the login, at the authorization
 * endpoint, the person is not known yet: the client's registration alone narrows the request there.
 */
export function resourceIndicators(settings: Settings, signer: AccessTokenSigner, findAccount: (sub: string) => Promise<Account | undefined>) {
  const api = `${settings.issuer}/api`;
  const admin = `${settings.issuer}/admin`;
  const ssf = `${settings.issuer}/ssf`;
  const apiScopeList = settings.defaultResource.scope.split(' ');
  const apiScopes = new Set(apiScopeList);
  // Each configured resource's scopes, split once per provider rather than on every request.
  const configured = new Map(Object.entries(settings.resourceServers).map(([indicator, server]) => [indicator, { scopes: server.scope.split(' '), ttl: server.accessTokenTTL }]));

  const info = (scopes: readonly string[], ttl?: number): ResourceServer => ({
    scope: scopes.join(' '),
    accessTokenTTL: ttl ?? settings.tokens.accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signer.alg as 'RS256', kid: signer.kid } },
  });

  async function adminScopes(ctx: KoaContextWithOIDC, client: Client): Promise<string[]> {
    const allowed = registeredScopes(ADMIN_SCOPES, client);
    if (actsForItself(ctx) || allowed.length === 0) return allowed;
    const sub = personOf(ctx);
    if (!sub) return ctx.oidc.route === 'authorization' ? allowed : [];
    const account = await findAccount(sub);
    if (!account || account.disabled) return [];
    const opened = new Set(account.roles.flatMap((role) => ROLE_SCOPES[role]));
    return allowed.filter((scope) => opened.has(scope));
  }

  return {
    enabled: true,
    async defaultResource(ctx: KoaContextWithOIDC, _client: Client, oneOf?: string[]): Promise<string | string[] | undefined> {
      if (oneOf) return oneOf;
      const scopes = requestedScopes(ctx);
      if (scopes.some((scope) => scope.startsWith('admin:'))) return admin;
      if (scopes.some((scope) => scope.startsWith('ssf:'))) return ssf;
      if (actsForItself(ctx)) return api;
      if (scopes.some((scope) => apiScopes.has(scope))) return api;
      return undefined;
    },
    async useGrantedResource(): Promise<boolean> {
      return true;
    },
    async getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: Client): Promise<ResourceServer> {
      if (indicator === api) return info(refuseUnregistered(ctx, apiScopeList, registeredScopes(apiScopeList, client)));
      if (indicator === admin) return info(refuseUnregistered(ctx, ADMIN_SCOPES, await adminScopes(ctx, client)));
      // A receiver manages its streams for itself: never a person's scope.
      if (indicator === ssf) return info(refuseUnregistered(ctx, SSF_SCOPES, actsForItself(ctx) ? registeredScopes(SSF_SCOPES, client) : []));
      const server = configured.get(indicator);
      if (server) return info(refuseUnregistered(ctx, server.scopes, registeredScopes(server.scopes, client)), server.ttl);
      throw new errors.InvalidTarget(`unknown resource indicator: ${indicator}`);
    },
  };
}
