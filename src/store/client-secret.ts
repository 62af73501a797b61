import { mintToken, TOKEN_PREFIXES } from '../keys/recognisable-token.js';

/** What every secret Rotor generates starts with, so secret scanners and people recognise one. */
export const CLIENT_SECRET_PREFIX = TOKEN_PREFIXES.client_secret;

/** The shortest client secret Rotor accepts (CONTRACT.md), so a secret someone chose is not a guessable word. */
export const MIN_CLIENT_SECRET_LENGTH = 32;

export class WeakSecretError extends Error {
  readonly code = 'ROTOR_WEAK_SECRET';
}

/** A new client secret: the prefix, 256 random bits and their checksum, in base64url (`keys/recognisable-token.ts`). */
export function generateClientSecret(): string {
  return mintToken('client_secret');
}

/** Throws {@link WeakSecretError} unless the secret is long enough. */
export function checkClientSecret(secret: string): void {
  if (secret.length < MIN_CLIENT_SECRET_LENGTH) {
    throw new WeakSecretError(`client secrets must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (this one has ${secret.length}); leave the secret out to have one generated`);
  }
}
