import type { KoaContextWithOIDC, ResourceServer, Client } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Settings } from '../settings/load-settings.js';

export const ADMIN_SCOPES = ['admin:keys', 'admin:emergency', 'admin:audit'] as const;

/** Signing choice for JWT access tokens: the family's algorithm and its active kid. */
export interface AccessTokenSigner {
  alg: string;
  kid: string;
}

/** Every scope a client may register: OpenID ones, then those of each resource server. */
export function supportedScopes(settings: Settings): string[] {
  const scopes = ['openid', 'offline_access', 'profile', ...settings.defaultResource.scope.split(' '), ...ADMIN_SCOPES];
  for (const server of Object.values(settings.resourceServers)) scopes.push(...server.scope.split(' '));
  return [...new Set(scopes)];
}

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/** Scopes a client may get at a resource: the resource's, narrowed to the client's registration. */
function allowedScope(resourceScope: string, client: Client): string {
  const registered = client.scope ? new Set(client.scope.split(' ')) : undefined;
  return resourceScope.split(' ').filter((scope) => !registered || registered.has(scope)).join(' ');
}

/**
 * Resource indicators (RFC 8707): which audience a token is for and how it is signed.
 * `<ISSUER>/api` is the default resource, `<ISSUER>/admin` is Rotor's own admin API, the rest
 * come from the `resourceServers` setting. A request for OpenID scopes only gets an opaque
 * token for the userinfo endpoint.
 */
export function resourceIndicators(settings: Settings, signer: AccessTokenSigner) {
  const api = `${settings.issuer}/api`;
  const admin = `${settings.issuer}/admin`;
  const apiScopes = new Set(settings.defaultResource.scope.split(' '));

  const info = (scope: string, client: Client, ttl?: number): ResourceServer => ({
    scope: allowedScope(scope, client),
    accessTokenTTL: ttl ?? settings.tokens.accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signer.alg as 'RS256', kid: signer.kid } },
  });

  return {
    enabled: true,
    async defaultResource(ctx: KoaContextWithOIDC, _client: Client, oneOf?: string[]): Promise<string | string[] | undefined> {
      if (oneOf) return oneOf;
      const scopes = requestedScopes(ctx);
      if (scopes.some((scope) => scope.startsWith('admin:'))) return admin;
      if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') return api;
      if (scopes.some((scope) => apiScopes.has(scope))) return api;
      return undefined;
    },
    async useGrantedResource(): Promise<boolean> {
      return true;
    },
    async getResourceServerInfo(_ctx: KoaContextWithOIDC, indicator: string, client: Client): Promise<ResourceServer> {
      if (indicator === api) return info(settings.defaultResource.scope, client);
      if (indicator === admin) return info(ADMIN_SCOPES.join(' '), client);
      const configured = settings.resourceServers[indicator];
      if (configured) return info(configured.scope, client, configured.accessTokenTTL);
      throw new errors.InvalidTarget(`unknown resource indicator: ${indicator}`);
    },
  };
}
