import Provider, { errors, type Adapter, type Client, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Algorithm } from '../keys/algorithms.js';
import type { Settings } from '../settings/load-settings.js';
import type { AccountStore } from '../store/account-store.js';
import { isStoreDown } from '../store/connect.js';
import { DOUBLE_SPEND } from '../store/oidc-adapter.js';
import type { Logger } from '../logging/create-logger.js';
import { resourceIndicators, supportedScopes, type AccessTokenSigner } from './resources.js';
import { ttlConfig } from './ttl.js';
import type { AuditInput } from '../audit/chain.js';
import { renderErrorPage } from './views/error-page.js';
import { logoutSource, postLogoutSuccessSource } from './views/logout-pages.js';
import type { Throttle } from '../throttle/index.js';
import { clientAuthThrottle, lockAwareClientAdapter } from './client-auth-throttle.js';
import { prefixRefreshTokens, successorRefreshToken } from './refresh-token-prefix.js';
import { createGrantCache, type GrantCache } from './grant-cache.js';
import { isChainingAdapter, REFRESH_REPLAY, refreshRotationAdapter } from './refresh-rotation.js';
import { collectSecurityEvents, writeSecurityEvents } from './security-event-sources.js';
import type { SecurityEvent } from '../ssf/security-event.js';

export interface ProviderDeps {
  settings: Settings;
  adapter: (name: string) => Adapter;
  accounts: AccountStore;
  cookieKeys: string[];
  logger: Logger;
  /** Called for every JWT access token signed, with the kid that signed it. */
  onTokenIssued?: (kid: string, type: 'access_token' | 'client_credentials') => void;
  /** Security events: refresh-token reuse and grant revocation. */
  onAudit?: (event: AuditInput) => void;
  /** Throttles failed client authentication (token, introspection, revocation). */
  throttle?: Throttle;
  /**
   * Derives a rotated refresh token's one successor from it (the deployment's
   * `refreshSuccessors` key): spending a token is inserting its successor.
   */
  refreshSuccessorKey: Buffer;
  /** The instance's cache of the grants refreshes read; a provider of its own when absent (the CLI). */
  grantCache?: GrantCache;
  /** Writes a security event (logout, grant revocation, refresh-token reuse) to the outbox; awaited before the answer. */
  recordSecurityEvent?: (event: SecurityEvent) => Promise<void>;
}

/** Keys for oidc-provider: the signers first (one per algorithm), then verify-only keys. */
export interface ProviderKeys {
  jwks: JWK[];
  /** The algorithms with a signer, best first: the only ones an ID token may be signed with. */
  algorithms: readonly Algorithm[];
  signer: AccessTokenSigner;
}

/** Every stored token of a grant, and the grant, go (refresh-token reuse, a leak report). */
export async function revokeGrantArtifacts(provider: Provider, grantId: string): Promise<void> {
  const grants = provider.Grant as unknown as { adapter: Adapter };
  await Promise.all([
    provider.AccessToken.revokeByGrantId(grantId),
    provider.RefreshToken.revokeByGrantId(grantId),
    provider.AuthorizationCode.revokeByGrantId(grantId),
    grants.adapter.destroy(grantId),
  ]);
}

/** What oidc-provider does on refresh-token reuse: every token of the grant, and the grant, go. */
async function revokeGrant(provider: Provider, ctx: KoaContextWithOIDC, grantId: string): Promise<void> {
  await revokeGrantArtifacts(provider, grantId);
  provider.emit('grant.revoked', ctx, grantId);
}

/**
 * oidc-provider's adapter factory: clients locked out by the throttle look unknown, refreshes
 * reuse the grant an instance read a moment ago (`grant-cache.ts`), and refresh tokens are
 * spent by their successor's insert, with `tokens.refreshReuseGrace`'s window (`refresh-rotation.ts`).
 */
function providerAdapter({ settings, adapter, throttle, refreshSuccessorKey, grantCache = createGrantCache() }: ProviderDeps): (name: string) => Adapter {
  const store = adapter('RefreshToken');
  if (!isChainingAdapter(store)) throw new Error('refresh tokens need a store that inserts without overwriting (ChainingAdapter)');
  const refreshTokens = refreshRotationAdapter(store, {
    graceMs: settings.tokens.refreshReuseGrace * 1000,
    successorOf: (predecessor) => successorRefreshToken(refreshSuccessorKey, predecessor),
  });
  const grants = grantCache.wrap(adapter('Grant'));
  return (name: string) => {
    if (name === 'RefreshToken') return refreshTokens;
    if (name === 'Grant') return grants;
    if (name === 'Client' && throttle) return lockAwareClientAdapter(adapter(name), throttle);
    return adapter(name);
  };
}

/** Rotor's own client metadata: `first_party` (skips consent), `introspection_any_client` (may introspect others' tokens). */
const ROTOR_CLIENT_METADATA = ['first_party', 'introspection_any_client'];

function booleanMetadataValidator(_ctx: KoaContextWithOIDC, key: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
}

/** Introspection answers for a token only to its own client, or to a client registered with `--introspection`. */
async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client, token: { clientId?: string | undefined }): Promise<boolean> {
  return token.clientId === client.clientId || (client.metadata() as { introspection_any_client?: boolean }).introspection_any_client === true;
}

/** An OpenID request gets a refresh token only with `offline_access` granted; a plain OAuth one when its client may refresh. */
async function issueRefreshToken(_ctx: KoaContextWithOIDC, client: Client, source: { scopes: Set<string> }): Promise<boolean> {
  if (!client.grantTypeAllowed('refresh_token')) return false;
  return !source.scopes.has('openid') || source.scopes.has('offline_access');
}

/** Tokens of an OpenID login without `offline_access` end with the login session (logout revokes their grant). */
async function expiresWithSession(_ctx: KoaContextWithOIDC, source: { scopes: Set<string> }): Promise<boolean> {
  return source.scopes.has('openid') && !source.scopes.has('offline_access');
}

/**
 * Builds one oidc-provider instance for one catalog version. Everything that varies between
 * versions is in `keys`; everything else must be identical across instances and restarts
 * (storage, cookie keys derived from the KEK), so any instance serves any request.
 */
export function createProvider(deps: ProviderDeps, keys: ProviderKeys): Provider {
  const { settings, accounts, cookieKeys, logger, onTokenIssued, onAudit, throttle, refreshSuccessorKey, recordSecurityEvent } = deps;
  const configuration: Configuration = {
    adapter: providerAdapter(deps),
    jwks: { keys: keys.jwks as never },
    cookies: { keys: cookieKeys, long: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https:') }, short: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https:') } },
    clockTolerance: settings.tokens.clockSkew,
    claims: { openid: ['sub'], profile: ['preferred_username'] },
    scopes: supportedScopes(settings),
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: keys.algorithms[0]!,
    },
    // Only what this instance signs with: a client registered for another algorithm (one the
    // policy dropped) is refused as invalid_client_metadata instead of failing to sign.
    enabledJWA: { idTokenSigningAlgValues: [...keys.algorithms] },
    extraClientMetadata: { properties: ROTOR_CLIENT_METADATA, validator: booleanMetadataValidator as never },
    // PKCE (S256) for every client that uses authorization_code, confidential ones included.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed as never },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutSource as never, postLogoutSuccessSource: postLogoutSuccessSource as never },
      resourceIndicators: resourceIndicators(settings, keys.signer, (sub) => accounts.findBySub(sub)) as never,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = await accounts.findBySub(sub);
      if (!account || account.disabled) return undefined;
      return { accountId: account.sub, claims: () => ({ sub: account.sub, preferred_username: account.username }) };
    },
    issueRefreshToken: issueRefreshToken as never,
    // Every use of a refresh token rotates it, for confidential clients too (CONTRACT.md).
    rotateRefreshToken: true,
    expiresWithSession: expiresWithSession as never,
    ttl: ttlConfig(settings.tokens, settings.session.maxAge) as never,
    renderError: async (ctx, out) => renderErrorPage(ctx, out),
  };
  const provider = new Provider(settings.issuer, configuration);
  prefixRefreshTokens(provider, refreshSuccessorKey);
  provider.proxy = settings.http.proxyHops > 0;
  provider.maxIpsCount = settings.http.proxyHops;

  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    if (isStoreDown(err)) {
      ctx.state.storeDown = true;
      logger.warn('request failed: MongoDB unreachable', { path: ctx.path, error: err });
    } else {
      logger.error('request failed', { path: ctx.path, error: err, stack: err.stack });
    }
  });
  if (onTokenIssued) {
    provider.on('access_token.issued', () => onTokenIssued(keys.signer.kid, 'access_token'));
    provider.on('client_credentials.issued', () => onTokenIssued(keys.signer.kid, 'client_credentials'));
  }
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    // At the token endpoint a grant is revoked only because a used refresh token came back.
    const reuse = ctx.oidc.route === 'token';
    onAudit?.({ actor: ctx.oidc.client ? `client:${ctx.oidc.client.clientId}` : 'unknown', action: reuse ? 'refresh_token.reuse' : 'grant.revoke', target: grantId, outcome: 'ok', detail: { route: String(ctx.oidc.route) } });
  });
  if (recordSecurityEvent) collectSecurityEvents(provider, settings.issuer);
  // A dependency outage is a 503 the client may retry, not a bug of ours (a 500). A single-use
  // artifact spent twice at once (the adapter marks the request) revokes its grant, as reuse does.
  provider.use(async (ctx, next) => {
    await next();
    const doubleSpent = ctx.state[DOUBLE_SPEND] as string | undefined;
    if (doubleSpent) await revokeGrant(provider, ctx as KoaContextWithOIDC, doubleSpent);
    if (recordSecurityEvent) await writeSecurityEvents(ctx as KoaContextWithOIDC, recordSecurityEvent, logger);
    const replayed = ctx.state[REFRESH_REPLAY] as string | undefined;
    const client = (ctx as KoaContextWithOIDC).oidc?.client?.clientId;
    if (replayed && ctx.status === 200) onAudit?.({ actor: client ? `client:${client}` : 'unknown', action: 'refresh_token.replay', target: replayed, outcome: 'ok', detail: { graceSeconds: settings.tokens.refreshReuseGrace } });
    if (ctx.status === 500 && ctx.state.storeDown) {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the database is unreachable; retry shortly' };
    }
  });
  if (throttle) provider.use(clientAuthThrottle(throttle, onAudit));
  return provider;
}
