import { createHmac } from 'node:crypto';
import Provider from 'oidc-provider';
import { mintToken, TOKEN_PREFIXES } from '../keys/recognisable-token.js';

/** What every refresh token starts with (CONTRACT.md), so a secret scanner recognises a leaked one. */
export const REFRESH_TOKEN_PREFIX = TOKEN_PREFIXES.refresh_token;

/**
 * The one successor a refresh token can ever have: a recognisable refresh token whose 256 bits
 * are the HMAC-SHA256 of the predecessor under the deployment's successor key. Anyone who holds
 * the predecessor and asks again gets the same value, so the grace window needs no stored copy
 * of it, and nobody without the key can compute it from the predecessor.
 */
export function successorRefreshToken(key: Buffer, predecessor: string): string {
  return mintToken('refresh_token', createHmac('sha256', key).update(`successor:${predecessor}`, 'utf8').digest());
}

interface RotatingContext {
  oidc?: { entities?: { RotatedRefreshToken?: { jti?: string; grantId?: string } } };
}

/**
 * Makes one provider's refresh tokens `rotor_rt_`, 256 random bits (as many as oidc-provider's
 * own) and a checksum, in base64url (`keys/recognisable-token.ts`). oidc-provider takes a
 * token's value from its model's `generateTokenId`; each provider has a RefreshToken model of
 * its own, so this changes no other provider. The token that replaces a rotated one
 * (oidc-provider's refresh_token grant names the old one `RotatedRefreshToken` before it creates
 * the new one) is derived from it by {@link successorRefreshToken}: a refresh token has one
 * successor however often it is spent, and spending it is inserting that successor.
 */
export function prefixRefreshTokens(provider: Provider, successorKey: Buffer): void {
  Object.defineProperty(provider.RefreshToken.prototype, 'generateTokenId', {
    value(this: { grantId?: string }): string {
      const rotated = (Provider.ctx as RotatingContext | undefined)?.oidc?.entities?.RotatedRefreshToken;
      if (typeof rotated?.jti === 'string' && rotated.grantId === this.grantId) return successorRefreshToken(successorKey, rotated.jti);
      return mintToken('refresh_token');
    },
    configurable: true,
    writable: true,
  });
}
