import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';

/** What every refresh token starts with (CONTRACT.md), so a secret scanner recognises a leaked one. */
export const REFRESH_TOKEN_PREFIX = 'rotor_rt_';

/**
 * Makes one provider's refresh tokens `rotor_rt_` and 256 random bits (base64url), as many as
 * oidc-provider's own. oidc-provider takes a token's value from its model's `generateTokenId`;
 * each provider has a RefreshToken model of its own, so this changes no other provider.
 */
export function prefixRefreshTokens(provider: Provider): void {
  Object.defineProperty(provider.RefreshToken.prototype, 'generateTokenId', {
    value: (): string => `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`,
    configurable: true,
    writable: true,
  });
}
