import type { Redis } from 'ioredis';
import type { Attempt, ChargeResult, CounterStore, FailureVerdict, Lockout, Rules, Throttle, ThrottleLimits, ThrottleScope, Verdict } from './types.js';
import { attemptKeys } from './throttle-keys.js';
import { redisCounters } from './redis-counters.js';
import { DEFAULT_MAX_ENTRIES, memoryCounters } from './memory-counters.js';

/** Where failures are being counted: Redis, or (while Redis cannot be reached) this process. */
export type ThrottleMode = 'redis' | 'memory';

/** What `createThrottle` needs: the Redis connection, the key prefix and the limits. */
export interface ThrottleOptions {
  /** The instance's shared connection; it must not queue commands while disconnected. */
  redis: Redis;
  /** Key prefix of the deployment (`settings.queue.prefix`). */
  prefix: string;
  limits: ThrottleLimits;
  now?: () => number;
  /** A Redis command slower than this counts as Redis being down (default 500 ms). */
  timeoutMs?: number;
  /** Most counters the in-memory fallback holds (default 10,000). */
  maxMemoryEntries?: number;
  /** Called when counting moves between Redis and memory, with why it left Redis. */
  onModeChange?: (mode: ThrottleMode, reason?: string) => void;
}

const SCOPES: ThrottleScope[] = ['subject', 'ip'];

const toSeconds = (ms: number): number => Math.ceil(ms / 1000);

function verdictOf(remaining: number[], failing: boolean): Verdict {
  const longest = Math.max(0, ...remaining);
  if (longest === 0) return { locked: false, retryAfter: 0, failing };
  return { locked: true, retryAfter: toSeconds(longest), scope: SCOPES[remaining.indexOf(longest)], failing };
}

function failureVerdictOf(results: ChargeResult[]): FailureVerdict {
  const lockouts: Lockout[] = [];
  results.forEach(({ state, remainingMs }, i) => {
    if (state === 'locked-now') lockouts.push({ scope: SCOPES[i]!, retryAfter: toSeconds(remainingMs) });
  });
  return { ...verdictOf(results.map(({ remainingMs }) => remainingMs), true), lockouts };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Throttles failed authentication, the way Auth0's brute-force protection does: failures of
 * one subject from one IP, and failures from one IP whatever the subject, are counted in sliding
 * windows of `limits.window`. Reaching a limit locks that key for `limits.lockout`, doubled for
 * each further lock-out of the key within a day, up to `limits.maxLockout`; so an attacker's IP
 * never locks the account's owner out elsewhere.
 *
 * Counters live in Redis, shared by the deployment. When Redis fails or is not connected, each
 * instance counts in its own memory by the same rules, and locks taken there are honoured even
 * after Redis is back: the throttle never fails open.
 */
export function createThrottle(options: ThrottleOptions): Throttle {
  const { redis, prefix, limits, now = Date.now, timeoutMs = 500, onModeChange } = options;
  const rules: Rules = { windowMs: limits.window * 1000, lockoutMs: limits.lockout * 1000, maxLockoutMs: limits.maxLockout * 1000 };
  const shared = redisCounters(redis, rules);
  const local: CounterStore = memoryCounters(rules, options.maxMemoryEntries ?? DEFAULT_MAX_ENTRIES);
  let mode: ThrottleMode = 'redis';
  const switchTo = (next: ThrottleMode, reason?: string): void => {
    if (next === mode) return;
    mode = next;
    onModeChange?.(next, reason);
  };

  /** Runs a Redis operation; undefined when Redis is not there to run it. */
  async function viaRedis<T>(operation: (store: CounterStore) => Promise<T>): Promise<T | undefined> {
    if (redis.status !== 'ready') {
      switchTo('memory', `Redis connection is ${redis.status}`);
      return undefined;
    }
    try {
      const result = await within(operation(shared), timeoutMs);
      switchTo('redis');
      return result;
    } catch (err) {
      switchTo('memory', (err as Error).message);
      return undefined;
    }
  }

  const keysOf = (attempt: Attempt): [string, string] => {
    const { subject, ip } = attemptKeys(prefix, attempt);
    return [subject, ip];
  };

  return {
    async check(attempt) {
      const keys = keysOf(attempt);
      const at = now();
      const [remote, held] = await Promise.all([viaRedis((store) => store.inspect(keys, at)), local.inspect(keys, at)]);
      return verdictOf(held.remainingMs.map((ms, i) => Math.max(ms, remote?.remainingMs[i] ?? 0)), held.failing || remote?.failing === true);
    },
    async recordFailure(attempt) {
      const [subject, ip] = keysOf(attempt);
      const charges = [{ key: subject, limit: limits.maxFailures }, { key: ip, limit: limits.maxFailuresPerIp }];
      const at = now();
      return failureVerdictOf(await viaRedis((store) => store.charge(charges, at)) ?? await local.charge(charges, at));
    },
    async recordSuccess(attempt) {
      const [subject] = keysOf(attempt);
      await Promise.all([viaRedis((store) => store.clear(subject)), local.clear(subject)]);
    },
  };
}
