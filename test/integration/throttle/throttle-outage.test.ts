import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createThrottle, type ThrottleMode } from '../../../src/throttle/index.js';
import { freePort } from '../../helpers/server.js';
import { startPrivateRedis, type PrivateEngine } from '../../helpers/private-engines.js';
import { LIMITS, throttleRules, type ClockedThrottle } from './throttle-rules.js';

const alice = { subject: 'user:alice', ip: '198.51.100.1' };

/** A connection like an instance's: no offline queue, so a lost Redis fails fast. */
const connect = (url: string): Redis => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  return redis;
};

const waitReady = (redis: Redis): Promise<unknown> => (redis.status === 'ready' ? Promise.resolve() : new Promise((ready) => redis.once('ready', ready)));

describe('failed-authentication throttle, while Redis is unreachable', () => {
  let closed: Redis;
  const modes: ThrottleMode[] = [];

  beforeAll(async () => {
    closed = connect(`redis://127.0.0.1:${await freePort()}`);
  });

  afterAll(() => closed.disconnect());

  // Nothing listens on the port: every rule must hold on each instance's memory alone.
  throttleRules((limits): ClockedThrottle => {
    let now = Date.now();
    const throttle = createThrottle({ redis: closed, prefix: 'rotor_t_down', limits: { ...LIMITS, ...limits }, now: () => now, onModeChange: (mode) => modes.push(mode) });
    return { throttle, advance: (seconds) => { now += seconds * 1000; } };
  });

  it('says once that it counts in memory', () => {
    expect(modes.slice(0, 1)).toEqual(['memory']);
    expect(modes.filter((mode) => mode === 'redis')).toHaveLength(0);
  });
});

describe('failed-authentication throttle, when Redis goes away and comes back', () => {
  let engine: PrivateEngine;
  let redis: Redis;

  beforeAll(async () => {
    engine = await startPrivateRedis();
    redis = connect(engine.url);
    await waitReady(redis);
  }, 20_000);

  afterAll(async () => {
    redis?.disconnect();
    await engine?.stop();
  });

  it('keeps locking from memory while Redis is down, and honours those locks once it is back', async () => {
    const modes: Array<[ThrottleMode, string | undefined]> = [];
    const throttle = createThrottle({ redis, prefix: 'rotor_t_outage', limits: LIMITS, onModeChange: (mode, reason) => modes.push([mode, reason]) });
    await throttle.recordFailure(alice);
    await throttle.recordFailure(alice);
    await engine.stop();
    // The two failures counted in Redis are out of reach: this instance starts over, and still locks.
    await expect(throttle.recordFailure(alice)).resolves.toMatchObject({ locked: false });
    await throttle.recordFailure(alice);
    await expect(throttle.recordFailure(alice)).resolves.toMatchObject({ locked: true, lockouts: [{ scope: 'subject', retryAfter: 2 }] });
    await expect(throttle.check(alice)).resolves.toMatchObject({ locked: true, scope: 'subject' });
    await expect(throttle.check({ subject: 'user:bob', ip: alice.ip })).resolves.toMatchObject({ locked: false });
    expect(modes[0]?.[0]).toBe('memory');

    await engine.start();
    await waitReady(redis);
    await expect(throttle.check(alice)).resolves.toMatchObject({ locked: true, scope: 'subject' });
    expect(modes.at(-1)).toEqual(['redis', undefined]);
  }, 30_000);

  it('a Redis that stops answering counts as down: memory takes over after the timeout', async () => {
    await waitReady(redis);
    const throttle = createThrottle({ redis, prefix: 'rotor_t_hung', limits: LIMITS, timeoutMs: 150 });
    const admin = connect(engine.url);
    await waitReady(admin);
    // CLIENT PAUSE holds every client's commands: Redis is connected, and silent.
    await admin.call('CLIENT', 'PAUSE', '2500', 'ALL');
    admin.disconnect();
    const started = Date.now();
    for (let i = 0; i < 2; i++) await throttle.recordFailure(alice);
    await expect(throttle.recordFailure(alice)).resolves.toMatchObject({ locked: true, lockouts: [{ scope: 'subject' }] });
    await expect(throttle.check(alice)).resolves.toMatchObject({ locked: true });
    expect(Date.now() - started).toBeLessThan(2000);
  }, 20_000);
});
