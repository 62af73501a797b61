import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Consumer } from './consumer-of.js';
import { NewNameBudget } from './new-name-budget.js';
import { RECORD_SCRIPT } from './record-script.js';

/** What Rotor remembers of one consumer of `/jwks`: its last fetch. */
export interface ConsumerRecord {
  consumer: string;
  /** Whether the consumer named itself with `Rotor-Consumer` (only those hold activation). */
  named: boolean;
  /** Last fetch, ms since the epoch. */
  lastSeen: number;
  /** The catalog version it was served. */
  version: number;
  /** The kids in the JWKS it was served. */
  kids: string[];
}

/** The bounds of what readiness keeps; see {@link ReadinessStore}. */
export interface ReadinessLimits {
  /** Most consumers kept at once; beyond it the least recently seen are deleted. */
  maxConsumers: number;
  /** Most distinct consumers one address may add within the window. */
  perAddress: number;
  /** Most consumers one instance records for the first time per minute. */
  newPerMinute: number;
}

/** The defaults: generous for real deployments, small enough to keep Redis's share tiny. */
export const READINESS_LIMITS: ReadinessLimits = { maxConsumers: 1000, perAddress: 50, newPerMinute: 120 };

const recordSchema = z.strictObject({ consumer: z.string(), named: z.boolean(), lastSeen: z.number(), version: z.number().int(), kids: z.array(z.string()) });

/** Writes in flight at once; a fetch served beyond it is not recorded (serving never waits on Redis). */
const MAX_IN_FLIGHT = 32;
/** Entries of the per-instance memory of what was last written for each consumer. */
const MAX_REMEMBERED = 5000;

/**
 * Consumers of `/jwks` in Redis, in four keys that never hold more than `maxConsumers` entries
 * each and expire `window` after the last write (see `RECORD_SCRIPT`). Recording is
 * fire-and-forget and bounded: at most a few writes in flight, a consumer rewritten only when its
 * version changes or every `min(60 s, window / 4)`, names new to this instance only within
 * `newPerMinute`, and a failure (Redis down) only skips the record.
 */
export class ReadinessStore {
  readonly #written = new Map<string, { version: number; at: number }>();
  readonly #keys: string[];
  readonly #refreshMs: number;
  readonly #limits: ReadinessLimits;
  readonly #budget: NewNameBudget;
  #inFlight = 0;

  constructor(private readonly redis: Redis, prefix: string, private readonly windowSec: number, private readonly now: () => number = Date.now, limits: Partial<ReadinessLimits> = {}) {
    this.#keys = ['records', 'seen', 'owners', 'counts'].map((name) => `${prefix}:readiness:${name}`);
    this.#refreshMs = Math.min(60_000, (windowSec * 1000) / 4);
    this.#limits = { ...READINESS_LIMITS, ...limits };
    this.#budget = new NewNameBudget(this.#limits.newPerMinute, now);
  }

  /**
   * Records one fetch; never throws or rejects, and callers need not wait (the promise only
   * tells when Redis has answered or the fetch was skipped).
   */
  record(who: Consumer, version: number, kids: readonly string[]): Promise<void> {
    const at = this.now();
    const last = this.#written.get(who.name);
    if ((last && last.version === version && at - last.at < this.#refreshMs) || this.#inFlight >= MAX_IN_FLIGHT || this.redis.status !== 'ready') return Promise.resolve();
    if (!last && !this.#budget.take()) return Promise.resolve();
    this.#remember(who.name, { version, at });
    const id = createHash('sha256').update(who.name).digest('base64url').slice(0, 22);
    const windowMs = Math.ceil(this.windowSec * 1000);
    const value = JSON.stringify({ consumer: who.name, named: who.named, lastSeen: at, version, kids });
    const { maxConsumers, perAddress } = this.#limits;
    this.#inFlight++;
    return this.redis.eval(RECORD_SCRIPT, this.#keys.length, ...this.#keys, id, value, at, at - windowMs, maxConsumers, perAddress, who.address, windowMs)
      .then((recorded) => { if (recorded !== 1) this.#written.delete(who.name); }, () => { this.#written.delete(who.name); })
      .finally(() => { this.#inFlight--; });
  }

  #remember(name: string, written: { version: number; at: number }): void {
    this.#written.delete(name);
    this.#written.set(name, written);
    if (this.#written.size > MAX_REMEMBERED) this.#written.delete(this.#written.keys().next().value!);
  }

  /** Every consumer seen within the window, newest first. Rejects while Redis is down. */
  async consumers(): Promise<ConsumerRecord[]> {
    const since = this.now() - this.windowSec * 1000;
    const [records, seen] = this.#keys as [string, string];
    const ids = await this.redis.zrevrangebyscore(seen, '+inf', since, 'LIMIT', 0, this.#limits.maxConsumers);
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(records, ...ids);
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
