import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Charge, ChargeResult, CounterStore, Rules } from './types.js';
import { LEVEL_MEMORY_MS } from './lockout-duration.js';

const COMMAND = 'rotorThrottleCharge';

/**
 * Charges one failure to each counter, atomically per counter. A counter is two keys: `<key>:f`,
 * a sorted set of failure times (the sliding window), and `<key>:l`, a hash with the lock's end
 * (`until`), its level and when that level was reached (`at`). Times come from the caller, so
 * every instance (and a test's clock) applies the same rules; the PX/PEXPIRE only clean up.
 * Returns per counter {0: counted, 1: already locked, 2: locked now; remaining ms}.
 */
const CHARGE_SCRIPT = `
local now, windowMs, lockoutMs, maxLockoutMs, levelMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local member = ARGV[6]
local out = {}
for i = 1, #KEYS / 2 do
  local failures, lock, limit = KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[6 + i])
  local state = redis.call('HMGET', lock, 'until', 'level', 'at')
  local lockedUntil = tonumber(state[1] or '0') or 0
  if lockedUntil > now then
    out[i] = {1, lockedUntil - now}
  else
    redis.call('ZREMRANGEBYSCORE', failures, '-inf', now - windowMs)
    redis.call('ZADD', failures, now, member)
    if redis.call('ZCARD', failures) < limit then
      redis.call('PEXPIRE', failures, windowMs)
      out[i] = {0, 0}
    else
      redis.call('DEL', failures)
      local level = 1
      if state[2] and tonumber(state[3] or '0') > now - levelMs then level = tonumber(state[2]) + 1 end
      local ms = math.floor(math.min(lockoutMs * 2 ^ math.min(level - 1, 40), maxLockoutMs))
      redis.call('HSET', lock, 'until', now + ms, 'level', level, 'at', now)
      redis.call('PEXPIRE', lock, ms + levelMs)
      out[i] = {2, ms}
    end
  end
end
return out
`;

type ChargeCommand = (...args: Array<string | number>) => Promise<Array<[number, number]>>;

const STATES = ['counted', 'locked', 'locked-now'] as const;

/** Counters in Redis, shared by every instance that uses the same Redis and prefix. */
export function redisCounters(redis: Redis, rules: Rules): CounterStore {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: CHARGE_SCRIPT });
  const charge = (redis as unknown as Record<typeof COMMAND, ChargeCommand>)[COMMAND].bind(redis);
  return {
    async inspect(keys, now) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.hget(`${key}:l`, 'until');
      pipeline.exists(`${keys[0]}:f`);
      const replies = (await pipeline.exec()) ?? [];
      const reply = (i: number): unknown => {
        const [err, value] = replies[i] ?? [new Error('no reply')];
        if (err) throw err;
        return value;
      };
      return { remainingMs: keys.map((_, i) => Math.max(0, Number(reply(i) ?? 0) - now)), failing: Number(reply(keys.length)) > 0 };
    },
    async charge(charges: Charge[], now: number): Promise<ChargeResult[]> {
      const keys = charges.flatMap(({ key }) => [`${key}:f`, `${key}:l`]);
      const member = `${now}:${randomBytes(6).toString('base64url')}`;
      const replies = await charge(keys.length, ...keys, now, rules.windowMs, rules.lockoutMs, rules.maxLockoutMs, LEVEL_MEMORY_MS, member, ...charges.map(({ limit }) => limit));
      return replies.map(([state, remainingMs]) => ({ state: STATES[state] ?? 'locked', remainingMs }));
    },
    async clear(key) {
      await redis.del(`${key}:f`);
    },
  };
}
