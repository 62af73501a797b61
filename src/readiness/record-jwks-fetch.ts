import type { IncomingMessage } from 'node:http';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';
import { consumerOf } from './consumer-of.js';
import type { ReadinessStore } from './readiness-store.js';

/**
 * What the `/jwks` fast path calls after answering (200 or 304): records who fetched which
 * catalog version and kids. The kid list is worked out once per catalog version; the write is
 * the store's fire-and-forget one, so nothing here can slow or fail the answer.
 */
export function recordJwksFetch(store: ReadinessStore, proxyHops: number): (req: IncomingMessage, catalog: Catalog) => void {
  const kidsOf = new WeakMap<Catalog, string[]>();
  return (req, catalog) => {
    let kids = kidsOf.get(catalog);
    if (!kids) {
      kids = catalog.keys.filter((key) => PUBLISHED_STATES.has(key.state)).map((key) => key.kid);
      kidsOf.set(catalog, kids);
    }
    void store.record(consumerOf(req, proxyHops), catalog.version, kids);
  };
}
