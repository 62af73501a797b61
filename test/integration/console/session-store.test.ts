import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import { ConsoleSeal } from '../../../src/console/console-seal.js';
import { DependencyDown } from '../../../src/console/dependency-down.js';
import { SessionStore } from '../../../src/console/session-store.js';
import { redisUrl } from '../../helpers/engines.js';

describe("the console's session store, on a real Redis", () => {
  const live = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  dead.on('error', () => undefined);
  const prefix = `rotor-test-${randomUUID()}`;
  const seal = new ConsoleSeal(randomBytes(32));
  const store = new SessionStore(live, prefix, 60, seal);
  const tokens = { accessToken: `eyJ${randomBytes(40).toString('base64url')}`, refreshToken: randomBytes(32).toString('base64url') };

  afterAll(async () => {
    const keys = await live.keys(`${prefix}:*`);
    if (keys.length > 0) await live.del(...keys);
    live.disconnect();
    dead.disconnect();
  });

  const everything = async (): Promise<Array<[string, string]>> => {
    const keys = await live.keys(`${prefix}:*`);
    return Promise.all(keys.map(async (key) => [key, (await live.get(key)) ?? ''] as [string, string]));
  };

  it('keeps a session sealed under its cookie\'s id, named by an HMAC of it: Redis alone gives neither the id nor a token', async () => {
    const { id, session } = await store.create({ sub: 's1', username: 'sam', accessExpiresAt: Date.now() + 60_000, ...tokens });
    const stored = await everything();
    expect(stored).toHaveLength(1);
    const [[key, value]] = stored as [[string, string]];
    for (const secret of [id, createHash('sha256').update(id).digest('base64url'), tokens.accessToken, tokens.refreshToken, session.csrf]) {
      expect(key).not.toContain(secret);
      expect(value).not.toContain(secret);
    }
    expect(decodeProtectedHeader(value)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    expect(await store.find(id)).toEqual(session);
    // The record under the right name, opened with another id or another deployment's key, gives nothing.
    await live.set(`${prefix}:console:session:${seal.recordId('guess')}`, value);
    expect(await store.find('guess')).toBeUndefined();
    expect(await new SessionStore(live, prefix, 60, new ConsoleSeal(randomBytes(32))).find(id)).toBeUndefined();
  });

  it('a refresh lock is freed only by its holder: a holder whose lock expired does not free the next one\'s', async () => {
    const id = randomUUID();
    const first = await store.lockRefresh(id, 100);
    expect(first).toEqual(expect.any(String));
    expect(await store.lockRefresh(id, 100)).toBeUndefined();
    await sleep(150);
    const second = await store.lockRefresh(id, 5_000);
    expect(second).toEqual(expect.any(String));
    await store.unlockRefresh(id, first!);
    expect(await store.lockRefresh(id, 5_000)).toBeUndefined();
    await store.unlockRefresh(id, second!);
    expect(await store.lockRefresh(id, 5_000)).toEqual(expect.any(String));
  });

  it('with Redis down every operation fails as a dependency outage, not a bug', async () => {
    const down = new SessionStore(dead, prefix, 60, seal);
    await expect(down.find('any')).rejects.toBeInstanceOf(DependencyDown);
    await expect(down.create({ sub: 's', username: 'u', accessExpiresAt: 0, accessToken: 'a' })).rejects.toBeInstanceOf(DependencyDown);
    await expect(down.lockRefresh('any', 100)).rejects.toBeInstanceOf(DependencyDown);
  });
});
