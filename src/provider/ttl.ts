import type { KoaContextWithOIDC, RefreshToken } from 'oidc-provider';
import type { Settings } from '../settings/load-settings.js';

/**
 * Token lifetimes from the settings. A refresh token lives `refreshTokenIdleTTL` after each
 * use, but never past `refreshTokenTTL` after the first one of its chain was issued.
 */
export function ttlConfig(tokens: Settings['tokens']) {
  return {
    AccessToken: tokens.accessTokenTTL,
    ClientCredentials: tokens.accessTokenTTL,
    IdToken: tokens.idTokenTTL,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: tokens.refreshTokenIdleTTL,
    Grant: tokens.refreshTokenTTL,
    RefreshToken(_ctx: KoaContextWithOIDC, token: RefreshToken): number {
      const remaining = tokens.refreshTokenTTL - token.totalLifetime();
      return Math.max(1, Math.min(tokens.refreshTokenIdleTTL, remaining));
    },
  };
}
