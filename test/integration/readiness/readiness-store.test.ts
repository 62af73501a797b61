import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from '../../../src/readiness/consumer-of.js';
import { ReadinessStore, type ReadinessLimits } from '../../../src/readiness/readiness-store.js';
import { Redis } from 'ioredis';
import { redisUrl } from '../../helpers/engines.js';
import { useTestRedis } from '../../helpers/test-redis.js';

const testRedis = useTestRedis();

/** A store with its own prefix and a clock the test moves. */
function deployment(windowSec = 3600, limits: Partial<ReadinessLimits> = {}) {
  const prefix = testRedis.prefix('rotor_t_readiness');
  const clock = { now: Date.now() };
  return { prefix, clock, store: new ReadinessStore(testRedis.redis, prefix, windowSec, () => clock.now, limits) };
}

/** A consumer that named itself, fetching from `address`. */
const named = (name: string, address = '10.0.0.1'): Consumer => ({ name, named: true, address });

/** Records `count` made-up names, `addressOf(i)` each, as fast as the store lets them in. */
async function flood(store: ReadinessStore, count: number, addressOf: (i: number) => string): Promise<void> {
  for (let i = 0; i < count; i += 32) {
    const batch = Array.from({ length: Math.min(32, count - i) }, (_, j) => store.record(named(`fake-${i + j}`, addressOf(i + j)), 1, ['a']));
    await Promise.all(batch);
  }
}

/** Every key readiness holds in Redis, with its number of fields or members. */
async function footprint(prefix: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const key of await testRedis.redis.keys(`${prefix}:*`)) {
    const type = await testRedis.redis.type(key);
    sizes[key.slice(prefix.length + 1)] = type === 'hash' ? await testRedis.redis.hlen(key) : type === 'zset' ? await testRedis.redis.zcard(key) : -1;
  }
  return sizes;
}

/** Writes are fire-and-forget: wait for them to land. */
const landed = () => sleep(100);

describe('the record of /jwks consumers', () => {
  it('keeps each consumer\'s last fetch, newest first, expiring after the window', async () => {
    const { prefix, clock, store } = deployment();
    store.record(named('orders-api'), 4, ['a']);
    clock.now += 1000;
    store.record(named('billing-api'), 5, ['a', 'b']);
    await landed();
    const consumers = await store.consumers();
    expect(consumers).toEqual([
      { consumer: 'billing-api', named: true, lastSeen: clock.now, version: 5, kids: ['a', 'b'] },
      { consumer: 'orders-api', named: true, lastSeen: clock.now - 1000, version: 4, kids: ['a'] },
    ]);
    const keys = await testRedis.redis.keys(`${prefix}:*`);
    expect(keys).toHaveLength(4);
    for (const key of keys) expect(await testRedis.redis.pttl(key)).toBeGreaterThan(3_500_000);
  });

  it('rewrites a consumer at once on a new version, and not on every fetch of the same one', async () => {
    const { clock, store } = deployment();
    store.record(named('orders-api'), 4, ['a']);
    await landed();
    clock.now += 5_000;
    store.record(named('orders-api'), 4, ['a']);
    await landed();
    expect((await store.consumers())[0]!.lastSeen).toBe(clock.now - 5_000);
    store.record(named('orders-api'), 5, ['a', 'b']);
    await landed();
    expect(await store.consumers()).toEqual([{ consumer: 'orders-api', named: true, lastSeen: clock.now, version: 5, kids: ['a', 'b'] }]);
  });

  it('forgets a consumer not seen within the window', async () => {
    const { clock, store } = deployment(60);
    store.record(named('gone-api'), 4, ['a']);
    await landed();
    clock.now += 61_000;
    store.record(named('orders-api'), 4, ['a']);
    await landed();
    expect((await store.consumers()).map((record) => record.consumer)).toEqual(['orders-api']);
  });

  it('forgets expired consumers in Redis too, not only in what it lists', async () => {
    const { prefix, clock, store } = deployment(60);
    await store.record(named('gone-api', '10.0.0.9'), 4, ['a']);
    clock.now += 61_000;
    await store.record(named('orders-api'), 4, ['a']);
    expect(await footprint(prefix)).toEqual({ 'readiness:records': 1, 'readiness:seen': 1, 'readiness:owners': 1, 'readiness:counts': 1 });
  });

  it('keeps at most maxConsumers records in four keys, however many names fetch', async () => {
    const { prefix, store } = deployment(3600, { maxConsumers: 50, newPerMinute: 1_000_000 });
    await flood(store, 5_000, (i) => `198.51.${i >> 8}.${i & 255}`);
    const sizes = await footprint(prefix);
    expect(Object.keys(sizes).sort()).toEqual(['readiness:counts', 'readiness:owners', 'readiness:records', 'readiness:seen']);
    for (const size of Object.values(sizes)) expect(size).toBeLessThanOrEqual(50);
    expect(await store.consumers()).toHaveLength(50);
  }, 30_000);

  it('lets one address add at most perAddress names per window, so it cannot push out real consumers', async () => {
    const { prefix, clock, store } = deployment(60, { newPerMinute: 1_000_000 });
    await store.record(named('orders-api', '10.0.0.1'), 4, ['a']);
    await store.record(named('billing-api', '10.0.0.2'), 4, ['a']);
    await flood(store, 5_000, () => '203.0.113.9');
    expect(await testRedis.redis.hget(`${prefix}:readiness:counts`, '203.0.113.9')).toBe('50');
    const names = (await store.consumers()).map((record) => record.consumer);
    expect(names).toHaveLength(52);
    expect(names).toEqual(expect.arrayContaining(['orders-api', 'billing-api']));
    // A name it already recorded is still refreshed; a window later, it may add names again.
    clock.now += 61_000;
    await store.record(named('fake-4999', '203.0.113.9'), 5, ['a']);
    expect((await store.consumers()).map((record) => record.consumer)).toEqual(['fake-4999']);
  }, 30_000);

  it('records at most newPerMinute names new to the instance, so a flood from many addresses spares the consumers seen before', async () => {
    const { clock, store } = deployment(3600, { maxConsumers: 100, newPerMinute: 60 });
    await store.record(named('orders-api', '10.0.0.1'), 4, ['a']);
    await store.record(named('billing-api', '10.0.0.2'), 4, ['a']);
    await flood(store, 5_000, (i) => `198.51.${i >> 8}.${i & 255}`);
    let names = (await store.consumers()).map((record) => record.consumer);
    expect(names.length).toBeLessThanOrEqual(60);
    expect(names).toEqual(expect.arrayContaining(['orders-api', 'billing-api']));
    clock.now += 30_000;
    await flood(store, 100, (i) => `192.0.2.${i}`);
    names = (await store.consumers()).map((record) => record.consumer);
    expect(names.length).toBeLessThanOrEqual(90);
    expect(names).toEqual(expect.arrayContaining(['orders-api', 'billing-api']));
  }, 30_000);

  it('skips recording while Redis is not connected, without throwing', async () => {
    const offline = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const store = new ReadinessStore(offline, 'rotor_t_readiness_offline', 60);
    expect(() => store.record(named('orders-api'), 1, ['a'])).not.toThrow();
    await expect(store.consumers()).rejects.toThrow();
    offline.disconnect();
  });
});
