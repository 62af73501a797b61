import type { Charge, ChargeResult, CounterStore, Rules } from './types.js';
import { LEVEL_MEMORY_MS, lockoutDuration } from './lockout-duration.js';

interface Counter {
  /** Failure times within the window; never more than the counter's limit. */
  failures: number[];
  lockedUntil: number;
  level: number;
  levelAt: number;
}

/** How many counters memory holds by default; beyond it the least recently used go first. */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Counters in this process's memory, with the same rules as the Redis ones: the fallback while
 * Redis cannot be reached. At most `maxEntries` counters (each at most as many times as its
 * limit); a counter with nothing left to remember (no failure in the window, no lock, no level
 * within a day) is dropped, and when full the least recently used counter without a lock goes
 * first, a locked one only if every counter is locked.
 */
export function memoryCounters(rules: Rules, maxEntries = DEFAULT_MAX_ENTRIES): CounterStore & { size(): number } {
  const counters = new Map<string, Counter>();
  const spent = (counter: Counter, now: number): boolean =>
    counter.lockedUntil <= now && counter.levelAt <= now - LEVEL_MEMORY_MS && counter.failures.every((at) => at <= now - rules.windowMs);

  const makeRoom = (now: number): void => {
    const target = Math.floor(maxEntries * 0.9);
    for (const [key, counter] of counters) if (spent(counter, now)) counters.delete(key);
    for (const [key, counter] of counters) {
      if (counters.size <= target) return;
      if (counter.lockedUntil <= now) counters.delete(key);
    }
    for (const key of counters.keys()) {
      if (counters.size <= target) return;
      counters.delete(key);
    }
  };

  // Re-inserting on every use keeps the Map in least-recently-used order.
  const take = (key: string, now: number): Counter => {
    const found = counters.get(key);
    counters.delete(key);
    const counter = found && !spent(found, now) ? found : { failures: [], lockedUntil: 0, level: 0, levelAt: 0 };
    if (counters.size >= maxEntries) makeRoom(now);
    counters.set(key, counter);
    return counter;
  };

  const chargeOne = ({ key, limit }: Charge, now: number): ChargeResult => {
    const counter = take(key, now);
    if (counter.lockedUntil > now) return { state: 'locked', remainingMs: counter.lockedUntil - now };
    counter.failures = counter.failures.filter((at) => at > now - rules.windowMs);
    counter.failures.push(now);
    if (counter.failures.length < limit) return { state: 'counted', remainingMs: 0 };
    counter.failures = [];
    counter.level = counter.levelAt > now - LEVEL_MEMORY_MS ? counter.level + 1 : 1;
    counter.levelAt = now;
    const ms = lockoutDuration(counter.level, rules);
    counter.lockedUntil = now + ms;
    return { state: 'locked-now', remainingMs: ms };
  };

  return {
    async inspect(keys, now) {
      const remainingMs = keys.map((key) => Math.max(0, (counters.get(key)?.lockedUntil ?? 0) - now));
      return { remainingMs, failing: (counters.get(keys[0] ?? '')?.failures.length ?? 0) > 0 };
    },
    async charge(charges, now) {
      return charges.map((charge) => chargeOne(charge, now));
    },
    async clear(key) {
      const counter = counters.get(key);
      if (counter) counter.failures = [];
    },
    size: () => counters.size,
  };
}
