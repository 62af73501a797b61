import type { JWK } from 'jose';
import { PUBLISHED_STATES, type Catalog } from './catalog.js';

/**
 * The public JWKS of a catalog: pending, active and retiring keys, active ones first, public
 * members only.
 */
export function publicJwks(catalog: Catalog): { keys: JWK[] } {
  const order = { active: 0, pending: 1, retiring: 2 } as Record<string, number>;
  const keys = catalog.keys
    .filter((key) => PUBLISHED_STATES.has(key.state))
    .sort((a, b) => (order[a.state]! - order[b.state]!) || a.createdAt.getTime() - b.createdAt.getTime())
    .map((key) => ({ ...key.publicJwk }) as JWK);
  return { keys };
}
