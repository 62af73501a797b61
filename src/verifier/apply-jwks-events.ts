import type { JwksCache } from './jwks-cache.js';
import type { JwksEventData } from './jwks-events.js';

/**
 * What the verifier does with each `jwks` event: refuse the kids it names as revoked (always,
 * whatever its version), drop held keys the issuer no longer publishes, and fetch the JWKS at once
 * when a published kid is missing. Events older than one already applied, or than the catalog
 * version of a JWKS fetched (from an instance behind the others, after a reconnect, or a SET
 * replayed after a restart), only revoke: their key list is out of date.
 */
export function applyJwksEvents(cache: JwksCache): (data: JwksEventData) => void {
  let version = -1;
  return (data) => {
    cache.revoke(data.revoked);
    if (data.version < Math.max(version, cache.catalogVersion)) return;
    version = data.version;
    const published = new Set(data.kids);
    for (const kid of data.revoked) published.delete(kid);
    cache.retain(published);
    if ([...published].some((kid) => !cache.has(kid))) void cache.refreshNow();
  };
}
