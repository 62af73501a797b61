import type { JwksEventData } from './jwks-events.js';
import type { JwksCache } from './jwks-cache.js';
import type { VerifierLogger } from './logger.js';
import type { RevokedTokens } from './revoked-tokens.js';

/**
 * What a verifier shares with the security-event receivers attached to it: its keys, the access
 * tokens it refuses, how it applies a key-set change, and its settings. Kept out of the public
 * `Verifier` type; receivers reach it through {@link internalsOf}.
 */
export interface VerifierInternals {
  issuer: string;
  cache: JwksCache;
  revokedTokens: RevokedTokens;
  applyJwks(data: JwksEventData): void;
  algorithms: ReadonlySet<string>;
  clockToleranceSec: number;
  fetch: typeof globalThis.fetch;
  logger: VerifierLogger;
  now: () => number;
}

const registry = new WeakMap<object, VerifierInternals>();

/** Records what `verifier` shares with receivers (called by `createVerifier`). */
export function registerInternals(verifier: object, internals: VerifierInternals): void {
  registry.set(verifier, internals);
}

/** What `verifier` shares; a `TypeError` for anything `createVerifier` did not make. */
export function internalsOf(verifier: object): VerifierInternals {
  const internals = registry.get(verifier);
  if (!internals) throw new TypeError('verifier must be one made by createVerifier');
  return internals;
}
