import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { LRUCache } from 'lru-cache';

/** How long an instance reuses a grant it read for a refresh, and how many it keeps. */
const GRANT_CACHE_MS = 10_000;
const GRANT_CACHE_MAX = 10_000;

interface OidcContext {
  oidc?: { route?: string; params?: { grant_type?: unknown } };
}

/** Whether this lookup serves a refresh_token grant at the token endpoint. */
function inRefreshGrant(): boolean {
  const ctx = Provider.ctx as OidcContext | undefined;
  return ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token';
}

/** One instance's cache of the grants refreshes read, shared by every provider it builds. */
export interface GrantCache {
  /** The Grant adapter of one provider, reading through this cache. */
  wrap(inner: Adapter): Adapter;
  /** Drops a grant revoked elsewhere. */
  forget(grantId: string): void;
  /** Drops every grant (a client or an account changed elsewhere; their grants may be gone). */
  clear(): void;
}

export interface GrantCacheOptions {
  /** Called once a grant was revoked here, for every other instance to forget it too. */
  onRevoked?: (grantId: string) => void;
  now?: () => number;
}

/**
 * A per-instance cache for refresh_token grants, which read the grant of every refresh token
 * they spend: a client refreshing again within `GRANT_CACHE_MS` costs one database read less.
 * Only that read is served from the cache. A refresh first finds its refresh token, which is
 * never cached, and revoking a grant deletes every token issued under it. A refresh racing the
 * revocation may still store a successor after the deletion; the grant is then gone from the
 * database, and every instance forgets it at once: revocations here are announced through
 * `onRevoked`, and those heard of go to `forget`. An expired grant is never served.
 */
export function createGrantCache({ onRevoked, now = Date.now }: GrantCacheOptions = {}): GrantCache {
  const cache = new LRUCache<string, AdapterPayload>({ maxSize: GRANT_CACHE_MAX, sizeCalculation: () => 1, ttl: GRANT_CACHE_MS });
  const revoked = (grantId: string): void => {
    cache.delete(grantId);
    onRevoked?.(grantId);
  };
  return {
    forget: (grantId) => void cache.delete(grantId),
    clear: () => cache.clear(),
    wrap: (inner) => ({
      async find(id: string): Promise<AdapterPayload | undefined> {
        if (!inRefreshGrant()) return (await inner.find(id)) ?? undefined;
        const hit = cache.get(id);
        if (hit && (typeof hit.exp !== 'number' || hit.exp * 1000 > now())) return structuredClone(hit);
        const found = (await inner.find(id)) ?? undefined;
        if (found) cache.set(id, structuredClone(found));
        else cache.delete(id);
        return found;
      },
      async upsert(id, payload, expiresIn) {
        cache.delete(id);
        await inner.upsert(id, payload, expiresIn);
        cache.delete(id);
      },
      async destroy(id) {
        cache.delete(id);
        await inner.destroy(id);
        revoked(id);
      },
      async revokeByGrantId(grantId) {
        cache.delete(grantId);
        await inner.revokeByGrantId(grantId);
        revoked(grantId);
      },
      consume: (id) => inner.consume(id),
      findByUid: (uid) => inner.findByUid(uid),
      findByUserCode: (userCode) => inner.findByUserCode(userCode),
    }),
  };
}
