import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisReplayStore } from '../../../src/admin/dpop-replay-store.js';
import { redisUrl } from '../../helpers/engines.js';

describe("the admin API's DPoP replay store", () => {
  const live = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  dead.on('error', () => undefined);
  const prefix = `rotor-test-${randomUUID()}`;

  afterAll(() => {
    live.disconnect();
    dead.disconnect();
  });

  it('a proof id seen by one instance is refused by another (one Redis)', async () => {
    await live.ping();
    const a = redisReplayStore(live, prefix);
    const b = redisReplayStore(live, prefix);
    const jti = randomUUID();
    expect(await a.firstSeen(jti, 5)).toBe(true);
    expect(await b.firstSeen(jti, 5)).toBe(false);
    expect(await a.firstSeen(jti, 5)).toBe(false);
    expect(await b.firstSeen(randomUUID(), 5)).toBe(true);
  });

  it('with Redis down an instance still refuses a replay to itself', async () => {
    const store = redisReplayStore(dead, prefix);
    const jti = randomUUID();
    expect(await store.firstSeen(jti, 5)).toBe(true);
    expect(await store.firstSeen(jti, 5)).toBe(false);
  });
});
