import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** Remembers DPoP proof ids for their window; `firstSeen` is true only the first time an id comes. */
export interface ReplayStore {
  firstSeen(jti: string, ttlSeconds: number): Promise<boolean>;
}

const MEMORY_MAX = 50_000;

/**
 * Proof ids shared by every instance through Redis (`SET NX PX`), so a proof replayed against
 * another instance is caught too (leak reports' signatures too, under their own `namespace`).
 * With Redis down each instance remembers on its own, in a
 * bounded map: a replay to the same instance is still refused, never waved through.
 */
export function redisReplayStore(redis: Redis, prefix: string, namespace = 'dpop'): ReplayStore {
  // Bounded by count through maxSize, not max: max would allocate room for every entry at start.
  const memory = new LRUCache<string, true>({ maxSize: MEMORY_MAX, sizeCalculation: () => 1, ttl: 60_000 });
  const rememberLocally = (jti: string, ttlSeconds: number): boolean => {
    if (memory.has(jti)) return false;
    memory.set(jti, true, { ttl: ttlSeconds * 1000 });
    return true;
  };
  return {
    async firstSeen(jti, ttlSeconds) {
      const fresh = rememberLocally(jti, ttlSeconds);
      if (redis.status !== 'ready') return fresh;
      try {
        const key = `${prefix}:${namespace}:${createHash('sha256').update(jti).digest('base64url')}`;
        const set = await redis.set(key, '1', 'PX', Math.ceil(ttlSeconds * 1000), 'NX');
        return fresh && set === 'OK';
      } catch {
        return fresh;
      }
    },
  };
}
