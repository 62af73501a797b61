import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** What Rotor remembers of one consumer of `/jwks`: its last fetch. */
export interface ConsumerRecord {
  consumer: string;
  /** Last fetch, ms since the epoch. */
  lastSeen: number;
  /** The catalog version it was served. */
  version: number;
  /** The kids in the JWKS it was served. */
  kids: string[];
}

const recordSchema = z.strictObject({ consumer: z.string(), lastSeen: z.number(), version: z.number().int(), kids: z.array(z.string()) });

/** Most consumers tracked at once (the newest); beyond it the oldest are forgotten. */
const MAX_CONSUMERS = 1000;
/** Writes in flight at once; a fetch served beyond it is not recorded (serving never waits on Redis). */
const MAX_IN_FLIGHT = 32;
/** Entries of the per-instance memory of what was last written for each consumer. */
const MAX_REMEMBERED = 5000;

/**
 * Consumers of `/jwks` in Redis: one record per consumer (expiring `window` after its last fetch)
 * and a sorted set of who was seen when. Recording is fire-and-forget and bounded: at most a few
 * writes in flight, a consumer rewritten only when its version changes or every
 * `min(60 s, window / 4)`, and a failure (Redis down) only skips the record.
 */
export class ReadinessStore {
  readonly #written = new Map<string, { version: number; at: number }>();
  readonly #seenKey: string;
  readonly #refreshMs: number;
  #inFlight = 0;

  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly windowSec: number, private readonly now: () => number = Date.now) {
    this.#seenKey = `${prefix}:readiness:seen`;
    this.#refreshMs = Math.min(60_000, (windowSec * 1000) / 4);
  }

  #recordKey(id: string): string {
    return `${this.prefix}:readiness:consumer:${id}`;
  }

  /** Records one fetch without waiting for Redis; never throws. */
  record(consumer: string, version: number, kids: readonly string[]): void {
    const at = this.now();
    const last = this.#written.get(consumer);
    if ((last && last.version === version && at - last.at < this.#refreshMs) || this.#inFlight >= MAX_IN_FLIGHT || this.redis.status !== 'ready') return;
    this.#written.delete(consumer);
    this.#written.set(consumer, { version, at });
    if (this.#written.size > MAX_REMEMBERED) this.#written.delete(this.#written.keys().next().value!);
    const id = createHash('sha256').update(consumer).digest('base64url').slice(0, 22);
    const windowMs = Math.ceil(this.windowSec * 1000);
    this.#inFlight++;
    this.redis.multi()
      .set(this.#recordKey(id), JSON.stringify({ consumer, lastSeen: at, version, kids }), 'PX', windowMs)
      .zadd(this.#seenKey, at, id)
      .zremrangebyscore(this.#seenKey, '-inf', at - windowMs)
      .zremrangebyrank(this.#seenKey, 0, -(MAX_CONSUMERS + 1))
      .pexpire(this.#seenKey, windowMs)
      .exec()
      .catch(() => this.#written.delete(consumer))
      .finally(() => { this.#inFlight--; });
  }

  /** Every consumer seen within the window, newest first. Rejects while Redis is down. */
  async consumers(): Promise<ConsumerRecord[]> {
    const since = this.now() - this.windowSec * 1000;
    const ids = await this.redis.zrevrangebyscore(this.#seenKey, '+inf', since, 'LIMIT', 0, MAX_CONSUMERS);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.#recordKey(id)));
    return values.flatMap((value) => {
      if (value === null) return [];
      try {
        const parsed = recordSchema.safeParse(JSON.parse(value));
        return parsed.success && parsed.data.lastSeen >= since ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}
