import { mintToken, TOKEN_PREFIXES } from '../keys/recognisable-token.js';
import type Provider from 'oidc-provider';

/** What every refresh token starts with (CONTRACT.md), so a secret scanner recognises a leaked one. */
export const REFRESH_TOKEN_PREFIX = TOKEN_PREFIXES.refresh_token;

/**
 * Makes one provider's refresh tokens `rotor_rt_`, 256 random bits (as many as oidc-provider's
 * own) and a checksum, in base64url (`keys/recognisable-token.ts`). oidc-provider takes a
 * token's value from its model's `generateTokenId`; each provider has a RefreshToken model of
 * its own, so this changes no other provider.
 */
export function prefixRefreshTokens(provider: Provider): void {
  Object.defineProperty(provider.RefreshToken.prototype, 'generateTokenId', {
    value: (): string => mintToken('refresh_token'),
    configurable: true,
    writable: true,
  });
}
