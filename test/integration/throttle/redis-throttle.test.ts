import { describe, expect, it } from '@jest/globals';
import { createThrottle, type ThrottleLimits } from '../../../src/throttle/index.js';
import { useTestRedis } from '../../helpers/test-redis.js';
import { LIMITS, throttleRules, type ClockedThrottle } from './throttle-rules.js';

const testRedis = useTestRedis();

/** One deployment: its own key prefix, and a clock shared by its instances. */
function deployment(limits: Partial<ThrottleLimits> = {}) {
  const prefix = testRedis.prefix('rotor_t_throttle');
  let now = Date.now();
  const instance = () => createThrottle({ redis: testRedis.redis, prefix, limits: { ...LIMITS, ...limits }, now: () => now });
  return { prefix, instance, advance: (seconds: number) => { now += seconds * 1000; } };
}

describe('failed-authentication throttle, counting in Redis', () => {
  throttleRules((limits): ClockedThrottle => {
    const { instance, advance } = deployment(limits);
    return { throttle: instance(), advance };
  });

  it('two instances of one deployment share their counts and their locks', async () => {
    const { instance } = deployment();
    const [a, b] = [instance(), instance()];
    const alice = { subject: 'user:alice', ip: '198.51.100.1' };
    await a.recordFailure(alice);
    await b.recordFailure(alice);
    await expect(a.recordFailure(alice)).resolves.toMatchObject({ locked: true, lockouts: [{ scope: 'subject' }] });
    await expect(b.check(alice)).resolves.toMatchObject({ locked: true, scope: 'subject' });
    await b.recordSuccess({ subject: 'user:bob', ip: '198.51.100.1' });
    await expect(a.check(alice)).resolves.toMatchObject({ locked: true });
  });

  it('concurrent failures past the limit lock exactly once', async () => {
    const { instance } = deployment({ maxFailures: 5, maxFailuresPerIp: 1000 });
    const [a, b] = [instance(), instance()];
    const alice = { subject: 'user:alice', ip: '198.51.100.1' };
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).recordFailure(alice)));
    expect(results.flatMap((r) => r.lockouts)).toEqual([{ scope: 'subject', retryAfter: 2 }]);
    expect(results.filter((r) => r.locked)).toHaveLength(8);
  });

  it('keeps keys short and free of usernames, and every key it writes expires', async () => {
    const { prefix, instance } = deployment();
    const throttle = instance();
    const name = `user:${'ünïcödé-'.repeat(2000)}`;
    for (let i = 0; i < 3; i++) await throttle.recordFailure({ subject: name, ip: '2001:db8::1' });
    const keys = await testRedis.redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.length).toBeLessThan(80);
      expect(key).not.toContain('nïc');
      expect(await testRedis.redis.pttl(key)).toBeGreaterThan(0);
    }
  });
});
