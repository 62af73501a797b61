import type { KoaContextWithOIDC, RefreshToken, Session } from 'oidc-provider';
import type { Settings } from '../settings/load-settings.js';

/**
 * Token lifetimes from the settings. A refresh token lives `refreshTokenIdleTTL` after each
 * use, but never past `refreshTokenTTL` after the first one of its chain was issued. A login
 * session ends `sessionMaxAge` after the login, however busy it is (an absolute lifetime).
 */
export function ttlConfig(tokens: Settings['tokens'], sessionMaxAge: number) {
  return {
    AccessToken: tokens.accessTokenTTL,
    ClientCredentials: tokens.accessTokenTTL,
    IdToken: tokens.idTokenTTL,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session(_ctx: KoaContextWithOIDC, session: Session): number {
      const since = typeof session.loginTs === 'number' ? Math.floor(Date.now() / 1000) - session.loginTs : 0;
      return Math.max(1, sessionMaxAge - since);
    },
    Grant: tokens.refreshTokenTTL,
    RefreshToken(_ctx: KoaContextWithOIDC, token: RefreshToken): number {
      const remaining = tokens.refreshTokenTTL - token.totalLifetime();
      return Math.max(1, Math.min(tokens.refreshTokenIdleTTL, remaining));
    },
  };
}

/**
 * How long a spent refresh token or code is remembered: as long as the spent artifact itself can
 * still be found and presented (a refresh token lives at most `refreshTokenIdleTTL` from its
 * issue, and never past `refreshTokenTTL`; a code a minute), and a day more for clocks that
 * disagree. Past that, presenting it finds nothing and is refused anyway.
 */
export function spentRecordSeconds(tokens: Pick<Settings['tokens'], 'refreshTokenTTL' | 'refreshTokenIdleTTL'>): number {
  return Math.min(tokens.refreshTokenTTL, tokens.refreshTokenIdleTTL) + 86400;
}
