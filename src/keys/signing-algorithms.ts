import { ALGORITHMS, type Algorithm } from './algorithms.js';
import type { Catalog } from './catalog.js';

export class NoActiveKeyError extends Error {
  readonly code = 'ROTOR_NO_ACTIVE_KEY';
}

/**
 * The algorithms an instance signs with, best first: those of `listed` (its `keys.algorithms`)
 * whose family has an active key. A family the catalog no longer keeps active never signs,
 * whatever an instance lists. Only when none of `listed` is active (an instance on another
 * policy started later, during a rolling deploy) does it sign with the catalog's active
 * families instead: they are published, so its tokens verify, and it keeps serving.
 */
export function signingAlgorithms(catalog: Catalog, listed: readonly Algorithm[]): Algorithm[] {
  const active = new Set(catalog.keys.filter((key) => key.state === 'active' && key.sealedPrivateJwk).map((key) => key.alg));
  const own = listed.filter((alg) => active.has(alg));
  return own.length > 0 ? own : ALGORITHMS.filter((alg) => active.has(alg));
}
