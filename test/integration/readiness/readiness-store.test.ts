import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ReadinessStore } from '../../../src/readiness/readiness-store.js';
import { redisUrl } from '../../helpers/engines.js';

const prefixes: string[] = [];
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await new Promise((ready) => redis.once('ready', ready));
});

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

/** A store with its own prefix and a clock the test moves. */
function deployment(windowSec = 3600) {
  const prefix = `rotor_t_readiness_${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  const clock = { now: Date.now() };
  return { prefix, clock, store: new ReadinessStore(redis, prefix, windowSec, () => clock.now) };
}

/** Writes are fire-and-forget: wait for them to land. */
const landed = () => sleep(100);

describe('the record of /jwks consumers', () => {
  it('keeps each consumer\'s last fetch, newest first, expiring after the window', async () => {
    const { prefix, clock, store } = deployment();
    store.record('orders-api', 4, ['a']);
    clock.now += 1000;
    store.record('billing-api', 5, ['a', 'b']);
    await landed();
    const consumers = await store.consumers();
    expect(consumers).toEqual([
      { consumer: 'billing-api', lastSeen: clock.now, version: 5, kids: ['a', 'b'] },
      { consumer: 'orders-api', lastSeen: clock.now - 1000, version: 4, kids: ['a'] },
    ]);
    const [record] = await redis.keys(`${prefix}:readiness:consumer:*`);
    expect(await redis.pttl(record!)).toBeGreaterThan(3_500_000);
  });

  it('rewrites a consumer at once on a new version, and not on every fetch of the same one', async () => {
    const { clock, store } = deployment();
    store.record('orders-api', 4, ['a']);
    await landed();
    clock.now += 5_000;
    store.record('orders-api', 4, ['a']);
    await landed();
    expect((await store.consumers())[0]!.lastSeen).toBe(clock.now - 5_000);
    store.record('orders-api', 5, ['a', 'b']);
    await landed();
    expect(await store.consumers()).toEqual([{ consumer: 'orders-api', lastSeen: clock.now, version: 5, kids: ['a', 'b'] }]);
  });

  it('forgets a consumer not seen within the window', async () => {
    const { clock, store } = deployment(60);
    store.record('gone-api', 4, ['a']);
    await landed();
    clock.now += 61_000;
    store.record('orders-api', 4, ['a']);
    await landed();
    expect((await store.consumers()).map((record) => record.consumer)).toEqual(['orders-api']);
  });

  it('skips recording while Redis is not connected, without throwing', async () => {
    const offline = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const store = new ReadinessStore(offline, 'rotor_t_readiness_offline', 60);
    expect(() => store.record('orders-api', 1, ['a'])).not.toThrow();
    await expect(store.consumers()).rejects.toThrow();
    offline.disconnect();
  });
});
