/**
 * Remembers the DPoP proofs already used, so each is accepted once (RFC 9449 §11.1). Servers
 * that share a store refuse a proof replayed against any of them; a Redis store is one
 * `SET <prefix><jti> 1 NX EX <ttlSeconds>`, first seen when the reply is `OK`.
 */
export interface DpopReplayStore {
  /**
   * Records `jti` for `ttlSeconds`: resolves `true` the first time, `false` while an earlier record
   * of it lasts. Must be atomic: of two concurrent calls with one `jti`, one resolves `false`.
   * {@link verifyDpopProof} passes a fixed-size hash of the proof's key and `jti`, not the raw `jti`.
   */
  firstSeen(jti: string, ttlSeconds: number): Promise<boolean>;
}

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** At most this many proofs are remembered at once (default 100 000, a few MB). */
  maxEntries?: number;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/** A {@link DpopReplayStore} in this process's memory; `size` is how many entries it holds now. */
export interface MemoryReplayStore extends DpopReplayStore {
  readonly size: number;
}

/**
 * The default {@link DpopReplayStore}: a map in this process, so behind a load balancer a proof
 * could be replayed once against each instance (share a store across them to prevent it).
 * Expired entries are dropped as new ones come in. When `maxEntries` are all still live, the
 * oldest is forgotten: it is the closest to expiring, and memory stays bounded under a flood.
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const { maxEntries = 100_000, now = Date.now } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('memoryReplayStore: maxEntries must be a positive integer');
  // jti -> expiry in ms, in insertion order: with one proof lifetime that is also expiry order.
  const seen = new Map<string, number>();
  return {
    get size() {
      return seen.size;
    },
    async firstSeen(jti, ttlSeconds) {
      const at = now();
      const until = seen.get(jti);
      if (until !== undefined && until > at) return false;
      seen.delete(jti);
      for (const [key, expiry] of seen) {
        if (expiry > at) break;
        seen.delete(key);
      }
      if (seen.size >= maxEntries) seen.delete(seen.keys().next().value!);
      seen.set(jti, at + ttlSeconds * 1000);
      return true;
    },
  };
}
